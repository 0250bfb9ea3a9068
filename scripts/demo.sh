#!/usr/bin/env bash
# demo.sh (`make demo`): the docker-compose topology of deploy/docker-compose.yml
# (auth-server on Redis, fhir-server on PostgreSQL, the same environment
# variables) started as local processes against the Redis and PostgreSQL of
# this machine, then the README's demo calls, each reported PASS or FAIL.
# Exits 1 if any call failed. Stops everything it started and removes the
# database and Redis keys it made.
#
# Settings (environment):
#   DEMO_AUTH_PORT, DEMO_FHIR_PORT  8081, 8080 (as docker-compose publishes them);
#                                   when unset and taken, free ports instead
#   DEMO_REDIS_URL                  redis://127.0.0.1:6379/9
#   DEMO_REDIS_KEY_PREFIX           smartgate:demo:
#   DEMO_PG_ADMIN_URL               postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
#                                   (used to create and drop the demo database)
#   DEMO_DATABASE                   smartgate_demo (dropped and created afresh)
# Needs: go, curl, psql; redis-cli to remove the demo's Redis keys afterwards.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"

cd "$(dirname "$0")/.."
. scripts/lib/checks.sh
. scripts/lib/ports.sh
. scripts/lib/tour.sh
auth_port=${DEMO_AUTH_PORT:-$(free_port 8081)}
fhir_port=${DEMO_FHIR_PORT:-$(free_port 8080 "$auth_port")}
redis_url=${DEMO_REDIS_URL:-redis://127.0.0.1:6379/9}
redis_prefix=${DEMO_REDIS_KEY_PREFIX:-smartgate:demo:}
pg_admin=${DEMO_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
database=${DEMO_DATABASE:-smartgate_demo}

# DATABASE_URL: the admin URL with the demo database in place of its own.
pg_base=${pg_admin%%\?*}
pg_query=${pg_admin#"$pg_base"}
database_url="${pg_base%/*}/$database$pg_query"

auth_url="http://localhost:$auth_port"
fhir_url="http://localhost:$fhir_port/STU3"

work=$(mktemp -d)
check_dir=$work
pids=()

die() {
	echo "demo: $*" >&2
	exit 1
}

redis_clean() {
	command -v redis-cli >/dev/null || return 0
	redis-cli -u "$redis_url" --scan --pattern "${redis_prefix}*" |
		xargs -r -n 500 redis-cli -u "$redis_url" del >/dev/null
}

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	if [[ $failed -gt 0 ]]; then
		for f in auth-server fhir-server; do
			[[ -f $work/$f.log ]] && { echo "--- last lines of the $f log ---"; tail -n 20 "$work/$f.log"; }
		done
	fi
	psql "$pg_admin" -q -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1
	redis_clean
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in go curl psql; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
for port in "$auth_port" "$fhir_port"; do
	if port_taken "$port"; then
		die "port $port is in use (is \`make run\` running?); set DEMO_AUTH_PORT/DEMO_FHIR_PORT to free ports or leave them unset"
	fi
done

echo "== build"
mkdir -p bin
go build -o bin/ ./auth-server/cmd/auth-server ./fhir-server/cmd/fhir-server || die "build failed"

echo "== state: PostgreSQL database $database, Redis $redis_url keys ${redis_prefix}*"
psql "$pg_admin" -v ON_ERROR_STOP=1 -q \
	-c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" \
	-c "CREATE DATABASE \"$database\"" >/dev/null || die "cannot create database $database through $pg_admin"
redis_clean

echo "== start auth-server ($auth_url) and fhir-server ($fhir_url)"
# The same variables as deploy/docker-compose.yml; the compose network's
# service names become loopback addresses.
env AUTH_LISTEN_ADDR="127.0.0.1:$auth_port" \
	AUTH_ISSUER="$auth_url" \
	AUTH_DEMO=true \
	REDIS_URL="$redis_url" \
	AUTH_REDIS_KEY_PREFIX="$redis_prefix" \
	FHIR_BASE_URL="$fhir_url" \
	AUTH_FHIR_INTERNAL_URL="http://127.0.0.1:$fhir_port/STU3" \
	AUTH_DATA_DIR="$work/auth" \
	./bin/auth-server >"$work/auth-server.log" 2>&1 &
pids+=($!)
env FHIR_LISTEN_ADDR="127.0.0.1:$fhir_port" \
	FHIR_BASE_URL="$fhir_url" \
	FHIR_DEMO=true \
	DATABASE_URL="$database_url" \
	FHIR_AUTH_ISSUER="$auth_url" \
	FHIR_JWKS_URL="http://127.0.0.1:$auth_port/jwks" \
	FHIR_DATA_DIR="$work/fhir" \
	./bin/fhir-server >"$work/fhir-server.log" 2>&1 &
pids+=($!)

wait_ready auth-server "http://127.0.0.1:$auth_port/readyz" &&
	wait_ready fhir-server "http://127.0.0.1:$fhir_port/readyz" ||
	exit 1

echo "== the README's demo calls"
tour "$auth_url" "$fhir_url"

echo "== the topology is the compose one"
if grep -qi 'postgres' "$work/fhir-server.log" && [[ $(psql "$database_url" -tAc \
	"select count(*) from information_schema.tables where table_schema = current_schema()" 2>/dev/null) -gt 0 ]]; then
	pass "fhir-server stores in PostgreSQL (tables in database $database)"
else
	fail "fhir-server stores in PostgreSQL" "no tables in $database; log: $(grep -i store "$work/fhir-server.log" | head -2)"
fi
if command -v redis-cli >/dev/null; then
	keys=$(redis-cli -u "$redis_url" --scan --pattern "${redis_prefix}*" | wc -l)
	if [[ $keys -gt 0 ]]; then
		pass "auth-server stores in Redis ($keys keys under $redis_prefix)"
	else
		fail "auth-server stores in Redis" "no keys under $redis_prefix in $redis_url"
	fi
fi

echo "demo: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
