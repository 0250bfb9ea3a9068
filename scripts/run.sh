#!/usr/bin/env bash
# run.sh (`make run`): both servers on embedded stores under ./data with the
# demo clients, users and data, listening on 127.0.0.1 only. Ctrl-C (or
# SIGTERM) stops both and exits 0; when either server stops on its own (a
# port taken, say), the other is stopped too and its exit status returned.
#
# Settings (environment, or make variables: make run PORTS=9080):
#   PORTS        FHIR[,AUTH]: the fhir-server's port (8080) and the
#                auth-server's (default: the next one); the issuer, the FHIR
#                base URL and every advertised URL follow
#   LISTEN_HOST  127.0.0.1; 0.0.0.0 listens on every interface
# A server variable set in the environment (AUTH_ISSUER, FHIR_BASE_URL ...,
# README's configuration reference) wins over what these derive.
set -uo pipefail
cd "$(dirname "$0")/.."

ports=${PORTS:-8080}
fhir_port=${ports%%,*}
auth_port=$((fhir_port + 1))
[[ $ports == *,* ]] && auth_port=${ports#*,}
for p in "$fhir_port" "$auth_port"; do
	if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
		echo "run: PORTS=$ports: want FHIR_PORT or FHIR_PORT,AUTH_PORT (e.g. PORTS=9080 or PORTS=9080,9090)" >&2
		exit 2
	fi
done
host=${LISTEN_HOST:-127.0.0.1}

export AUTH_LISTEN_ADDR=${AUTH_LISTEN_ADDR:-$host:$auth_port}
export AUTH_ISSUER=${AUTH_ISSUER:-http://localhost:$auth_port}
export FHIR_LISTEN_ADDR=${FHIR_LISTEN_ADDR:-$host:$fhir_port}
export FHIR_BASE_URL=${FHIR_BASE_URL:-http://localhost:$fhir_port/STU3}
export FHIR_AUTH_ISSUER=${FHIR_AUTH_ISSUER:-$AUTH_ISSUER}
export AUTH_DEMO=${AUTH_DEMO:-true} FHIR_DEMO=${FHIR_DEMO:-true}

echo "auth-server on $AUTH_ISSUER, fhir-server on $FHIR_BASE_URL (Ctrl-C stops both; PORTS=9080 moves them)"

pids=()
# stop ends the servers this script started, once, and waits for them.
stop() {
	trap - INT TERM
	kill -TERM "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
}
trap 'stop; exit 0' INT TERM

./bin/auth-server &
pids+=($!)
./bin/fhir-server &
pids+=($!)

wait -n "${pids[@]}"
status=$?
stop
exit "$status"
