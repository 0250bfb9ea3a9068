#!/usr/bin/env bash
# scale-demo.sh (`make scale-demo`): the scale-out topology as local
# processes on loopback: Redis with a replica and three sentinels, the
# machine's PostgreSQL, two auth-servers and two fhir-servers behind
# HAProxy (deploy/haproxy/haproxy.cfg). Then, through the balancer:
#   1. a short load run printing tokens/s and reads/s, and the same
#      against one replica of each, measured in the same run;
#   2. a load run during which Sentinel fails the Redis primary over and
#      one auth-server and one fhir-server are killed (SIGKILL), printing
#      the failed requests and the failure window.
# Stops everything it started and drops the database it made.
#
# Settings (environment):
#   SCALE_SECONDS        length of each load run (default 5; the failover run is 3x)
#   SCALE_PG_ADMIN_URL   postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
#   SCALE_DATABASE       smartgate_scale (dropped and created afresh)
# Needs: go, curl, psql, redis-server, redis-cli, haproxy (Debian's packages).
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"

cd "$(dirname "$0")/.."
. scripts/lib/checks.sh
. scripts/lib/ports.sh
seconds=${SCALE_SECONDS:-5}
pg_admin=${SCALE_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
database=${SCALE_DATABASE:-smartgate_scale}
pg_base=${pg_admin%%\?*}
pg_query=${pg_admin#"$pg_base"}
database_url="${pg_base%/*}/$database$pg_query"
master=smartgate

work=$(mktemp -d)
check_dir=$work
pids=()
declare -A pid_of

die() {
	echo "scale-demo: $*" >&2
	exit 1
}

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	if [[ $failed -gt 0 ]]; then
		for f in "$work"/*.log; do echo "--- last lines of $(basename "$f") ---"; tail -n 15 "$f"; done
	fi
	psql "$pg_admin" -q -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in go curl psql redis-server redis-cli haproxy; do
	command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install redis-server redis-tools haproxy postgresql-client)"
done

# start NAME COMMAND...: run in the background, logging to $work/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	pid_of[$name]=$!
}

taken=()
port() {
	local p
	p=$(free_port $((20000 + RANDOM % 10000)) "${taken[@]}") || die "no free port"
	taken+=("$p")
	echo "$p"
}
redis_p=$(port) && taken+=("$redis_p")
redis_r=$(port) && taken+=("$redis_r")
sentinels=()
for _ in 1 2 3; do p=$(port) && taken+=("$p") && sentinels+=("$p"); done
auth1=$(port) && taken+=("$auth1")
auth2=$(port) && taken+=("$auth2")
fhir1=$(port) && taken+=("$fhir1")
fhir2=$(port) && taken+=("$fhir2")
lb_auth=$(port) && taken+=("$lb_auth")
lb_fhir=$(port) && taken+=("$lb_fhir")
auth_url="http://127.0.0.1:$lb_auth"
fhir_url="http://127.0.0.1:$lb_fhir/STU3"

echo "== build"
mkdir -p bin
go build -o bin/ ./auth-server/cmd/auth-server ./fhir-server/cmd/fhir-server ./e2e/cmd/scaleload || die "build failed"

echo "== Redis: primary :$redis_p, replica :$redis_r, sentinels :${sentinels[*]}"
data=(--bind 127.0.0.1 --save "" --appendonly no --dir "$work")
start redis-primary redis-server --port "$redis_p" "${data[@]}"
start redis-replica redis-server --port "$redis_r" "${data[@]}" --replicaof 127.0.0.1 "$redis_p"
sentinel_addrs=
for s in "${sentinels[@]}"; do
	cat >"$work/sentinel-$s.conf" <<CONF
port $s
bind 127.0.0.1
dir $work
sentinel monitor $master 127.0.0.1 $redis_p 2
sentinel down-after-milliseconds $master 1000
sentinel failover-timeout $master 5000
CONF
	start "sentinel-$s" redis-server "$work/sentinel-$s.conf" --sentinel
	sentinel_addrs+="${sentinel_addrs:+,}127.0.0.1:$s"
done
for _ in $(seq 1 100); do
	[[ $(redis-cli -p "${sentinels[0]}" sentinel replicas "$master" 2>/dev/null | grep -c "127.0.0.1") -ge 1 ]] && break
	sleep 0.1
done

echo "== PostgreSQL database $database"
psql "$pg_admin" -v ON_ERROR_STOP=1 -q \
	-c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" \
	-c "CREATE DATABASE \"$database\"" >/dev/null || die "cannot create database $database through $pg_admin"

echo "== HAProxy: auth-servers at $auth_url, fhir-servers at $fhir_url"
start haproxy env AUTH_LB_BIND="127.0.0.1:$lb_auth" FHIR_LB_BIND="127.0.0.1:$lb_fhir" \
	AUTH_1="127.0.0.1:$auth1" AUTH_2="127.0.0.1:$auth2" FHIR_1="127.0.0.1:$fhir1" FHIR_2="127.0.0.1:$fhir2" \
	haproxy -db -f deploy/haproxy/haproxy.cfg

echo "== two auth-servers (:$auth1, :$auth2) on Sentinel, two fhir-servers (:$fhir1, :$fhir2) on PostgreSQL"
key() { head -c 32 /dev/urandom | base64 -w0; }
kek=$(key)
session_keys="$(key),$(key)"
for n in 1 2; do
	p=auth$n
	# Only Sentinel: a REDIS_URL or Cluster setting from the caller's
	# environment (CI exports REDIS_URL for the tests) would be a second mode.
	start "auth-server-$n" env -u REDIS_URL -u AUTH_REDIS_CLUSTER_ADDRS AUTH_LISTEN_ADDR="127.0.0.1:${!p}" AUTH_ISSUER="$auth_url" AUTH_DEMO=true \
		AUTH_REDIS_SENTINEL_ADDRS="$sentinel_addrs" AUTH_REDIS_SENTINEL_MASTER="$master" \
		AUTH_REDIS_KEY_PREFIX="smartgate:scale:" AUTH_KEY_ENCRYPTION_KEY="$kek" AUTH_WEB_SESSION_KEYS="$session_keys" \
		AUTH_TRUSTED_PROXIES=127.0.0.1 AUTH_DATA_DIR="$work/auth-$n" FHIR_BASE_URL="$fhir_url" \
		AUTH_FHIR_INTERNAL_URL="$fhir_url" ./bin/auth-server
done
wait_ready auth-server-1 "http://127.0.0.1:$auth1/readyz" && wait_ready auth-server-2 "http://127.0.0.1:$auth2/readyz" || exit 1
for n in 1 2; do
	p=fhir$n
	# The first loads the demo data into the empty database; the second finds it there.
	start "fhir-server-$n" env -u FHIR_DATABASE_READ_URL FHIR_LISTEN_ADDR="127.0.0.1:${!p}" FHIR_BASE_URL="$fhir_url" FHIR_DEMO=true \
		DATABASE_URL="$database_url" FHIR_AUTH_ISSUER="$auth_url" FHIR_TRUSTED_PROXIES=127.0.0.1 \
		FHIR_DATA_DIR="$work/fhir-$n" ./bin/fhir-server
	wait_ready "fhir-server-$n" "http://127.0.0.1:${!p}/readyz" || exit 1
done
wait_ready "the balancer (auth)" "$auth_url/readyz" && wait_ready "the balancer (FHIR)" "$fhir_url/metadata" || exit 1

echo "== load for ${seconds}s through the balancer, then against one replica of each"
./bin/scaleload -label "through HAProxy (2+2 replicas)" -auth "$auth_url" -fhir "$fhir_url" -duration "${seconds}s" | tee "$work/lb.txt"
./bin/scaleload -label "one replica of each        " -auth "http://127.0.0.1:$auth1" -fhir "http://127.0.0.1:$fhir1/STU3" -duration "${seconds}s" | tee "$work/one.txt"
rate() { sed -E "s/.*: ([0-9]+) tokens\/s, ([0-9]+) reads\/s.*/\\$1/" "$2"; }
echo "ratio (balancer / one replica): tokens $(awk "BEGIN{printf \"%.2f\", $(rate 1 "$work/lb.txt") / ($(rate 1 "$work/one.txt") + 0.001)}"), reads $(awk "BEGIN{printf \"%.2f\", $(rate 2 "$work/lb.txt") / ($(rate 2 "$work/one.txt") + 0.001)}") (on one machine the replicas share its cores)"
grep -q " 0 failed requests" "$work/lb.txt" && pass "no request failed through the balancer" || fail "no request failed through the balancer" "$(cat "$work/lb.txt")"

long=$((seconds * 3))
echo "== load for ${long}s through the balancer: Sentinel failover after ${seconds}s, auth-server-2 and fhir-server-2 killed after $((seconds * 2))s"
./bin/scaleload -label "during failover and kills" -auth "$auth_url" -fhir "$fhir_url" -duration "${long}s" >"$work/failover.txt" &
load=$!
sleep "$seconds"
redis-cli -p "${sentinels[0]}" sentinel failover "$master" >/dev/null
sleep "$seconds"
kill -KILL "${pid_of[auth-server-2]}" "${pid_of[fhir-server-2]}"
wait "${pid_of[auth-server-2]}" "${pid_of[fhir-server-2]}" 2>/dev/null
echo "   primary now $(redis-cli -p "${sentinels[0]}" sentinel get-master-addr-by-name "$master" | paste -sd:) (was 127.0.0.1:$redis_p); auth-server-2 and fhir-server-2 killed"
wait "$load"
cat "$work/failover.txt"
window=$(sed -nE 's/.*failure window ([0-9.]+)(ms|s).*/\1 \2/p' "$work/failover.txt")
if [[ -z $window ]] || awk -v w="$window" 'BEGIN{split(w, a, " "); exit !((a[2] == "ms" ? a[1] / 1000 : a[1]) <= 10)}'; then
	pass "failures (if any) within 10 s"
else
	fail "failures (if any) within 10 s" "$(cat "$work/failover.txt")"
fi
echo "scale-demo: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
