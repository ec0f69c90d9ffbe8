#!/usr/bin/env bash
# Runs every check of suborg-portal: formatting, lints, the Rust tests (on SQLite, then again on
# PostgreSQL) and the browser tests. Installs what it needs when missing (PostgreSQL, Debian's
# chromium, rsyslog and openssl, the end2end npm packages), starts PostgreSQL if it is stopped,
# builds once into ./target, and exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  step "installing Debian's chromium for the browser tests"
  apt_install chromium
}

# The audit stream tests run a real syslog server (rsyslog, with GnuTLS for syslog over TLS)
# and make their certificates with openssl.
ensure_syslog_tools() {
  if [ -x /usr/sbin/rsyslogd ] && compgen -G '/usr/lib/*/rsyslog/lmnsd_gtls.so' >/dev/null \
    && command -v openssl >/dev/null; then
    return
  fi
  step "installing rsyslog, its TLS driver and openssl for the audit stream tests"
  apt_install rsyslog rsyslog-gnutls openssl
}

# PostgreSQL on 127.0.0.1:5432, user postgres, trust auth (as on these machines): installed
# with apt-get when missing, started when stopped.
PG_SERVER=postgres://postgres@127.0.0.1:5432
ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    step "installing PostgreSQL"
    apt_install postgresql
    # A fresh Debian cluster asks for passwords over TCP; the tests connect as postgres.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    step "starting PostgreSQL"
    for version in $(ls /etc/postgresql); do
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 60); do
    if pg_isready -q -h 127.0.0.1 -p 5432; then return; fi
    sleep 0.5
  done
  echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2
  exit 1
}

# A fresh database for this run, dropped when the run ends.
TEST_DB="suborg_portal_test_$$_$(date +%s)"
drop_test_db() {
  psql -q "$PG_SERVER/postgres" -c "drop database if exists $TEST_DB with (force)" >/dev/null 2>&1 || true
}

ensure_node_modules() {
  if [ -d end2end/node_modules/@playwright/test ] \
    && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; then
    return
  fi
  step "installing the end2end npm packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

rust_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast ${1:+-E "not test($1)"}
  else
    cargo test --locked --no-fail-fast -- ${1:+--skip "$1"}
  fi
}

ensure_postgres
psql -q "$PG_SERVER/postgres" -c "create database $TEST_DB"
trap drop_test_db EXIT

# The OpenID provider the single sign-on tests run (oidc-provider) is one of them.
ensure_node_modules
ensure_syslog_tools

# The restart test runs a PostgreSQL cluster of its own whatever the engine: once is enough.
step "Rust tests on SQLite"
rust_tests postgres_restart

step "Rust tests on PostgreSQL (each test in a schema of its own in $TEST_DB)"
PORTAL_TEST_DATABASE_URL="$PG_SERVER/$TEST_DB" rust_tests

step "browser tests (Playwright, Debian's chromium, JavaScript off)"
ensure_chromium
# The debug binary the Rust tests just built: no second build.
cargo build --locked --bin suborg-portal
(cd end2end && PORTAL_BIN="$PWD/../target/debug/suborg-portal" npx playwright test)

step "all checks passed"
