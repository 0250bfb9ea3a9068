#!/usr/bin/env bash
# compose-test.sh (`make compose-test`): deploy/docker-compose.yml run for
# real with podman-compose: Redis, PostgreSQL and both servers in
# containers, the README tour's calls and the Postman collection through
# the published ports, then `down` and `up` again to check that the volumes
# keep the signing keys, the auth-server's clients and the FHIR data. Each
# check is reported PASS or FAIL; exits 1 if any failed. Removes its
# containers and volumes at the end.
#
# The images come from deploy/standin/build-images.sh (no image registry
# needed). podman-compose 1.0 ignores depends_on conditions, so the
# databases are brought up and waited for first, as docker compose's
# `condition: service_healthy` would.
#
# Settings (environment):
#   COMPOSE_PROJECT                            smartgate-ci
#   SMARTGATE_AUTH_PORT, SMARTGATE_FHIR_PORT   8081, 8080 when free, else free ports
#   SMARTGATE_REQUIRE_NODE=1                   fail, not skip, without newman
# Needs: podman, podman-compose, debootstrap, go, curl (as root).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/checks.sh
. scripts/lib/ports.sh
. scripts/lib/tour.sh

export COMPOSE_PROJECT=${COMPOSE_PROJECT:-smartgate-ci}
export SMARTGATE_AUTH_PORT=${SMARTGATE_AUTH_PORT:-$(free_port 8081)}
export SMARTGATE_FHIR_PORT=${SMARTGATE_FHIR_PORT:-$(free_port 8080 "$SMARTGATE_AUTH_PORT")}
auth_url="http://localhost:$SMARTGATE_AUTH_PORT"
fhir_url="http://localhost:$SMARTGATE_FHIR_PORT/STU3"

work=$(mktemp -d)
check_dir=$work
compose() { podman-compose -p "$COMPOSE_PROJECT" -f deploy/docker-compose.yml "$@" >>"$work/compose.log" 2>&1; }
die() {
	echo "compose-test: $*" >&2
	exit 1
}

# container SERVICE: the name of the service's container.
container() {
	podman ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
		--filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1
}

