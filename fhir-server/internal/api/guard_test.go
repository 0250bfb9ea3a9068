package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/pkg/token"
)

// testGuard stands in for the security layer: no Authorization is 401;
// "Bearer admin" is unrestricted; "Bearer patient-X" confines to X's
// compartment; "Bearer readonly" refuses writes with 403.
type testGuard struct {
	mu   sync.Mutex
	seen []access.Access
}

// Authenticate passes the token on as the claims' subject; Authorize
// decides by it.
func (g *testGuard) Authenticate(_ context.Context, r *http.Request) (*token.Claims, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, nil
	}
	return &token.Claims{Subject: tok}, nil
}

func (g *testGuard) Authorize(_ context.Context, c *token.Claims, a access.Access) (access.Grant, error) {
	g.mu.Lock()
	g.seen = append(g.seen, a)
	g.mu.Unlock()
	switch {
	case c == nil:
		return access.Grant{}, fhirerr.Errorf(401, "login", "no token").WithHeader("WWW-Authenticate", `Bearer realm="fhir"`)
	case c.Subject == "admin":
		return access.Grant{}, nil
	case c.Subject == "readonly":
		switch a.Interaction {
		case route.Create, route.Update, route.Delete:
			return access.Grant{}, fhirerr.Errorf(403, "forbidden", "read only").WithHeader("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		}
		return access.Grant{}, nil
	case strings.HasPrefix(c.Subject, "patient-"):
		return access.Grant{Compartment: &search.Compartment{Type: "Patient", ID: strings.TrimPrefix(c.Subject, "patient-")}}, nil
	}
	return access.Grant{}, fhirerr.Errorf(401, "login", "bad token")
}

func (g *testGuard) calls() []access.Access {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]access.Access(nil), g.seen...)
}

func TestGuardedRoutes(t *testing.T) {
	g := &testGuard{}
	eachWith(t, func(o *api.Options) { o.Guard = g }, func(t *testing.T, e *env) {
		admin := "Authorization: Bearer admin"
		before := len(g.calls())
		if r := e.do("GET", "metadata", nil); r.status != 200 {
			t.Errorf("metadata needs no token: %d", r.status)
		}
		for _, p := range []string{"/healthz", "/readyz"} {
			if r := e.do("GET", p, nil); r.status != 200 {
				t.Errorf("%s: %d", p, r.status)
			}
		}
		e.do("GET", "Spaceship/1", nil).outcome(t, 404)
		if n := len(g.calls()) - before; n != 0 {
			t.Errorf("guard asked %d times for open routes and unknown types", n)
		}

		r := e.do("GET", "Patient/1", nil)
		r.outcome(t, 401)
		if r.header.Get("WWW-Authenticate") != `Bearer realm="fhir"` {
			t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
		e.do("POST", "Patient", patient("9000000208", "NoToken")).outcome(t, 401)
		e.do("POST", "", map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{}}, "Authorization: Bearer nonsense")

		p := patient("9000000208", "Kept")
		p["id"] = "keep"
		e.must(201, "PUT", "Patient/keep", p, admin)
		e.do("DELETE", "Patient/keep", nil, "Authorization: Bearer readonly").outcome(t, 403)
		e.must(200, "GET", "Patient/keep", nil, admin)

		last := g.calls()[len(g.calls())-1]
		if last.Interaction != route.Read || last.Type != "Patient" || last.ID != "keep" {
			t.Errorf("last access %+v", last)
		}
		e.must(200, "GET", "Observation?code=1", nil, admin)
		last = g.calls()[len(g.calls())-1]
		if last.Interaction != route.Search || last.Query == nil || len(last.Query.Clauses) != 1 {
			t.Errorf("search access %+v", last)
		}
	})
}

