#!/usr/bin/env bash
# build-images.sh: every image deploy/docker-compose.yml runs, built on a
# machine that reaches no image registry (this repository's CI) from what
# it does reach: Debian's packages and the Go toolchain.
#
#   - a Debian base image (base-image.sh: debootstrap + podman import),
#   - Redis and PostgreSQL stand-ins from Debian's packages on that base,
#     honouring the official images' contract, tagged with the image names
#     the compose file uses (redis:7-alpine, postgres:15-alpine),
#   - the two servers from binaries built on this host, through the compose
#     file's own build sections (the Dockerfiles' BINARY=host path), so the
#     compose file stays the one users run.
#
# Settings (environment): COMPOSE_PROJECT (the podman-compose project whose
# image names to build, default deploy), SMARTGATE_BASE_IMAGE, and
# base-image.sh's. Needs: podman, podman-compose, debootstrap, go.
set -euo pipefail
cd "$(dirname "$0")/../.."

compose_file=deploy/docker-compose.yml
project=${COMPOSE_PROJECT:-deploy}
base=${SMARTGATE_BASE_IMAGE:-localhost/smartgate/debian:bookworm}
# Docker's image format keeps the Dockerfiles' HEALTHCHECKs.
export BUILDAH_FORMAT=docker SMARTGATE_BASE_IMAGE=$base

deploy/standin/base-image.sh

# image_of NAME: the image the compose file names for an image like NAME.
image_of() {
	sed -n "s/^ *image: *\"\{0,1\}\($1:[^\"]*\)\"\{0,1\} *$/\1/p" "$compose_file"
}
for service in redis postgres; do
	image=$(image_of "$service")
	[[ -n $image ]] || { echo "no $service image in $compose_file" >&2; exit 1; }
	echo "image $image: stand-in from Debian's packages"
	podman build --quiet --build-arg BASE="$base" -f "deploy/standin/$service.Dockerfile" -t "$image" . >/dev/null
done

# As `make build` builds them, so the build cache of the tests serves; the
# Debian base has the C library they link.
echo "server binaries: bin/container/"
go build -o bin/container/ ./auth-server/cmd/auth-server ./fhir-server/cmd/fhir-server
echo "server images: podman-compose build (BINARY=host on $base)"
podman-compose -p "$project" -f "$compose_file" build \
	--build-arg BINARY=host --build-arg BUILDER="$base" --build-arg BASE="$base" >/dev/null
