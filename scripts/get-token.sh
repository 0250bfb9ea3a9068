#!/usr/bin/env bash
# get-token.sh CLIENT_ID SECRET [SCOPE]: get a client-credentials access
# token from the auth-server, as the CCRI guide does (POST /token with the
# client id and secret in a Basic Authorization header), and print it alone
# on stdout. Export it, so scripts/fhir.sh (another process) sees it:
#
#   export TOKEN=$(scripts/get-token.sh a24a4d9f-c264-4af7-a8e5-248c24a6b707 MMpAOG...)
#   scripts/fhir.sh Patient/4
#
# AUTH_URL (default http://localhost:8081, as `make run`) is the issuer.
# On a refusal the server's error JSON goes to stderr and the exit code is 1.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
	echo "usage: $0 CLIENT_ID SECRET [SCOPE]   (AUTH_URL=${AUTH_URL:-http://localhost:8081})" >&2
	exit 2
fi
auth_url=${AUTH_URL:-http://localhost:8081}
args=(--data-urlencode grant_type=client_credentials)
if [[ $# -eq 3 ]]; then
	args+=(--data-urlencode "scope=$3")
fi

body=$(mktemp)
trap 'rm -f "$body"' EXIT
# The credentials go to curl on stdin (-K -), not on its command line, where
# other users of the machine could read them.
status=$(printf 'user = "%s:%s"\n' "$1" "$2" | curl -sS -K - -o "$body" -w '%{http_code}' \
	-H 'Accept: application/json' "${args[@]}" "$auth_url/token")
if [[ $status != 200 ]]; then
	echo "POST $auth_url/token: HTTP $status" >&2
	cat "$body" >&2
	echo >&2
	exit 1
fi
token=$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' "$body")
if [[ -z $token ]]; then
	echo "POST $auth_url/token: no access_token in the answer" >&2
	exit 1
fi
printf '%s\n' "$token"
