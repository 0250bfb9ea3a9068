package security_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/security"
)

func TestCapabilitySecurity(t *testing.T) {
	sec, err := security.Capability("http://auth.test", []string{"token", "introspect", "revoke", "manage=http://portal.test/apps"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := capability.Build(capability.Options{BaseURL: base, Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	var cs struct {
		Rest []struct {
			Security struct {
				CORS    bool `json:"cors"`
				Service []struct {
					Coding []struct{ System, Code string } `json:"coding"`
				} `json:"service"`
				Extension []struct {
					URL       string `json:"url"`
					Extension []struct {
						URL      string `json:"url"`
						ValueURI string `json:"valueUri"`
					} `json:"extension"`
				} `json:"extension"`
			} `json:"security"`
		} `json:"rest"`
	}
	if err := json.Unmarshal(body, &cs); err != nil {
		t.Fatal(err)
	}
	s := cs.Rest[0].Security
	if !s.CORS || s.Service[0].Coding[0].System != security.ServiceSystem || s.Service[0].Coding[0].Code != "SMART-on-FHIR" {
		t.Fatalf("security %+v", s)
	}
	got := map[string]string{}
	for _, e := range s.Extension[0].Extension {
		got[e.URL] = e.ValueURI
	}
	want := map[string]string{"token": "http://auth.test/token", "introspect": "http://auth.test/introspect", "revoke": "http://auth.test/revoke", "manage": "http://portal.test/apps"}
	if len(got) != len(want) {
		t.Fatalf("oauth-uris %v, want %v (authorize and register are not advertised until implemented)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := security.Capability("http://auth.test", []string{"tokn"}); err == nil {
		t.Error("an unknown endpoint name must be refused")
	}
}

func TestSmartConfigurationRelay(t *testing.T) {
	var down atomic.Bool
	var hits atomic.Int64
	issuerDoc := `{"issuer":"http://auth.test","token_endpoint":"http://auth.test/token"}`
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if down.Load() {
			http.Error(w, "down", 503)
			return
		}
		_, _ = w.Write([]byte(issuerDoc))
	}))
	defer auth.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	get := func(h http.Handler) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", base+"/.well-known/smart-configuration", nil))
		if w.Code == 503 && w.Header().Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After: %s", w.Body)
		}
		return w.Code, w.Body.String()
	}

	down.Store(true)
	h, _ := security.NewSmartConfiguration(security.SmartConfigurationOptions{URL: auth.URL, Issuer: "http://auth.test", Now: clock})
	if code, body := get(h); code != 503 || !strings.Contains(body, "OperationOutcome") {
		t.Fatalf("never fetched: %d %s", code, body)
	}
	down.Store(false)
	if code, body := get(h); code != 200 || body != issuerDoc {
		t.Fatalf("relayed: %d %s", code, body)
	}
	before := hits.Load()
	get(h)
	if hits.Load() != before {
		t.Error("not cached")
	}
	down.Store(true)
	now = now.Add(10 * time.Minute)
	if code, body := get(h); code != 200 || body != issuerDoc {
		t.Fatalf("stale copy while the auth server is down: %d %s", code, body)
	}

	other, _ := security.NewSmartConfiguration(security.SmartConfigurationOptions{URL: auth.URL, Issuer: "http://other.test"})
	down.Store(false)
	if code, _ := get(other); code != 503 {
		t.Fatalf("a document of another issuer must not be relayed: %d", code)
	}
}

type health struct {
	loaded bool
	err    error
	stale  bool // the feed's Current is false
}

func (h health) Healthy() (bool, error) { return h.loaded, h.err }
func (h health) Current() bool          { return h.loaded && !h.stale }

func TestReadiness(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok","store":"ok"}`))
	})
	tests := []struct {
		name       string
		keys, feed health
		want       int
		contains   []string
	}{
		{"all ok", health{true, nil, false}, health{true, nil, false}, 200, []string{`"keys":"ok"`, `"revocation_feed":"ok"`, `"status":"ok"`}},
		{"feed polls failing: lagging, still ready", health{true, nil, false}, health{true, errors.New("x"), false}, 200, []string{`"revocation_feed":"lagging"`, `"status":"degraded"`}},
		// Token-bearing requests get 503, yet the replica stays in the
		// balancer: every replica is stale at once.
		{"feed down: stale, still ready", health{true, nil, false}, health{true, errors.New("x"), true}, 200, []string{`"revocation_feed":"stale"`, `"status":"degraded"`}},
		{"feed never polled: not ready", health{true, nil, false}, health{false, errors.New("x"), false}, 503, []string{`"revocation_feed":"unavailable"`, `"status":"unavailable"`}},
		{"JWKS refresh failing: stale keys", health{true, errors.New("x"), false}, health{true, nil, false}, 200, []string{`"keys":"stale"`}},
		{"no keys ever: not ready", health{false, errors.New("x"), false}, health{true, nil, false}, 503, []string{`"keys":"unavailable"`, `"status":"unavailable"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := security.Readiness(api, map[string]security.Check{"keys": security.KeysCheck(tt.keys), "revocation_feed": security.FeedCheck(tt.feed)})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if w.Code == 503 && w.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			for _, c := range tt.contains {
				if !strings.Contains(w.Body.String(), c) {
					t.Errorf("no %s in %s", c, w.Body)
				}
			}
		})
	}
}
