# syntax=docker/dockerfile:1
# Build context: the repository root (docker-compose sets it).
#
# By default the server is compiled in a Go container and runs on distroless.
# Where no image registry is reachable (this repository's CI), the binary is
# built on the host instead (CGO_ENABLED=0 go build -o bin/container/ ...) and
# the build takes --build-arg BINARY=host with BUILDER and BASE naming local
# images (BUILDER with a shell): deploy/standin/build-images.sh does that.
ARG BASE=gcr.io/distroless/static-debian12:nonroot
ARG BUILDER=golang:1.26-bookworm
ARG BINARY=build

FROM ${BUILDER} AS build
WORKDIR /src
COPY go.work go.work.sum* ./
COPY pkg ./pkg
COPY auth-server ./auth-server
COPY fhir-server/go.mod fhir-server/go.sum ./fhir-server/
COPY e2e/go.mod ./e2e/
RUN --mount=type=cache,target=/root/go/pkg/mod \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /rootfs/app/auth-server ./auth-server/cmd/auth-server
# The data directory belongs to the server's user: a new volume mounted on
# it takes its owner, so the server can write its store and keys there.
RUN mkdir -p /rootfs/data && chown 65532:65532 /rootfs/data && chmod 700 /rootfs/data

FROM ${BUILDER} AS host
COPY bin/container/auth-server /rootfs/app/auth-server
RUN mkdir -p /rootfs/data && chown 65532:65532 /rootfs/data && chmod 700 /rootfs/data

FROM ${BINARY} AS binary

FROM ${BASE}
COPY --from=binary /rootfs/ /
COPY config /app/config
WORKDIR /app
ENV AUTH_LISTEN_ADDR=:8081 AUTH_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8081
# Numeric, so it needs no /etc/passwd entry: distroless's nonroot user.
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["/app/auth-server", "healthcheck", "http://127.0.0.1:8081/readyz"]
ENTRYPOINT ["/app/auth-server"]
