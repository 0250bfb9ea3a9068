package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
)

const (
	audience   = "https://fhir.example.test/STU3"
	appID      = "demo-smart-app"
	appRedir   = "http://127.0.0.1:9999/callback"
	otherApp   = "other-public-app"
	otherRedir = "https://other.example.com/cb"
	confApp    = "confidential-app"
	confSecret = "confidential-app-secret"
	confRedir  = "https://app.example.com/cb"
	verifier   = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-0123456789"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

func configDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "config")
}

type testServer struct {
	*httptest.Server
	App *app.App
}

// start runs the real auth-server handler (demo clients and users) on a
// loopback listener whose URL is the issuer, plus two more clients.
func start(t *testing.T, tweak func(*config.Config)) *testServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Demo = true
	cfg.ClientsFile = filepath.Join(configDir(), "clients.yaml")
	cfg.Issuer = "http://" + srv.Listener.Addr().String()
	cfg.FHIRBaseURL = audience
	if tweak != nil {
		tweak(&cfg)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.Handler
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	ctx := context.Background()
	for _, c := range []struct {
		client *store.Client
		secret string
	}{
		{&store.Client{ID: otherApp, Name: "Other app", GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none",
			RedirectURIs: []string{otherRedir}, Scopes: []string{"launch/patient", "openid", "fhirUser", "offline_access", "patient/*.read"}}, ""},
		{&store.Client{ID: confApp, Name: "Confidential app", GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "client_secret_basic",
			RedirectURIs: []string{confRedir, "https://app.example.com:8443/cb"}, Scopes: []string{"launch/patient", "openid", "fhirUser", "offline_access", "patient/*.read"}}, confSecret},
	} {
		if err := a.Clients.Upsert(ctx, c.client, c.secret); err != nil {
			t.Fatal(err)
		}
	}
	return &testServer{Server: srv, App: a}
}

// browser is a cookie-keeping client that does not follow redirects, as
// a test needs to see each step.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (s *testServer) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs(path), nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.base + path
}

var (
	csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	txRe   = regexp.MustCompile(`name="tx" value="([^"]+)"`)
)

func field(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, body)
	}
	return m[1]
}

// authParams are a valid authorization request for the demo app.
func authParams(state string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {appID}, "redirect_uri": {appRedir},
		"scope": {"launch/patient openid fhirUser profile offline_access patient/*.read"},
		"state": {state}, "aud": {audience}, "nonce": {"n-0S6_WzA2Mj"},
		"code_challenge": {oauth.S256Challenge(verifier)}, "code_challenge_method": {"S256"},
	}
}

// login signs in on the page the browser is at (body holds the form).
func (b *browser) login(body, user, password string) page {
	b.t.Helper()
	return b.post("/login", url.Values{"csrf_token": {field(b.t, csrfRe, body)}, "username": {user}, "password": {password}})
}

// authorize runs the whole browser side for a patient user and returns
// the code from the redirect back to the app.
func (b *browser) authorize(p url.Values, user, password string) (code string, back *url.URL) {
	b.t.Helper()
	r := b.get("/authorize?" + p.Encode())
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("authorize: %d %s", r.Status, r.Body)
	}
	r = b.get(r.Location)
	if strings.Contains(r.Body, `name="password"`) {
		r = b.login(r.Body, user, password)
		if r.Status != http.StatusSeeOther {
			b.t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		r = b.get(r.Location)
	}
	if r.Status == http.StatusOK && strings.Contains(r.Body, "/authorize/consent") {
		form := url.Values{"csrf_token": {field(b.t, csrfRe, r.Body)}, "tx": {field(b.t, txRe, r.Body)}, "decision": {"approve"}, "scope": strings.Fields(p.Get("scope"))}
		r = b.post("/authorize/consent", form)
	}
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("expected the redirect back to the app, got %d %s", r.Status, r.Body)
	}
	back, err := url.Parse(r.Location)
	if err != nil {
		b.t.Fatal(err)
	}
	return back.Query().Get("code"), back
}

// tokenCall posts to /token (with Basic auth when secret is set).
func (s *testServer) tokenCall(t *testing.T, form url.Values, clientID, secret string) (int, map[string]any) {
	t.Helper()
	return s.clientCall(t, "/token", form, clientID, secret)
}

// clientCall posts form to path as a client: Basic auth when secret is
// set, else naming clientID (when set) as a public client does.
func (s *testServer) clientCall(t *testing.T, path string, form url.Values, clientID, secret string) (int, map[string]any) {
	t.Helper()
	if secret == "" && clientID != "" {
		form.Set("client_id", clientID)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(clientID, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func (s *testServer) exchange(t *testing.T, code, clientID, secret, redirect, ver string) (int, map[string]any) {
	t.Helper()
	return s.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {ver}}, clientID, secret)
}

func (s *testServer) refresh(t *testing.T, rt, clientID, secret, scope string) (int, map[string]any) {
	t.Helper()
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return s.tokenCall(t, f, clientID, secret)
}

// active introspects a token as demo-system.
func (s *testServer) active(t *testing.T, tok string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-system", "demo-system-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Active bool `json:"active"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return body.Active
}

func claims(t *testing.T, tok any) map[string]any {
	t.Helper()
	s, _ := tok.(string)
	parsed, err := jwt.ParseInsecure([]byte(s))
	if err != nil {
		t.Fatalf("not a JWT: %v", err)
	}
	m, err := parsed.AsMap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantCode {
		t.Fatalf("got %d %v, want %d %s", status, body, wantStatus, wantCode)
	}
}
