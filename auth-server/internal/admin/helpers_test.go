package admin_test

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
	"time"

	"github.com/gin-gonic/gin"
	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/oauth"
)

const (
	audience = "https://fhir.example.test/STU3"
	appID    = "demo-smart-app"
	appRedir = "http://127.0.0.1:9999/callback"
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-0123456789"
	adminPW  = "demo-admin-password"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

type testServer struct {
	*httptest.Server
	App *app.App
}

// backends are the stores every console test runs on: the embedded store,
// and Redis (own key prefix) when REDIS_URL is set.
func backends(t *testing.T, run func(t *testing.T, s *testServer)) {
	t.Run("embedded", func(t *testing.T) { run(t, start(t, nil)) })
	t.Run("redis", func(t *testing.T) {
		u := os.Getenv("REDIS_URL")
		if u == "" {
			if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
				t.Fatal("REDIS_URL unset but SMARTGATE_REQUIRE_BACKENDS=1")
			}
			t.Skip("REDIS_URL not set")
		}
		prefix := "smartgate-admin-test:" + time.Now().Format("150405.000000000") + ":"
		t.Cleanup(func() { dropPrefix(t, u, prefix) })
		run(t, start(t, func(c *config.Config) { c.RedisURL, c.RedisKeyPrefix = u, prefix }))
	})
}

