# tour.sh: the README tour's calls, each checked (sourced after checks.sh).
# tour AUTH_URL FHIR_URL runs them against servers with the demo data.

# The CCRI guide's Patient Access demo client (config/clients.yaml).
tour_client_id=a24a4d9f-c264-4af7-a8e5-248c24a6b707
tour_client_secret=MMpAOGBljYcEzBfn7q9-xgJqBlmR0BSiEyCrCjNNOUpR78kZtzqgKKU_4FgGRFNWbtc6jPIErLwoYwRgnlvijA

tour() {
	local auth_url=$1 fhir_url=$2 token_json token
	token_json=$(printf 'user = "%s:%s"\n' "$tour_client_id" "$tour_client_secret" |
		curl -s -K - -d grant_type=client_credentials "$auth_url/token")
	if [[ $token_json == *'"token_type":"Bearer"'* && $token_json == *'"expires_in":5400'* ]]; then
		pass "token for the CCRI guide's Patient Access client (Bearer, expires_in 5400)"
	else
		fail "token for the CCRI guide's Patient Access client (Bearer, expires_in 5400)" "$token_json"
	fi
	token=$(AUTH_URL=$auth_url scripts/get-token.sh "$tour_client_id" "$tour_client_secret" 2>&1)
	why=$token
	check "scripts/get-token.sh prints the token" [ "${token//[^.]/}" == .. ]
	tour_token=$token

	check "GET Patient/4 with the token: 200, Patient 4" tour_patient4 "$fhir_url" "$token"
	check "GET Patient/4 with the token as XML (_format=xml over Accept JSON): 200, Patient 4 in FHIR XML" tour_patient4_xml "$fhir_url" "$token"
	check "GET Observation with the token: 403, OperationOutcome, insufficient_scope" tour_observations "$fhir_url" "$token"
	check "GET Patient/4 without a token: 401, WWW-Authenticate: Bearer" tour_notoken "$fhir_url"
	check "metadata: 200, oauth-uris extension points at $auth_url/token" tour_metadata "$fhir_url" "$auth_url"
	check "scripts/fhir.sh with the exported TOKEN: Patient 4" tour_fhir_sh "$fhir_url" "$token"
}

tour_patient4() { call 200 "$1/Patient/4" "$2" && has '"id":"4"' "$check_dir/body"; }
tour_patient4_xml() {
	call 200 "$1/Patient/4?_format=xml" "$2" && has '^content-type: application/fhir+xml' "$check_dir/headers" &&
		has '<Patient xmlns="http://hl7.org/fhir"><id value="4"/>' "$check_dir/body"
}
tour_observations() {
	call 403 "$1/Observation?patient=4" "$2" && has '"OperationOutcome"' "$check_dir/body" &&
		has 'error="insufficient_scope"' "$check_dir/headers"
}
tour_notoken() { call 401 "$1/Patient/4" && has '^www-authenticate: Bearer' "$check_dir/headers"; }
tour_metadata() {
	call 200 "$1/metadata" && has 'StructureDefinition/oauth-uris' "$check_dir/body" &&
		has "\"$2/token\"" "$check_dir/body"
}
# As the scripts' headers show it: export TOKEN, then scripts/fhir.sh.
tour_fhir_sh() {
	local out
	out=$(export TOKEN=$2 && FHIR_URL=$1 scripts/fhir.sh Patient/4 2>&1) || {
		why="scripts/fhir.sh Patient/4: $(head -c 300 <<<"$out")"
		return 1
	}
	why="scripts/fhir.sh Patient/4: no Patient 4 in $(head -c 300 <<<"$out")"
	[[ $out == *'"id"'*'"4"'* ]]
}
