#!/usr/bin/env bash
# Runs every check of suborg-portal: formatting, lints, the Rust tests and the browser tests.
# Installs what it needs when missing (Debian's chromium, the end2end npm packages), builds once
# into ./target, and exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  step "installing Debian's chromium for the browser tests"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
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

step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast
else
  cargo test --locked --no-fail-fast
fi

step "browser tests (Playwright, Debian's chromium, JavaScript off)"
ensure_chromium
ensure_node_modules
# The debug binary the Rust tests just built: no second build.
cargo build --locked --bin suborg-portal
(cd end2end && PORTAL_BIN="$PWD/../target/debug/suborg-portal" npx playwright test)

step "all checks passed"
