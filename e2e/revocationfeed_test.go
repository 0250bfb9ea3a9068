package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// fhirAnswer is a FHIR response with the headers a test looks at.
type fhirAnswer struct {
	status     int
	retryAfter string
	body       string
}

func fhirCall(t *testing.T, s *harness.Stack, path, tok string) fhirAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.FHIRURL+path, nil)
	req.Header.Set("Accept", "application/fhir+json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return fhirAnswer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), body: string(body)}
}

func revokeAt(t *testing.T, s *harness.Stack, id, secret, tok string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", res.Status)
	}
}

func readyz(t *testing.T, s *harness.Stack) (int, string) {
	t.Helper()
	res, err := http.Get(s.FHIR.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// With the auth server gone, the FHIR server cannot learn of revocations:
// once its last good poll is older than FHIR_AUTH_REVOCATION_MAX_STALENESS,
// every token-bearing request is answered 503 with Retry-After (fail
// closed), with one log line; /readyz stays 200 so a balancer keeps the
// replica; requests without a token keep their 401 and metadata its 200.
// When the auth server is back, requests succeed again.
func TestStaleRevocationFeedFailsClosed(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{FHIREnv: []string{
		"FHIR_AUTH_REVOCATION_POLL=500ms", "FHIR_AUTH_REVOCATION_MAX_STALENESS=2s",
	}})
	tok := clientToken(t, s, patientAccessID, patientAccessSecret)
	if a := fhirCall(t, s, "/Patient/4", tok); a.status != 200 {
		t.Fatalf("before: %d %s", a.status, a.body)
	}

	stoppedAt := time.Now()
	s.Auth.Stop()
	var refused fhirAnswer
	eventually(t, 10*time.Second, "token-bearing requests are refused 503", func() bool {
		refused = fhirCall(t, s, "/Patient/4", tok)
		return refused.status == http.StatusServiceUnavailable
	})
	// The last good poll may precede the stop by up to one interval.
	if took := time.Since(stoppedAt); took < 1400*time.Millisecond {
		t.Errorf("refused %s after the auth server stopped, well before the 2s allowed staleness", took)
	}
	if refused.retryAfter == "" || !strings.Contains(refused.body, `"OperationOutcome"`) {
		t.Errorf("503 without Retry-After or OperationOutcome: %q %s", refused.retryAfter, refused.body)
	}
	if a := fhirCall(t, s, "/Patient/4", ""); a.status != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", a.status)
	}
	if a := fhirCall(t, s, "/metadata", ""); a.status != http.StatusOK {
		t.Errorf("metadata: %d, want 200", a.status)
	}
	if status, body := readyz(t, s); status != http.StatusOK || !strings.Contains(body, `"revocation_feed":"stale"`) {
		t.Errorf("readyz while stale: %d %s, want 200 naming the feed stale", status, body)
	}
	fhirCall(t, s, "/Patient/4", tok)
	if n := strings.Count(s.FHIR.Log(), "revocation feed stale"); n != 1 {
		t.Errorf("%d log lines for the stale feed, want 1 (per change, not per request)", n)
	}

	s.Auth.Restart(t)
	eventually(t, 10*time.Second, "requests succeed again", func() bool {
		return fhirCall(t, s, "/Patient/4", tok).status == http.StatusOK
	})
	if !strings.Contains(s.FHIR.Log(), "revocation feed current") {
		t.Errorf("no log line for the feed's recovery")
	}
}

// Revocations keep being enforced once the FHIR server follows the feed
// from its cursor, also when the auth server compacts a client's jtis
// into its revoked_clients entry; a token the client gets after that is
// good.
func TestRevocationsFollowedIncrementally(t *testing.T) {
	const poll = 300 * time.Millisecond
	s := harness.StartStack(t, harness.StackOptions{
		AuthEnv: []string{"AUTH_REVOCATION_COMPACT_AFTER=3"},
		FHIREnv: []string{"FHIR_AUTH_REVOCATION_POLL=" + poll.String()},
	})
	var toks []string
	for range 5 {
		tok := clientToken(t, s, patientAccessID, patientAccessSecret)
		if a := fhirCall(t, s, "/Patient/4", tok); a.status != 200 {
			t.Fatalf("before: %d %s", a.status, a.body)
		}
		toks = append(toks, tok)
	}
	bystander := clientToken(t, s, demoSystemID, demoSystemSecret)
	time.Sleep(3 * poll) // polls from the cursor since
	for _, tok := range toks {
		revokeAt(t, s, patientAccessID, patientAccessSecret, tok)
		eventually(t, 5*time.Second, "revoked token refused", func() bool {
			return fhirCall(t, s, "/Patient/4", tok).status == http.StatusUnauthorized
		})
	}
	time.Sleep(3 * poll)
	for i, tok := range toks {
		if a := fhirCall(t, s, "/Patient/4", tok); a.status != http.StatusUnauthorized {
			t.Errorf("revoked token %d after the compaction: %d, want 401", i, a.status)
		}
	}
	if a := fhirCall(t, s, "/Patient/4", bystander); a.status != 200 {
		t.Errorf("another client's token: %d %s", a.status, a.body)
	}

	// The feed now holds the client's cutoff; a token after it is good.
	status, feed := call(t, "GET", s.Issuer+"/revocations", nil, map[string]string{"Authorization": basicAuth(demoSystemID, demoSystemSecret)})
	if status != 200 {
		t.Fatalf("feed: %d %v", status, feed)
	}
	raw, _ := json.Marshal(feed["revoked_clients"])
	var cutoffs []struct {
		ClientID string `json:"client_id"`
		Before   int64  `json:"before"`
	}
	if err := json.Unmarshal(raw, &cutoffs); err != nil || len(cutoffs) != 1 || cutoffs[0].ClientID != patientAccessID {
		t.Fatalf("revoked_clients %s, want the client's entry", raw)
	}
	time.Sleep(time.Until(time.Unix(cutoffs[0].Before+1, 0)))
	fresh := clientToken(t, s, patientAccessID, patientAccessSecret)
	time.Sleep(3 * poll)
	if a := fhirCall(t, s, "/Patient/4", fresh); a.status != 200 {
		t.Errorf("a token issued after the cutoff: %d %s", a.status, a.body)
	}
}

func basicAuth(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return req.Header.Get("Authorization")
}
