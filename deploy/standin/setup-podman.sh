#!/usr/bin/env bash
# setup-podman.sh: what scripts/compose-test.sh needs on a fresh Debian
# machine (CI runs it as root): podman, podman-compose and debootstrap from
# Debian's packages, and containers that start where the sandbox refuses to
# raise resource limits (containers.conf: default_ulimits = []).
set -euo pipefail

need=()
for tool in podman podman-compose debootstrap; do
	command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [[ ${#need[@]} -gt 0 ]]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

conf=/etc/containers/containers.conf
if ! grep -qs '^ *default_ulimits' "$conf"; then
	mkdir -p "$(dirname "$conf")"
	if grep -qs '^\[containers\]' "$conf"; then
		sed -i 's/^\[containers\]/&\ndefault_ulimits = []/' "$conf"
	else
		printf '[containers]\ndefault_ulimits = []\n' >>"$conf"
	fi
fi
