# Build: a release binary with the CSS, public assets and migrations embedded.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY style ./style
COPY public ./public
COPY bench ./bench
RUN cargo build --release --locked --bin suborg-portal

# Run: the binary only, as an unprivileged user. curl is there for the HEALTHCHECK alone.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/suborg-portal --create-home portal \
 && install -d -o portal -g portal /var/lib/suborg-portal/data
COPY --from=build /src/target/release/suborg-portal /usr/local/bin/suborg-portal
USER portal
WORKDIR /var/lib/suborg-portal
# The SQLite database (data/portal.db) lives here unless DATABASE_URL points elsewhere.
VOLUME ["/var/lib/suborg-portal/data"]
ENV PORTAL_ADDR=0.0.0.0:3000 \
    PORTAL_LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/suborg-portal"]
CMD ["serve"]
