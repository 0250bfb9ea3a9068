package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/config"
)

const (
	issuer   = "https://auth.example.test"
	audience = "https://fhir.example.test/STU3"
)

// Seed clients (config/clients.yaml, from the seed documents).
var seeds = []struct{ id, secret, scopes string }{
	{"a24a4d9f-c264-4af7-a8e5-248c24a6b707", "MMpAOGBljYcEzBfn7q9-xgJqBlmR0BSiEyCrCjNNOUpR78kZtzqgKKU_4FgGRFNWbtc6jPIErLwoYwRgnlvijA", "profile patient/Patient.read user/Patient.read"},
	{"ed73b2cb-abd0-4f75-b9a2-5f9c0535b82c", "QOm0VcqJqa9stA1R0MJzHjCN_uYdo0PkY8OT68UCk2XDFxFrAUjajuqOvIom5dISjKshx2YiU51mXtx7W5UOwQ", "user/MedicationStatement.read patient/Immunization.read user/Patient.read patient/Condition.read user/MedicationOrder.read user/Condition.read user/Encounter.read profile patient/MedicationOrder.read patient/Patient.read patient/Observation.read patient/Encounter.read"},
	{"256fcc31-97bd-47d4-acbf-12409676ad5a", "AI8OGCYWjvnj-NY0zaP0H2e6_El_yO2pq43wK4YKk8UnBR_JZ5ivkmkXFtlkiL6LKWsL8H7ksab0V_Hk9c4OeMI", "profile"},
	{"patient-access", "IShTVi8mRSV7bVREuU1freiDo79y_8fLX3BBw2nf2eIpv9A_r91VlVuF2LOiK_zLZAkBQCusEXLp_o6DEIgvaQ", "profile patient/Patient.read user/Patient.read"},
	{"demo-system", "demo-system-secret", "system/*.read system/*.write user/*.* system/AuditEvent.read"},
}

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

func clientsFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "config", "clients.yaml")
}

// testConfig is a demo configuration over dir.
func testConfig(dir string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Demo = true
	cfg.ClientsFile = clientsFile()
	cfg.Issuer = issuer
	cfg.FHIRBaseURL = audience
	return cfg
}

type testServer struct {
	*httptest.Server
	App *app.App
}

// start runs the real handler on a loopback listener.
func start(t *testing.T, cfg config.Config) *testServer {
	t.Helper()
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testServer{Server: srv, App: a}
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// do sends a request; form is the urlencoded body.
func (s *testServer) do(t *testing.T, method, path string, form url.Values, header map[string]string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func basic(id, secret string) map[string]string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return map[string]string{"Authorization": req.Header.Get("Authorization")}
}

// getToken obtains a client-credentials token with Basic auth.
func (s *testServer) getToken(t *testing.T, id, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	r := s.do(t, "POST", "/token", form, basic(id, secret))
	if r.Status != 200 {
		t.Fatalf("token for %s: %d %s", id, r.Status, r.Raw)
	}
	return r.Body["access_token"].(string)
}

func specWith(id, scopes string) clients.Spec {
	return clients.Spec{ID: id, Scopes: strings.Fields(scopes)}
}