func TestGuardCompartment(t *testing.T) {
	g := &testGuard{}
	eachWith(t, func(o *api.Options) { o.Guard = g }, func(t *testing.T, e *env) {
		admin := "Authorization: Bearer admin"
		for _, id := range []string{"A", "B"} {
			p := patient("90000002"+id, "Comp"+id)
			p["id"] = id
			e.must(201, "PUT", "Patient/"+id, p, admin)
			o := observation("Patient/"+id, "27113001", 70)
			o["id"] = "obs-" + id
			e.must(201, "PUT", "Observation/obs-"+id, o, admin)
		}
		org := map[string]any{"resourceType": "Organization", "id": "org", "name": "GP"}
		e.must(201, "PUT", "Organization/org", org, admin)
		asA := "Authorization: Bearer patient-A"

		e.must(200, "GET", "Patient/A", nil, asA)
		e.must(200, "GET", "Observation/obs-A", nil, asA)
		e.must(200, "GET", "Organization/org", nil, asA)
		for _, path := range []string{"Patient/B", "Observation/obs-B", "Observation/obs-B/_history/1", "Observation/obs-B/_history", "Patient/B/_history/1"} {
			e.do("GET", path, nil, asA).outcome(t, 404)
		}
		if got := ids(entries(e.must(200, "GET", "Observation", nil, asA), "match")); len(got) != 1 || got[0] != "Observation/obs-A" {
			t.Errorf("search sees %v", got)
		}
		if got := ids(entries(e.must(200, "GET", "Observation?patient=B", nil, asA), "match")); len(got) != 0 {
			t.Errorf("search for B's data sees %v", got)
		}
		inc := e.must(200, "GET", "Observation?_include=Observation:subject", nil, asA)
		for _, id := range ids(entries(inc, "")) {
			if strings.HasSuffix(id, "B") {
				t.Errorf("_include leaks %s", id)
			}
		}
		rev := e.must(200, "GET", "Patient?_revinclude=Observation:subject", nil, asA)
		for _, id := range ids(entries(rev, "")) {
			if strings.HasSuffix(id, "B") {
				t.Errorf("_revinclude leaks %s", id)
			}
		}

		// Writes must stay inside.
		e.must(201, "POST", "Observation", observation("Patient/A", "50373000", 1), asA)
		e.do("POST", "Observation", observation("Patient/B", "50373000", 2), asA).outcome(t, 403)
		moved := observation("Patient/B", "27113001", 70)
		moved["id"] = "obs-A"
		e.do("PUT", "Observation/obs-A", moved, asA).outcome(t, 403)
		hijack := observation("Patient/A", "27113001", 70)
		hijack["id"] = "obs-B"
		e.do("PUT", "Observation/obs-B", hijack, asA).outcome(t, 404) // as if absent: B's ids are not revealed
		e.do("DELETE", "Observation/obs-B", nil, asA).outcome(t, 404)
		if n := e.total("Observation", "patient=B", admin); n != 1 {
			t.Errorf("B has %d observations, want 1", n)
		}
		if got := e.must(200, "GET", "Observation/obs-A", nil, admin); got["subject"].(map[string]any)["reference"] != "Patient/A" {
			t.Errorf("obs-A moved: %v", got["subject"])
		}

		// Deleted, the patient's own record answers 404 like any record
		// outside (the fast path for one's own Patient must not differ).
		e.must(201, "PUT", "Patient/C", func() map[string]any { p := patient("9000000299", "CompC"); p["id"] = "C"; return p }(), admin)
		e.must(200, "GET", "Patient/C", nil, "Authorization: Bearer patient-C")
		if r := e.do("DELETE", "Patient/C", nil, admin); r.status != 204 {
			t.Fatalf("delete Patient/C: %d", r.status)
		}
		e.do("GET", "Patient/C", nil, "Authorization: Bearer patient-C").outcome(t, 404)

		// Batch and transaction entries are each confined.
		batch := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/A"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/B"}},
		}}
		out := e.must(200, "POST", "", batch, asA)
		var statuses []string
		for _, x := range out["entry"].([]any) {
			statuses = append(statuses, x.(map[string]any)["response"].(map[string]any)["status"].(string)[:3])
		}
		if strings.Join(statuses, ",") != "200,404" {
			t.Errorf("batch statuses %v", statuses)
		}
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"resource": observation("Patient/A", "1", 1), "request": map[string]any{"method": "POST", "url": "Observation"}},
			map[string]any{"resource": observation("Patient/B", "1", 1), "request": map[string]any{"method": "POST", "url": "Observation"}},
		}}
		e.do("POST", "", tx, asA).outcome(t, 403)
		if n := e.total("Observation", "code=1", admin); n != 0 {
			t.Errorf("refused transaction wrote %d observations", n)
		}
		var entryAccesses int
		for _, a := range g.calls() {
			if a.Entry {
				entryAccesses++
			}
		}
		if entryAccesses < 4 {
			t.Errorf("guard asked for %d entries, want every entry", entryAccesses)
		}
	})
}
