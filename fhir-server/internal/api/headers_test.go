package api_test

import (
	"testing"
)

// Responses that carry resources (and errors, which may name them) are
// never stored by a cache; the CapabilityStatement may be. Every response
// says nosniff.
func TestCachingAndSniffingHeaders(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := patient("9000000017", "Cache")
		p["id"] = "cache"
		bin := []byte("<html><script>alert(1)</script></html>")
		steps := []struct {
			name         string
			method, path string
			body         any
			headers      []string
			status       int
			cacheable    bool
		}{
			{"update-as-create", "PUT", "Patient/cache", p, nil, 201, false},
			{"create", "POST", "Patient", patient("9000000025", "Cache"), nil, 201, false},
			{"read", "GET", "Patient/cache", nil, nil, 200, false},
			{"head", "HEAD", "Patient/cache", nil, nil, 200, false},
			{"vread", "GET", "Patient/cache/_history/1", nil, nil, 200, false},
			{"history", "GET", "Patient/cache/_history", nil, nil, 200, false},
			{"search", "GET", "Patient?family=Cache", nil, nil, 200, false},
			{"batch", "POST", "", map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
				map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/cache"}}}}, nil, 200, false},
			{"raw Binary create", "PUT", "Binary/page", bin, []string{"Content-Type: text/html"}, 201, false},
			{"raw Binary read", "GET", "Binary/page", nil, []string{"Accept: text/html"}, 200, false},
			{"not found", "GET", "Patient/absent", nil, nil, 404, false},
			{"bad body", "POST", "Patient", "{", nil, 400, false},
			{"unknown type", "GET", "Spaceship/1", nil, nil, 404, false},
			{"metadata", "GET", "metadata", nil, nil, 200, true},
			{"metadata refused", "DELETE", "metadata", nil, nil, 405, false},
			{"healthz", "GET", "/healthz", nil, nil, 200, true},
			{"readyz", "GET", "/readyz", nil, nil, 200, true},
			{"outside the base", "GET", "/elsewhere", nil, nil, 404, false},
		}
		for _, s := range steps {
			r := e.do(s.method, s.path, s.body, s.headers...)
			if r.status != s.status {
				t.Fatalf("%s: status %d, want %d: %s", s.name, r.status, s.status, r.body)
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q", s.name, got)
			}
			cc, pragma := r.header.Get("Cache-Control"), r.header.Get("Pragma")
			if s.cacheable {
				if cc == "no-store" {
					t.Errorf("%s: Cache-Control %q on a cacheable answer", s.name, cc)
				}
				continue
			}
			if cc != "no-store" || pragma != "no-cache" {
				t.Errorf("%s: Cache-Control %q, Pragma %q; want no-store, no-cache", s.name, cc, pragma)
			}
		}
	})
}
