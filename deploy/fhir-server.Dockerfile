# syntax=docker/dockerfile:1
# Build context: the repository root (docker-compose sets it).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.work go.work.sum* ./
COPY pkg ./pkg
COPY fhir-server ./fhir-server
COPY auth-server/go.mod auth-server/go.sum ./auth-server/
COPY e2e/go.mod ./e2e/
RUN --mount=type=cache,target=/root/go/pkg/mod \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/fhir-server ./fhir-server/cmd/fhir-server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/fhir-server /app/fhir-server
COPY config /app/config
ENV FHIR_LISTEN_ADDR=:8080 FHIR_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["/app/fhir-server", "healthcheck", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/app/fhir-server"]
