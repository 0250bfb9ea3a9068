#!/usr/bin/env bash
# demo.sh (`make demo`): the docker-compose topology of deploy/docker-compose.yml
# (auth-server on Redis, fhir-server on PostgreSQL, the same environment
# variables) started as local processes against the Redis and PostgreSQL of
# this machine, then the README's demo calls, each reported PASS or FAIL.
# Exits 1 if any call failed. Stops everything it started and removes the
# database and Redis keys it made.
#
# Settings (environment):
#   DEMO_AUTH_PORT, DEMO_FHIR_PORT  8081, 8080 (as docker-compose publishes them)
#   DEMO_REDIS_URL                  redis://127.0.0.1:6379/9
#   DEMO_REDIS_KEY_PREFIX           smartgate:demo:
#   DEMO_PG_ADMIN_URL               postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
#                                   (used to create and drop the demo database)
#   DEMO_DATABASE                   smartgate_demo (dropped and created afresh)
# Needs: go, curl, psql; redis-cli to remove the demo's Redis keys afterwards.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"

cd "$(dirname "$0")/.."
auth_port=${DEMO_AUTH_PORT:-8081}
fhir_port=${DEMO_FHIR_PORT:-8080}
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
pids=()
passed=0
failed=0

pass() { echo "PASS  $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL  $1"
	shift
	for line in "$@"; do echo "        $line"; done
	failed=$((failed + 1))
}
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
	if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
		die "port $port is in use (is \`make run\` running?); set DEMO_AUTH_PORT/DEMO_FHIR_PORT"
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

wait_ready() { # name url
	for _ in $(seq 1 600); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' "$2") == 200 ]]; then
			pass "$1 ready ($2 answers 200)"
			return 0
		fi
		sleep 0.1
	done
	fail "$1 ready" "$2 did not answer 200 within 60 s"
	return 1
}
wait_ready auth-server "http://127.0.0.1:$auth_port/readyz" &&
	wait_ready fhir-server "http://127.0.0.1:$fhir_port/readyz" ||
	exit 1

echo "== the README's demo calls"
# call WANT_STATUS PATH [TOKEN]: GET a FHIR path and check the status; the
# body is left in $work/body, the headers in $work/headers, a reason in $why.
why=
call() {
	local auth=() got
	[[ -n ${3:-} ]] && auth=(-H "Authorization: Bearer $3")
	got=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' \
		-H 'Accept: application/fhir+json' "${auth[@]}" "$fhir_url/$2")
	why="GET $fhir_url/$2: HTTP $got, want $1; body: $(head -c 300 "$work/body")"
	[[ $got == "$1" ]]
}
# has PATTERN FILE: grep, with a reason in $why when it is missing.
has() {
	grep -qi -- "$1" "$2" && return 0
	why="no \"$1\" in the $(basename "$2"): $(head -c 300 "$2")"
	return 1
}
# check NAME COMMAND...: PASS when COMMAND succeeds, FAIL with $why if not.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

token_json=$(printf 'user = "%s:%s"\n' a24a4d9f-c264-4af7-a8e5-248c24a6b707 \
	MMpAOGBljYcEzBfn7q9-xgJqBlmR0BSiEyCrCjNNOUpR78kZtzqgKKU_4FgGRFNWbtc6jPIErLwoYwRgnlvijA |
	curl -s -K - -d grant_type=client_credentials "$auth_url/token")
if [[ $token_json == *'"token_type":"Bearer"'* && $token_json == *'"expires_in":5400'* ]]; then
	pass "token for the seed's Patient Access client (Bearer, expires_in 5400)"
else
	fail "token for the seed's Patient Access client (Bearer, expires_in 5400)" "$token_json"
fi
token=$(AUTH_URL=$auth_url scripts/get-token.sh a24a4d9f-c264-4af7-a8e5-248c24a6b707 \
	MMpAOGBljYcEzBfn7q9-xgJqBlmR0BSiEyCrCjNNOUpR78kZtzqgKKU_4FgGRFNWbtc6jPIErLwoYwRgnlvijA 2>&1)
why=$token
check "scripts/get-token.sh prints the token" [ "${token//[^.]/}" == .. ]

patient4() { call 200 Patient/4 "$token" && has '"id":"4"' "$work/body"; }
check "GET Patient/4 with the token: 200, Patient 4" patient4
observations() {
	call 403 'Observation?patient=4' "$token" && has '"OperationOutcome"' "$work/body" &&
		has 'error="insufficient_scope"' "$work/headers"
}
check "GET Observation with the token: 403, OperationOutcome, insufficient_scope" observations
notoken() { call 401 Patient/4 && has '^www-authenticate: Bearer' "$work/headers"; }
check "GET Patient/4 without a token: 401, WWW-Authenticate: Bearer" notoken
metadata() {
	call 200 metadata && has 'StructureDefinition/oauth-uris' "$work/body" &&
		has "\"$auth_url/token\"" "$work/body"
}
check "metadata: 200, oauth-uris extension points at $auth_url/token" metadata

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
