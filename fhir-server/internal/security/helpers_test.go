package security_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/smartgate/pkg/smart"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/metrics"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/security"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
	"github.com/smartgate/fhir-server/internal/store/pgtest"
	"github.com/smartgate/fhir-server/internal/store/postgres"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
)

const (
	issuer = "http://auth.test"
	base   = "http://fhir.test/STU3"
	kid    = "key-1"
)

var (
	keysOnce sync.Once
	keys     [2]*rsa.PrivateKey
)

// testKeys: keys[0] is published in the JWKS, keys[1] is not.
func testKeys(t *testing.T) [2]*rsa.PrivateKey {
	keysOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys
}

// issuerServer serves the JWKS of keys[0] under kid.
func issuerServer(t *testing.T) *httptest.Server {
	pk, err := jwk.FromRaw(&testKeys(t)[0].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = pk.Set(jwk.KeyIDKey, kid)
	_ = pk.Set(jwk.AlgorithmKey, jwa.RS256)
	set := jwk.NewSet()
	_ = set.AddKey(pk)
	body, _ := json.Marshal(set)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// claims returns valid claims with scope and, when set, a patient.
func claims(scope, patient string) token.Claims {
	now := time.Now()
	return token.Claims{
		Issuer: issuer, Subject: "client-1", Audience: token.Audience{base}, ClientID: "client-1",
		Scope: scope, IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(time.Hour).Unix(),
		ID: "jti-" + strings.ReplaceAll(scope+patient, " ", "_"), Patient: patient,
	}
}

// sign signs claims (or raw payload bytes) as an access token (typ
// at+jwt) with alg and key under kid.
func sign(t *testing.T, v any, alg jwa.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	return signTyped(t, v, alg, key, kid, token.AccessTokenType)
}

// signTyped is sign with another typ header ("" for none).
func signTyped(t *testing.T, v any, alg jwa.SignatureAlgorithm, key any, kid, typ string) string {
	t.Helper()
	payload, ok := v.([]byte)
	if !ok {
		var err error
		if payload, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	hdr := jws.NewHeaders()
	if kid != "" {
		_ = hdr.Set(jws.KeyIDKey, kid)
	}
	if typ != "" {
		_ = hdr.Set(jws.TypeKey, typ)
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// env is the FHIR API behind the security layer and audit, over SQLite,
// with the fixture loaded.
type env struct {
	t       *testing.T
	store   store.Store
	handler http.Handler
	rec     *audit.Recorder
}

type envOptions struct {
	queueSize    int
	metrics      *metrics.Metrics // when set: counted, and the stack wrapped in its middleware
	acceptJWTTyp bool             // FHIR_SECURITY_ACCEPT_JWT_TYP
	// open opens the empty store (default: SQLite in a temporary
	// directory); eachBackend sets it.
	open func(t *testing.T) backendStore
	// feed, when set, is the revocation list of the verifier and the
	// Guard, as the server wires it.
	feed *token.RevocationFeed
}

// eachBackend runs fn on an env over SQLite and one over PostgreSQL
// (skipped unless DATABASE_URL is set).
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range []struct {
		name string
		open func(t *testing.T) backendStore
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, envOptions{open: b.open})) })
	}
}

// backendStore is what every backend offers: resources and the audit log.
type backendStore interface {
	store.Store
	store.AuditLog
}

func openSQLite(t *testing.T) backendStore {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fhir.db"), storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openPostgres(t *testing.T) backendStore {
	st, err := postgres.Open(context.Background(), pgtest.URL(t, "sectest"), storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// unauthenticatedWindow is how long the recorder sums 401s in these tests.
const unauthenticatedWindow = 100 * time.Millisecond

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if o.open == nil {
		o.open = openSQLite
	}
	st := o.open(t)
	jwks := issuerServer(t)
	var revocations token.RevocationList
	var fresh security.Freshness
	if o.feed != nil {
		revocations, fresh = o.feed, o.feed
	}
	v, err := token.NewVerifier(ctx, token.VerifierConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: base, Revocations: revocations, AcceptJWTType: o.acceptJWTTyp})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../../config/scopes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	table, err := smart.ParseTable(raw)
	if err != nil {
		t.Fatal(err)
	}
	g, err := security.New(security.Config{Verifier: v, Scopes: table, BaseURL: base, Metrics: o.metrics, Revocations: fresh})
	if err != nil {
		t.Fatal(err)
	}
	ls := auditlog.New(st, st, base) // AuditEvents in the audit log, as the server keeps them
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: ls, BaseURL: base, QueueSize: o.queueSize, Metrics: o.metrics, UnauthenticatedWindow: unauthenticatedWindow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rec.Close(ctx)
	})
	h, err := api.New(api.Options{Store: ls, BaseURL: base, Guard: g, Observers: []api.Observer{rec}, Metadata: []byte(`{"resourceType":"CapabilityStatement"}`), Metrics: o.metrics})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Load(ctx, fixture()); err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = h
	if o.metrics != nil {
		handler = o.metrics.Middleware("/STU3", "", nil, handler)
	}
	return &env{t: t, store: ls, handler: handler, rec: rec}
}

