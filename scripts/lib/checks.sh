# checks.sh: PASS/FAIL reporting for the demo scripts (sourced).
# Set check_dir to a scratch directory first; $passed and $failed count.
passed=0
failed=0
why=

pass() { echo "PASS  $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL  $1"
	shift
	for line in "$@"; do echo "        $line"; done
	failed=$((failed + 1))
}

# check NAME COMMAND...: PASS when COMMAND succeeds, FAIL with $why if not.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# call WANT_STATUS URL [TOKEN]: GET a FHIR URL and check the status; the
# body is left in $check_dir/body, the headers in $check_dir/headers.
call() {
	local auth=() got
	[[ -n ${3:-} ]] && auth=(-H "Authorization: Bearer $3")
	got=$(curl -s -o "$check_dir/body" -D "$check_dir/headers" -w '%{http_code}' \
		-H 'Accept: application/fhir+json' "${auth[@]}" "$2")
	why="GET $2: HTTP $got, want $1; body: $(head -c 300 "$check_dir/body")"
	[[ $got == "$1" ]]
}

# has PATTERN FILE: grep, with a reason in $why when it is missing.
has() {
	grep -qi -- "$1" "$2" && return 0
	why="no \"$1\" in the $(basename "$2"): $(head -c 300 "$2")"
	return 1
}

# wait_ready NAME URL [SECONDS]: PASS once URL answers 200.
wait_ready() {
	local tries=$((${3:-60} * 10))
	for _ in $(seq 1 "$tries"); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' "$2") == 200 ]]; then
			pass "$1 ready ($2 answers 200)"
			return 0
		fi
		sleep 0.1
	done
	fail "$1 ready" "$2 did not answer 200 within ${3:-60} s"
	return 1
}