cleanup() {
	if [[ $failed -gt 0 ]]; then
		for s in auth-server fhir-server redis postgres; do
			c=$(container "$s")
			[[ -n $c ]] && { echo "--- last lines of $s ($c) ---"; podman logs --tail 25 "$c" 2>&1; }
		done
		echo "--- last lines of podman-compose ---"
		tail -n 20 "$work/compose.log"
	fi
	compose down -v
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in podman podman-compose debootstrap go curl; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

start=$SECONDS
echo "== images"
COMPOSE_PROJECT=$COMPOSE_PROJECT deploy/standin/build-images.sh || die "building the images failed"
echo "images ready in $((SECONDS - start)) s"

# wait_healthy SERVICE...: PASS once each service's health check passes.
wait_healthy() {
	local s c
	for s in "$@"; do
		c=$(container "$s")
		for _ in $(seq 1 120); do
			podman healthcheck run "$c" >/dev/null 2>&1 && break
			sleep 1
		done
		why="$s: its health check did not pass within 120 s"
		check "$s healthy" podman healthcheck run "$c"
	done
}

# up: the stack, databases first (podman-compose ignores depends_on's
# conditions; docker compose waits the same way).
up() {
	compose up -d --no-build redis postgres
	wait_healthy redis postgres
	compose up -d --no-build
	wait_healthy auth-server fhir-server
}

# quiet_logs SERVICE: no error (logged, or the one line a server prints
# when it exits on one), and no warning but the one saying /metrics is open
# (true of a container listening on every interface); the fhir-server
# starts beside the auth-server without either.
quiet_logs() {
	local c lines
	c=$(container "$1")
	lines=$(podman logs "$c" 2>&1 | grep -E "level=(WARN|ERROR)|^$1: " | grep -v 'GET /metrics is open')
	why="$1 logged: $(head -c 600 <<<"$lines")"
	[[ -z $lines ]]
}

# restarts SERVICE: how often the container was restarted (a crash loop).
restarts() { podman inspect --format '{{.RestartCount}}' "$(container "$1")"; }
no_restarts() {
	local n
	n=$(restarts "$1")
	why="$1 restarted $n times"
	[[ $n == 0 ]]
}

# token ID SECRET [SCOPE]: a client-credentials access token.
token() { AUTH_URL=$auth_url scripts/get-token.sh "$@" 2>"$work/token.err"; }

echo "== up (auth-server $auth_url, fhir-server $fhir_url)"
compose down -v # what an interrupted earlier run left
up
for s in auth-server fhir-server; do
	check "$s started without errors or warnings" quiet_logs "$s"
	check "$s did not restart" no_restarts "$s"
done

echo "== the README's demo calls"
tour "$auth_url" "$fhir_url"

echo "== the Postman collection (newman)"
newman=e2e/newman/node_modules/.bin/newman
if [[ -x $newman ]]; then
	"$newman" run deploy/postman/smartgate.postman_collection.json \
		-e deploy/postman/smartgate.postman_environment.json \
		--env-var "auth_url=$auth_url" --env-var "fhir_url=$fhir_url" \
		--reporters json --reporter-json-export "$work/newman.json" >"$work/newman.log" 2>&1
	# The counts and the first failures, from newman's JSON report; node
	# exits 1 when an assertion or request failed, or nothing ran.
	if report=$(node -e '
		const r = require(process.argv[1]).run, s = r.stats;
		const failed = s.assertions.failed + s.requests.failed;
		console.log(`${s.requests.total} requests, ${s.assertions.total} assertions, ${failed} failed`);
		for (const f of r.failures.slice(0, 10)) console.log(`  ${f.source.name}: ${f.error.test || ""} ${f.error.message}`);
		process.exit(failed > 0 || s.requests.total == 0 ? 1 : 0);
	' "$work/newman.json" 2>&1); then
		pass "newman: the Postman collection, $report"
	else
		fail "newman: the Postman collection" "$report" "$(tail -n 5 "$work/newman.log")"
	fi
elif [[ ${SMARTGATE_REQUIRE_NODE:-} == 1 ]]; then
	fail "newman" "$newman is missing (npm ci --prefix e2e/newman)"
else
	echo "SKIP  newman is not installed (npm ci --prefix e2e/newman)"
fi

echo "== state that must outlive the containers"
kids() { curl -s "$auth_url/jwks" | grep -o '"kid":"[^"]*"' | sort | tr '\n' ' '; }
kids_before=$(kids)
why="no kid in $auth_url/jwks"
check "the JWKS publishes a signing key" [ -n "$kids_before" ]
registered=$(curl -s -H 'Authorization: Bearer demo-initial-access-token' -H 'Content-Type: application/json' \
	-d '{"client_name":"compose-test","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"user/Patient.read"}' \
	"$auth_url/register")
client_id=$(sed -n 's/.*"client_id" *: *"\([^"]*\)".*/\1/p' <<<"$registered")
client_secret=$(sed -n 's/.*"client_secret" *: *"\([^"]*\)".*/\1/p' <<<"$registered")
why="POST /register: $registered"
check "a client registered (RFC 7591, the demo initial access token)" [ -n "$client_id" -a -n "$client_secret" ]
writer=$(token demo-system demo-system-secret 'system/*.read system/*.write')
created=$(curl -s -o /dev/null -D - -H "Authorization: Bearer $writer" -H 'Content-Type: application/fhir+json' \
	-d '{"resourceType":"Patient","name":[{"family":"Survives-Restart"}]}' "$fhir_url/Patient" |
	sed -n 's|^[Ll]ocation: .*/Patient/\([^/]*\)/.*|\1|p' | tr -d '\r')
why="POST Patient with the demo-system token did not answer a Location"
check "a Patient created" [ -n "$created" ]
reader=$(token "$tour_client_id" "$tour_client_secret")

echo "== down, then up again on the same volumes"
compose down
up
why="kids before: $kids_before; after: $(kids)"
check "the signing keys are kept (auth-data volume: key-encryption key; Redis: keys)" [ "$(kids)" == "$kids_before" ]
kept_client() { token "$client_id" "$client_secret" >/dev/null || { why=$(cat "$work/token.err"); return 1; }; }
check "the registered client is kept (Redis volume)" kept_client
kept_patient() { call 200 "$fhir_url/Patient/$created" "$writer" && has 'Survives-Restart' "$check_dir/body"; }
check "the created Patient is kept (PostgreSQL volume); a token from before still verifies" kept_patient
old_token() { call 200 "$fhir_url/Patient/4" "$reader"; }
check "a token issued before the restart is accepted" old_token
for s in auth-server fhir-server; do
	check "$s restarted without errors or warnings" quiet_logs "$s"
done

echo "compose-test: $passed passed, $failed failed, $((SECONDS - start)) s"
[[ $failed -eq 0 ]]
