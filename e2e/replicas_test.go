package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// replicaCall sends one FHIR request with a Bearer token to a replica's
// base URL (its own listener, the stack's /STU3 path).
func replicaCall(t *testing.T, p *harness.Process, method, path, tok, body string, header map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, p.URL+"/STU3"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/fhir+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	return res.StatusCode, res.Header, doc
}

// TestTwoFHIRServersOnOnePostgreSQL: two fhir-server processes on one
// PostgreSQL database behave as one server. A resource created through one
// is read, searched and versioned through the other at once; concurrent
// conditional updates (If-Match) through both give exactly one success and
// one 412; a revoked token is refused by both (each polls the feed); the
// audit trail of either holds what was done through the other.
func TestTwoFHIRServersOnOnePostgreSQL(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{FHIREnv: []string{
		"DATABASE_URL=" + harness.PostgresSchema(t, "replicas"), "FHIR_AUTH_REVOCATION_POLL=500ms",
	}})
	one, two := s.FHIR, harness.StartFHIRReplica(t, s)
	tok := clientToken(t, s, demoSystemID, demoSystemSecret)

	status, hdr, _ := replicaCall(t, one, "POST", "/Patient", tok,
		`{"resourceType":"Patient","name":[{"family":"Replicaberg"}]}`, nil)
	if status != http.StatusCreated {
		t.Fatalf("create through one: %d", status)
	}
	id := strings.Split(strings.TrimPrefix(hdr.Get("Location"), s.FHIRURL+"/Patient/"), "/")[0]
	if status, _, doc := replicaCall(t, two, "GET", "/Patient/"+id, tok, "", nil); status != 200 || doc["id"] != id {
		t.Fatalf("read through two: %d %v", status, doc)
	}
	if status, _, doc := replicaCall(t, two, "GET", "/Patient?family=Replicaberg", tok, "", nil); status != 200 || entries(doc) != 1 {
		t.Fatalf("search through two: %d, %d entries", status, entries(doc))
	}
	update := `{"resourceType":"Patient","id":"` + id + `","name":[{"family":"Replicaberg","given":["Two"]}]}`
	if status, hdr, _ := replicaCall(t, two, "PUT", "/Patient/"+id, tok, update, map[string]string{"If-Match": `W/"1"`}); status != 200 || hdr.Get("ETag") != `W/"2"` {
		t.Fatalf("update through two: %d ETag %q", status, hdr.Get("ETag"))
	}
	if status, _, doc := replicaCall(t, one, "GET", "/Patient/"+id+"/_history", tok, "", nil); status != 200 || entries(doc) != 2 {
		t.Fatalf("history through one: %d, %d entries", status, entries(doc))
	}
	if status, _, _ := replicaCall(t, one, "GET", "/Patient/"+id+"/_history/2", tok, "", nil); status != 200 {
		t.Fatalf("vread of version 2 through one: %d", status)
	}

	for round := 2; round < 7; round++ {
		match := map[string]string{"If-Match": `W/"` + strconv.Itoa(round) + `"`}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, p := range []*harness.Process{one, two} {
			wg.Go(func() { statuses[i], _, _ = replicaCall(t, p, "PUT", "/Patient/"+id, tok, update, match) })
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 412) && !(statuses[0] == 412 && statuses[1] == 200) {
			t.Fatalf("round %d: concurrent If-Match updates answered %v, want one 200 and one 412", round, statuses)
		}
	}

	deadline := time.Now().Add(15 * time.Second)
	for _, p := range []*harness.Process{one, two} {
		for {
			status, _, doc := replicaCall(t, p, "GET", "/AuditEvent?entity=Patient/"+id, tok, "", nil)
			if status == 200 && entries(doc) >= 7 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the audit trail of Patient/%s has %d events, want the create, 6 updates and more", p.URL, id, entries(doc))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	revokeAt(t, s, demoSystemID, demoSystemSecret, tok)
	deadline = time.Now().Add(5 * time.Second)
	for _, p := range []*harness.Process{one, two} {
		for {
			status, _, _ := replicaCall(t, p, "GET", "/Patient/"+id, tok, "", nil)
			if status == http.StatusUnauthorized {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still answers %d to a revoked token", p.URL, status)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// entries counts a Bundle's entries.
func entries(bundle map[string]any) int {
	list, _ := bundle["entry"].([]any)
	return len(list)
}
