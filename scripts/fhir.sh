#!/usr/bin/env bash
# fhir.sh PATH [CURL ARGS...]: call the FHIR API with the token in $TOKEN
# (none when unset) and print the answer, pretty when jq is installed:
#
#   export TOKEN=$(scripts/get-token.sh CLIENT_ID SECRET)
#   scripts/fhir.sh Patient/4
#   scripts/fhir.sh 'Observation?patient=4&_count=5'
#   scripts/fhir.sh Patient -X POST -H 'Content-Type: application/fhir+json' -d @patient.json
#
# FHIR_URL (default http://localhost:8080/STU3, as `make run`) is the base.
# The HTTP status and any WWW-Authenticate challenge go to stderr; the exit
# code is 1 when the status is not 2xx.
set -euo pipefail

if [[ $# -lt 1 ]]; then
	echo "usage: $0 PATH [CURL ARGS...]   (FHIR_URL=${FHIR_URL:-http://localhost:8080/STU3}, TOKEN=...)" >&2
	exit 2
fi
fhir_url=${FHIR_URL:-http://localhost:8080/STU3}
path=${1#/}
shift

body=$(mktemp)
headers=$(mktemp)
trap 'rm -f "$body" "$headers"' EXIT
auth=()
if [[ -n ${TOKEN:-} ]]; then
	# The token goes to curl on stdin, not on its command line.
	auth=(-K -)
fi
status=$(printf 'header = "Authorization: Bearer %s"\n' "${TOKEN:-}" |
	curl -sS "${auth[@]}" -o "$body" -D "$headers" -w '%{http_code}' \
		-H 'Accept: application/fhir+json' "$@" "$fhir_url/$path")

echo "HTTP $status" >&2
grep -i '^www-authenticate:' "$headers" >&2 || true
if command -v jq >/dev/null && [[ -s $body ]]; then
	jq . "$body" 2>/dev/null || cat "$body"
else
	cat "$body"
	echo
fi
[[ $status == 2* ]]
