# hirewire: multi-stage build. The runtime image is Debian slim with one
# static-ish binary, a non-root user, and a healthcheck on /readyz.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY engine engine
COPY connectors connectors
COPY tests tests
COPY migrations migrations
RUN cargo build --release --locked -p hirewire \
 && cp target/release/hirewire /usr/local/bin/hirewire

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --create-home hirewire
COPY --from=build /usr/local/bin/hirewire /usr/local/bin/hirewire
COPY recipes /app/recipes
COPY hirewire.yaml /app/hirewire.yaml
USER hirewire
WORKDIR /app
ENV HIREWIRE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["hirewire"]
CMD ["run", "--dir", "/app"]