func storeOptions() store.Options {
	via := map[string]store.ViaRef{}
	for t, v := range search.CompartmentVia() {
		via[t] = store.ViaRef{SourceType: v.SourceType, Param: v.Param}
	}
	return store.Options{CompartmentParams: search.Compartments(), CompartmentVia: via}
}

// fixture: patients 1 and 2, each with observations, an encounter, a
// document and its Binary; an organization outside any compartment.
func fixture() []json.RawMessage {
	var out []json.RawMessage
	add := func(s string) { out = append(out, json.RawMessage(s)) }
	add(`{"resourceType":"Organization","id":"org1","name":"Practice"}`)
	for _, p := range []string{"1", "2"} {
		add(`{"resourceType":"Patient","id":"` + p + `","name":[{"family":"Fam` + p + `"}],"managingOrganization":{"reference":"Organization/org1"}}`)
		add(`{"resourceType":"Observation","id":"lab` + p + `","status":"final","category":[{"coding":[{"system":"http://hl7.org/fhir/observation-category","code":"laboratory"}]}],"code":{"text":"Hb"},"subject":{"reference":"Patient/` + p + `"}}`)
		add(`{"resourceType":"Observation","id":"vital` + p + `","status":"final","category":[{"coding":[{"system":"http://hl7.org/fhir/observation-category","code":"vital-signs"}]}],"code":{"text":"BP"},"subject":{"reference":"Patient/` + p + `"}}`)
		add(`{"resourceType":"Encounter","id":"enc` + p + `","status":"finished","subject":{"reference":"Patient/` + p + `"}}`)
		add(`{"resourceType":"Binary","id":"bin` + p + `","contentType":"text/plain","content":"aGVsbG8="}`)
		add(`{"resourceType":"DocumentReference","id":"doc` + p + `","status":"current","type":{"text":"letter"},"subject":{"reference":"Patient/` + p + `"},"indexed":"2017-03-04T00:00:00Z","content":[{"attachment":{"url":"Binary/bin` + p + `"}}]}`)
	}
	return out
}

// settle waits until the recorder has stored every event it journaled.
func (e *env) settle() {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.rec.Pending() > 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d AuditEvents still not stored", e.rec.Pending())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// response is what a client sees.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(method, path, tok, body string) response {
	e.t.Helper()
	return e.doWith(method, path, tok, body)
}

// doWith sends a request with extra headers given as name, value pairs.
func (e *env) doWith(method, path, tok, body string, headers ...string) response {
	e.t.Helper()
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, "http://fhir.test/STU3"+path, rdr)
	if body != "" {
		r.Header.Set("Content-Type", "application/fhir+json")
	}
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// token mints a valid token with scope and patient.
func (e *env) token(scope, patient string) string {
	c := claims(scope, patient)
	return sign(e.t, c, jwa.RS256, testKeys(e.t)[0], kid)
}

// ids lists Type/id of every resource in a Bundle body (or the resource
// itself).
func ids(t *testing.T, body []byte) []string {
	t.Helper()
	var doc struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if doc.ResourceType != "Bundle" {
		return []string{doc.ResourceType + "/" + doc.ID}
	}
	var out []string
	for _, e := range doc.Entry {
		if len(e.Resource) > 0 && !bytes.Contains(e.Resource, []byte(`"OperationOutcome"`)) {
			out = append(out, ids(t, e.Resource)...)
		}
	}
	return out
}

type claimsT = token.Claims

// staticVerifier accepts any token as c.
type staticVerifier struct{ c token.Claims }

func (v staticVerifier) Verify(context.Context, string) (*token.Claims, error) {
	c := v.c
	return &c, nil
}

func asAPIError(err error, target **fhirerr.Error) bool { return errors.As(err, target) }

// doForm posts a form-encoded search.
func (e *env) doForm(path, tok, form string) response {
	e.t.Helper()
	r := httptest.NewRequest("POST", "http://fhir.test/STU3"+path, strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}
