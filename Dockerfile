# hirewire: multi-stage build. Stage `build` compiles the release binary (rustls on ring: no
# OpenSSL at run time); stage `runtime` is Debian slim with that one binary, the example project,
# a non-root user, and a healthcheck on /readyz (database reachable, recipes loaded).
#
#   docker build -t hirewire:latest .
#   docker run -e HIREWIRE_DATABASE_URL=postgres://... -e HIREWIRE_API_TOKEN=... -p 8080:8080 hirewire:latest

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The whole workspace (see .dockerignore: no target/, no .git/).
COPY Cargo.toml Cargo.lock ./
COPY engine engine
COPY connectors connectors
COPY tests tests
COPY migrations migrations
RUN cargo build --release --locked -p hirewire \
 && install -m 0755 target/release/hirewire /usr/local/bin/hirewire

FROM debian:bookworm-slim AS runtime
# curl only serves the healthcheck; ca-certificates for HTTPS to Greenhouse and the HR APIs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --create-home hirewire
COPY --from=build /usr/local/bin/hirewire /usr/local/bin/hirewire
# The example project; mount your own hirewire.yaml and recipes/ over these.
COPY --chown=hirewire:hirewire hirewire.yaml /app/hirewire.yaml
COPY --chown=hirewire:hirewire recipes /app/recipes
USER 10001:10001
WORKDIR /app
# Listening beyond loopback requires HIREWIRE_API_TOKEN (the daemon refuses to start without it).
ENV HIREWIRE_LISTEN=0.0.0.0:8080 \
    HIREWIRE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["hirewire"]
CMD ["run", "--dir", "/app"]
