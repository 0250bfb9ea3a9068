package security_test

import "testing"

// The security layer's own answers (401 before the API, 403 from the
// Guard) are never cached and say nosniff, like the API's.
func TestRefusalsAreNotCached(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, c := range []struct {
		name, tok string
		status    int
	}{
		{"no token", "", 401},
		{"forged token", "not-a-jwt", 401},
		{"scope refused", e.token("patient/Observation.read", "1"), 403},
		{"allowed", e.token("patient/Observation.read", "1"), 200},
	} {
		path := "/Patient/1"
		if c.status == 200 {
			path = "/Observation/lab1"
		}
		r := e.do("GET", path, c.tok, "")
		if r.status != c.status {
			t.Fatalf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", c.name, r.header)
		}
	}
}