func dropPrefix(t *testing.T, redisURL, prefix string) {
	opts, err := goredis.ParseURL(redisURL)
	if err != nil {
		t.Error(err)
		return
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// start runs the real auth-server (demo clients and users) with a small
// FHIR endpoint as the patient directory.
func start(t *testing.T, tweak func(*config.Config)) *testServer {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	cfgDir := filepath.Join(filepath.Dir(file), "..", "..", "..", "config")
	srv := httptest.NewUnstartedServer(nil)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Demo = true
	cfg.ClientsFile = filepath.Join(cfgDir, "clients.yaml")
	cfg.UsersFile = filepath.Join(cfgDir, "users.yaml")
	cfg.Issuer = "http://" + srv.Listener.Addr().String()
	cfg.FHIRBaseURL = audience
	cfg.FHIRInternalURL = fhirDirectory(t)
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
	return &testServer{Server: srv, App: a}
}

// directoryPatients are the patients of fhirDirectory, by id.
var directoryPatients = map[string]string{"4": "Smith", "5": "Doe"}

// auditRequests are the AuditEvent searches fhirDirectory received.
type auditRequest struct {
	Query         url.Values
	Authorization string
}

var auditRequests = make(chan auditRequest, 16)

// fhirDirectory is a small FHIR endpoint holding directoryPatients and
// one AuditEvent (whose Bundle links a next page).
func fhirDirectory(t *testing.T) string {
	patient := func(id string) map[string]any {
		return map[string]any{"resourceType": "Patient", "id": id, "name": []any{map[string]any{"family": directoryPatients[id], "given": []string{"Pat"}}}}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		if r.URL.Path == "/STU3/AuditEvent" {
			select {
			case auditRequests <- auditRequest{Query: r.URL.Query(), Authorization: r.Header.Get("Authorization")}:
			default:
			}
			_, _ = io.WriteString(w, `{"resourceType":"Bundle","type":"searchset",
				"link":[{"relation":"next","url":"https://elsewhere.example/STU3/AuditEvent?_count=20&_page=2"}],
				"entry":[{"resource":{"resourceType":"AuditEvent","id":"ae-1","recorded":"2026-01-02T03:04:05.000Z","outcome":"0",
				"subtype":[{"code":"read"}],"agent":[{"altId":"demo-smart-app","requestor":false,"network":{"address":"192.0.2.7"}},
				{"reference":{"reference":"Patient/4"},"requestor":true}],"entity":[{"reference":{"reference":"Patient/4"}}]}}]}`)
			return
		}
		if id, ok := strings.CutPrefix(r.URL.Path, "/STU3/Patient/"); ok {
			if _, known := directoryPatients[id]; !known {
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"resourceType":"OperationOutcome"}`)
				return
			}
			_ = json.NewEncoder(w).Encode(patient(id))
			return
		}
		var entries []any
		for id, family := range directoryPatients {
			if q := r.URL.Query().Get("name"); q == "" || strings.EqualFold(q, family) {
				entries = append(entries, map[string]any{"resource": patient(id)})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/STU3"
}

type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	origin string // sent as Origin on posts when set
}

type page struct {
	Status   int
	Location string
	Body     string
}

func (s *testServer) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body)}
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.base + path
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
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
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

// signIn signs the browser in as user.
func (b *browser) signIn(user, password string) {
	b.t.Helper()
	r := b.get("/login")
	r = b.post("/login", url.Values{"csrf_token": {field(b.t, csrfRe, r.Body)}, "username": {user}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("sign-in as %s: %d %s", user, r.Status, r.Body)
	}
}

// admin is a browser signed in as demo-admin.
func (s *testServer) admin(t *testing.T) *browser {
	b := s.browser(t)
	b.signIn("demo-admin", adminPW)
	return b
}

// csrf is the CSRF token of the admin console's forms for this browser.
func (b *browser) csrf() string {
	b.t.Helper()
	r := b.get("/admin")
	if r.Status != http.StatusOK {
		b.t.Fatalf("GET /admin: %d %s", r.Status, r.Body)
	}
	return field(b.t, csrfRe, r.Body)
}

// form posts a console form with the browser's CSRF token.
func (b *browser) form(path string, f url.Values) page {
	b.t.Helper()
	if f == nil {
		f = url.Values{}
	}
	f.Set("csrf_token", b.csrf())
	return b.post(path, f)
}

// act confirms a destructive action: the confirmation page (200, naming
// the target), then its form with the admin's password when asked.
func (b *browser) act(name, id, arg string, extra url.Values) page {
	b.t.Helper()
	q := url.Values{"id": {id}}
	if arg != "" {
		q.Set("arg", arg)
	}
	r := b.get("/admin/confirm/" + name + "?" + q.Encode())
	if r.Status != http.StatusOK {
		b.t.Fatalf("confirmation page %s: %d %s", name, r.Status, r.Body)
	}
	f := url.Values{"csrf_token": {field(b.t, csrfRe, r.Body)}, "id": {id}, "arg": {arg}}
	if strings.Contains(r.Body, `name="current_password"`) {
		f.Set("current_password", adminPW)
	}
	for k, v := range extra {
		f[k] = v
	}
	return b.post("/admin/confirm/"+name, f)
}

// authorize runs the browser side of the authorization-code flow for
// demo-smart-app and returns the code.
func (b *browser) authorize(user, password string) string {
	b.t.Helper()
	p := url.Values{
		"response_type": {"code"}, "client_id": {appID}, "redirect_uri": {appRedir},
		"scope": {"launch/patient openid fhirUser offline_access patient/*.read"},
		"state": {"st-0123456789"}, "aud": {audience},
		"code_challenge": {oauth.S256Challenge(verifier)}, "code_challenge_method": {"S256"},
	}
	r := b.get("/authorize?" + p.Encode())
	for range 5 {
		switch {
		case r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, appRedir):
			u, _ := url.Parse(r.Location)
			if c := u.Query().Get("code"); c != "" {
				return c
			}
			b.t.Fatalf("back to the app without a code: %s", r.Location)
		case r.Status == http.StatusSeeOther:
			r = b.get(r.Location)
		case strings.Contains(r.Body, `name="password"`):
			r = b.post("/login", url.Values{"csrf_token": {field(b.t, csrfRe, r.Body)}, "username": {user}, "password": {password}})
		case strings.Contains(r.Body, "/authorize/consent"):
			r = b.post("/authorize/consent", url.Values{"csrf_token": {field(b.t, csrfRe, r.Body)}, "tx": {field(b.t, txRe, r.Body)},
				"decision": {"approve"}, "scope": strings.Fields(p.Get("scope"))})
		default:
			b.t.Fatalf("authorize: %d %s", r.Status, r.Body)
		}
	}
	b.t.Fatal("authorize: too many steps")
	return ""
}

// token posts to /token as the public demo app (or with Basic auth).
func (s *testServer) token(t *testing.T, form url.Values, clientID, secret string) (int, map[string]any) {
	t.Helper()
	if secret == "" {
		form.Set("client_id", clientID)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/token", strings.NewReader(form.Encode()))
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

// grant signs user in at demo-smart-app and returns its token response.
func (s *testServer) grant(t *testing.T, user, password string) map[string]any {
	t.Helper()
	code := s.browser(t).authorize(user, password)
	st, tok := s.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appRedir}, "code_verifier": {verifier}}, appID, "")
	if st != http.StatusOK {
		t.Fatalf("code exchange: %d %v", st, tok)
	}
	return tok
}

func (s *testServer) refresh(t *testing.T, rt string) (int, map[string]any) {
	t.Helper()
	return s.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, appID, "")
}
