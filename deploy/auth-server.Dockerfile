# syntax=docker/dockerfile:1
# Build context: the repository root (docker-compose sets it).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.work go.work.sum* ./
COPY pkg ./pkg
COPY auth-server ./auth-server
COPY fhir-server/go.mod fhir-server/go.sum ./fhir-server/
COPY e2e/go.mod ./e2e/
RUN --mount=type=cache,target=/root/go/pkg/mod \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/auth-server ./auth-server/cmd/auth-server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/auth-server /app/auth-server
COPY config /app/config
ENV AUTH_LISTEN_ADDR=:8081 AUTH_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8081
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["/app/auth-server", "healthcheck", "http://127.0.0.1:8081/readyz"]
ENTRYPOINT ["/app/auth-server"]
