#!/usr/bin/env bash
# base-image.sh: make sure the Debian base image of the stand-in images
# exists in podman's storage: a minimal Debian (debootstrap --variant=minbase)
# imported with `podman import`, since no image registry may be reachable
# (Debian's package mirror is). The root filesystem is kept as a tar in
# SMARTGATE_CACHE_DIR when that directory is writable, so later runs on the
# same machine import it in seconds instead of bootstrapping again.
#
# Settings (environment):
#   SMARTGATE_BASE_IMAGE  localhost/smartgate/debian:bookworm
#   SMARTGATE_CACHE_DIR   /var/cache/smartgate
#   DEBIAN_MIRROR         http://deb.debian.org/debian
# Needs: podman, debootstrap (as root).
set -euo pipefail

image=${SMARTGATE_BASE_IMAGE:-localhost/smartgate/debian:bookworm}
cache_dir=${SMARTGATE_CACHE_DIR:-/var/cache/smartgate}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=$cache_dir/debian-bookworm-minbase.tar

if podman image exists "$image"; then
	echo "base image $image: present"
	exit 0
fi
if [[ -s $cache ]]; then
	echo "base image $image: importing $cache"
	podman import --quiet "$cache" "$image" >/dev/null
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "base image $image: debootstrap bookworm from $mirror (about two minutes)"
if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	exit 1
fi
rootfs=$work/rootfs
# As Debian's official images do: no service starts while packages install
# (there is no init in a container), no recommended packages, no caches.
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 755 "$rootfs/usr/sbin/policy-rc.d"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90container"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -cf "$work/rootfs.tar" .
podman import --quiet "$work/rootfs.tar" "$image" >/dev/null
if mkdir -p "$cache_dir" 2>/dev/null && [[ -w $cache_dir ]]; then
	mv "$work/rootfs.tar" "$cache.tmp" && mv "$cache.tmp" "$cache"
	echo "base image $image: cached in $cache"
fi
