package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// The SMART EHR launch against the real binaries: demo-system (a trusted
// EHR, launch_context_clients) creates a launch context for demo-smart-app,
// the app runs /authorize with launch=<id>, a clinician signs in and
// consents (no patient picker), and the token response carries the
// launch's patient, encounter and fhirContext; the token reads that
// patient's Encounter and Patient/4. Every way to misuse a launch id, and
// every client that may not create one, is refused.

const (
	ehrApp      = "demo-smart-app"
	ehrRedirect = "http://127.0.0.1:9999/callback"
	ehrVerifier = "e2e-ehr-launch-verifier-0123456789-abcdefghijklmnopqrstu"
	ehrScope    = "launch launch/encounter openid fhirUser offline_access patient/*.read"
)

// createLaunch posts a launch context as clientID (Basic auth when secret
// is set) and returns the status and the answer.
func createLaunch(t *testing.T, s *harness.Stack, clientID, secret string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/launch-context", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.SetBasicAuth(clientID, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// launchAs creates a launch as demo-system and returns its id.
func launchAs(t *testing.T, s *harness.Stack, body map[string]any) string {
	t.Helper()
	st, out := createLaunch(t, s, "demo-system", "demo-system-secret", body)
	id, _ := out["launch"].(string)
	if st != http.StatusOK || id == "" || out["expires_in"] != float64(300) {
		t.Fatalf("create launch %v: %d %v", body, st, out)
	}
	return id
}

// ehrAuthorize starts /authorize for clientID and redirect with the launch
// id and returns the status and Location.
func ehrAuthorize(t *testing.T, s *harness.Stack, b *formBrowser, clientID, redirect, scope, launch string) (int, string) {
	t.Helper()
	sum := sha256.Sum256([]byte(ehrVerifier))
	p := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {"ehr-state"}, "aud": {s.FHIRURL}, "launch": {launch},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	st, loc, _ := b.send(http.MethodGet, s.Issuer+"/authorize?"+p.Encode(), nil)
	return st, loc
}

// refusedBack asserts a redirect back to the app carrying error=code.
func refusedBack(t *testing.T, what string, st int, loc, redirect, code string) {
	t.Helper()
	u, _ := url.Parse(loc)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, redirect) || u.Query().Get("error") != code || u.Query().Get("state") != "ehr-state" {
		t.Errorf("%s: %d %s, want a redirect to the app with error=%s", what, st, loc, code)
	}
}

// signIn follows the flow from loc: the login page, then user's sign-in;
// it returns the page the flow shows next.
func signIn(t *testing.T, s *harness.Stack, b *formBrowser, loc, user, password string) (int, string, string) {
	t.Helper()
	_, _, page := b.send(http.MethodGet, loc, nil)
	form := hidden(t, page)
	form.Set("username", user)
	form.Set("password", password)
	st, next, _ := b.send(http.MethodPost, s.Issuer+"/login", form)
	if st != http.StatusSeeOther {
		t.Fatalf("login %s: %d", user, st)
	}
	return b.send(http.MethodGet, next, nil)
}

type ehrTokens struct {
	AccessToken       string            `json:"access_token"`
	RefreshToken      string            `json:"refresh_token"`
	Scope             string            `json:"scope"`
	Patient           string            `json:"patient"`
	Encounter         string            `json:"encounter"`
	FHIRContext       []json.RawMessage `json:"fhirContext"`
	NeedPatientBanner *bool             `json:"need_patient_banner"`
	Intent            string            `json:"intent"`
	SmartStyleURL     string            `json:"smart_style_url"`
}

func tokenForm(t *testing.T, s *harness.Stack, form url.Values) ehrTokens {
	t.Helper()
	resp, err := http.PostForm(s.Issuer+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok ehrTokens
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %s %v", resp.Status, err)
	}
	return tok
}

func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func TestEHRLaunch(t *testing.T) {
	const style = "https://ehr.example/smart-style.json"
	s := harness.StartStack(t, harness.StackOptions{AuthEnv: []string{"AUTH_WEB_SMART_STYLE_URL=" + style}})

	t.Run("clinician", func(t *testing.T) {
		id := launchAs(t, s, map[string]any{
			"client_id": ehrApp, "patient": "4", "encounter": "enc-4-2",
			"fhirContext": []any{map[string]any{"reference": "DocumentReference/doc-4-1", "role": "launch"},
				map[string]any{"identifier": map[string]any{"system": "urn:oid:1.2.3", "value": "order-7"}, "type": "ServiceRequest"}},
			"intent": "summary", "need_patient_banner": false,
		})
		b := newFormBrowser(t)
		st, loc := ehrAuthorize(t, s, b, ehrApp, ehrRedirect, ehrScope, id)
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, s.Issuer+"/authorize/continue") {
			t.Fatalf("authorize with a launch: %d %s", st, loc)
		}
		_, _, page := signIn(t, s, b, loc, "demo-clinician", "demo-clinician-password")
		if strings.Contains(page, "Choose a patient") || !strings.Contains(page, "Allow access?") || !strings.Contains(page, "Patient/4") || !strings.Contains(page, "Encounter/enc-4-2") {
			t.Fatalf("want the consent page naming Patient/4 and Encounter/enc-4-2, no picker:\n%s", page)
		}
		consent := hidden(t, page)
		consent.Set("decision", "approve")
		consent["scope"] = strings.Fields(ehrScope)
		st, loc, _ = b.send(http.MethodPost, s.Issuer+"/authorize/consent", consent)
		back, _ := url.Parse(loc)
		if st != http.StatusSeeOther || back.Query().Get("code") == "" {
			t.Fatalf("consent: %d %s", st, loc)
		}
		tok := tokenForm(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {ehrApp},
			"redirect_uri": {ehrRedirect}, "code_verifier": {ehrVerifier}})
		if tok.Patient != "4" || tok.Encounter != "enc-4-2" || tok.Intent != "summary" || tok.NeedPatientBanner == nil || *tok.NeedPatientBanner || tok.SmartStyleURL != style {
			t.Fatalf("token response context: %+v", tok)
		}
		if len(tok.FHIRContext) != 2 || !strings.Contains(string(tok.FHIRContext[0]), `"reference":"DocumentReference/doc-4-1"`) ||
			!strings.Contains(string(tok.FHIRContext[1]), `"value":"order-7"`) || strings.Contains(string(tok.FHIRContext[0]), "Encounter") {
			t.Fatalf("fhirContext: %s", tok.FHIRContext)
		}
		if c := jwtClaims(t, tok.AccessToken); c["patient"] != "4" || c["client_id"] != ehrApp {
			t.Fatalf("access token claims: %v", c)
		}
		for path, want := range map[string]int{"/Encounter/enc-4-2": 200, "/Patient/4": 200, "/DocumentReference/doc-4-1": 200, "/Patient/5": 404, "/Encounter/enc-5-1": 404} {
			if st, _, body := fhirGet(t, s, path, tok.AccessToken); st != want {
				t.Errorf("GET %s with the EHR launch's token: %d, want %d: %.200s", path, st, want, body)
			}
		}
		refreshed := tokenForm(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {ehrApp}})
		if refreshed.Patient != "4" || refreshed.Encounter != "enc-4-2" || len(refreshed.FHIRContext) != 2 || refreshed.Intent != "summary" ||
			jwtClaims(t, refreshed.AccessToken)["patient"] != "4" {
			t.Fatalf("the refresh lost the launch context: %+v", refreshed)
		}

		// The same launch id again: single use.
		st, loc = ehrAuthorize(t, s, newFormBrowser(t), ehrApp, ehrRedirect, ehrScope, id)
		refusedBack(t, "a reused launch", st, loc, ehrRedirect, "invalid_request")
	})

	t.Run("unknown launch", func(t *testing.T) {
		st, loc := ehrAuthorize(t, s, newFormBrowser(t), ehrApp, ehrRedirect, ehrScope, "NOTALAUNCHIDNOTALAUNCHID00")
		refusedBack(t, "an unknown launch", st, loc, ehrRedirect, "invalid_request")
	})

	t.Run("launch parameter without the launch scope", func(t *testing.T) {
		id := launchAs(t, s, map[string]any{"client_id": ehrApp, "patient": "4"})
		st, loc := ehrAuthorize(t, s, newFormBrowser(t), ehrApp, ehrRedirect, "launch/patient openid patient/*.read", id)
		refusedBack(t, "launch without the launch scope", st, loc, ehrRedirect, "invalid_request")
		// Refused before it was redeemed: the launch still works.
		if st, loc := ehrAuthorize(t, s, newFormBrowser(t), ehrApp, ehrRedirect, ehrScope, id); st != http.StatusSeeOther || !strings.Contains(loc, "/authorize/continue") {
			t.Errorf("the launch after a refused attempt: %d %s", st, loc)
		}
	})

	t.Run("unregistered redirect URI", func(t *testing.T) {
		id := launchAs(t, s, map[string]any{"client_id": ehrApp, "patient": "4"})
		st, loc := ehrAuthorize(t, s, newFormBrowser(t), ehrApp, "https://attacker.example/cb", ehrScope, id)
		if st != http.StatusBadRequest || loc != "" {
			t.Errorf("a launch with an unregistered redirect URI: %d %q, want 400 on our page", st, loc)
		}
	})

	t.Run("another client's launch", func(t *testing.T) {
		other := registerLaunchApp(t, s)
		id := launchAs(t, s, map[string]any{"client_id": other, "patient": "4"})
		st, loc := ehrAuthorize(t, s, newFormBrowser(t), ehrApp, ehrRedirect, ehrScope, id)
		refusedBack(t, "another client's launch", st, loc, ehrRedirect, "invalid_request")
		// Its own client still redeems it: the attempt did not burn it.
		if st, loc := ehrAuthorize(t, s, newFormBrowser(t), other, "https://other-app.example/cb", "launch openid patient/*.read", id); st != http.StatusSeeOther || !strings.Contains(loc, "/authorize/continue") {
			t.Errorf("the launch's own client after another's attempt: %d %s", st, loc)
		}
	})

	t.Run("patient user and another patient's launch", func(t *testing.T) {
		id := launchAs(t, s, map[string]any{"client_id": ehrApp, "patient": "5"})
		b := newFormBrowser(t)
		_, loc := ehrAuthorize(t, s, b, ehrApp, ehrRedirect, ehrScope, id)
		st, loc, page := signIn(t, s, b, loc, "demo-patient", "demo-patient-password")
		if st == http.StatusSeeOther {
			refusedBack(t, "demo-patient with Patient/5's launch", st, loc, ehrRedirect, "access_denied")
		} else {
			t.Fatalf("demo-patient with Patient/5's launch: %d, page:\n%s", st, page)
		}
		// Their own patient's launch works.
		own := launchAs(t, s, map[string]any{"client_id": ehrApp, "patient": "4", "user": "demo-patient"})
		b = newFormBrowser(t)
		_, loc = ehrAuthorize(t, s, b, ehrApp, ehrRedirect, ehrScope, own)
		if _, _, page := signIn(t, s, b, loc, "demo-patient", "demo-patient-password"); !strings.Contains(page, "Allow access?") {
			t.Fatalf("demo-patient with their own launch: %s", page)
		}
	})

	t.Run("launch for another user", func(t *testing.T) {
		id := launchAs(t, s, map[string]any{"client_id": ehrApp, "patient": "4", "user": "demo-patient"})
		b := newFormBrowser(t)
		_, loc := ehrAuthorize(t, s, b, ehrApp, ehrRedirect, ehrScope, id)
		st, loc, _ := signIn(t, s, b, loc, "demo-clinician", "demo-clinician-password")
		refusedBack(t, "demo-clinician with demo-patient's launch", st, loc, ehrRedirect, "access_denied")
	})

	t.Run("who may create launches", func(t *testing.T) {
		body := map[string]any{"client_id": ehrApp, "patient": "4"}
		if st, out := createLaunch(t, s, "patient-access", "IShTVi8mRSV7bVREuU1freiDo79y_8fLX3BBw2nf2eIpv9A_r91VlVuF2LOiK_zLZAkBQCusEXLp_o6DEIgvaQ", body); st != http.StatusForbidden || out["error"] != "access_denied" {
			t.Errorf("a confidential client not listed: %d %v, want 403", st, out)
		}
		if st, out := createLaunch(t, s, "demo-system", "wrong-secret", body); st != http.StatusUnauthorized || out["error"] != "invalid_client" {
			t.Errorf("a wrong secret: %d %v, want 401", st, out)
		}
		if st, out := createLaunch(t, s, "", "", body); st != http.StatusUnauthorized || out["error"] != "invalid_client" {
			t.Errorf("no client authentication: %d %v, want 401", st, out)
		}
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/launch-context?client_id="+ehrApp, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a public client naming itself: %v %v, want 401", resp.Status, err)
		}
	})

	t.Run("launch contents are checked", func(t *testing.T) {
		// enc-5-1 exists: it is refused for being Patient/5's, not for being absent.
		if st, _, _ := fhirGet(t, s, "/Encounter/enc-5-1", clientToken(t, s, "demo-system", "demo-system-secret")); st != http.StatusOK {
			t.Fatalf("Encounter/enc-5-1 as demo-system: %d", st)
		}
		for name, body := range map[string]any{
			"unknown patient":                  map[string]any{"client_id": ehrApp, "patient": "no-such-patient"},
			"unknown encounter":                map[string]any{"client_id": ehrApp, "patient": "4", "encounter": "no-such-encounter"},
			"another patient's encounter":      map[string]any{"client_id": ehrApp, "patient": "4", "encounter": "enc-5-1"},
			"no patient":                       map[string]any{"client_id": ehrApp},
			"no client":                        map[string]any{"patient": "4"},
			"unknown app":                      map[string]any{"client_id": "no-such-app", "patient": "4"},
			"app that cannot be launched":      map[string]any{"client_id": "patient-access", "patient": "4"},
			"patient in fhirContext":           map[string]any{"client_id": ehrApp, "patient": "4", "fhirContext": []any{map[string]any{"reference": "Patient/5"}}},
			"absolute reference":               map[string]any{"client_id": ehrApp, "patient": "4", "fhirContext": []any{map[string]any{"reference": "https://evil.example/Observation/1"}}},
			"empty fhirContext entry":          map[string]any{"client_id": ehrApp, "patient": "4", "fhirContext": []any{map[string]any{"role": "x"}}},
			"unknown user":                     map[string]any{"client_id": ehrApp, "patient": "4", "user": "nobody"},
			"patient user for another patient": map[string]any{"client_id": ehrApp, "patient": "5", "user": "demo-patient"},
			"unknown member":                   map[string]any{"client_id": ehrApp, "patient": "4", "patients": "5"},
			"wrong type":                       map[string]any{"client_id": ehrApp, "patient": 4},
			"larger than 1 KiB":                map[string]any{"client_id": ehrApp, "patient": "4", "fhirContext": bigContext(12)},
		} {
			if st, out := createLaunch(t, s, "demo-system", "demo-system-secret", body); st != http.StatusBadRequest || out["error"] != "invalid_request" {
				t.Errorf("%s: %d %v, want 400 invalid_request", name, st, out)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/launch-context", strings.NewReader("client_id="+ehrApp+"&patient=4"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo-system", "demo-system-secret")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a form body: %v %v, want 400", resp.Status, err)
		}
	})

	// The largest context accepted still fits the session cookie that
	// carries it through sign-in and consent.
	t.Run("largest context", func(t *testing.T) {
		id := launchAs(t, s, map[string]any{"client_id": ehrApp, "patient": "4", "encounter": "enc-4-1",
			"intent": strings.Repeat("i", 60), "fhirContext": bigContext(6)})
		b := newFormBrowser(t)
		_, loc := ehrAuthorize(t, s, b, ehrApp, ehrRedirect, ehrScope, id)
		// Consent, or straight back to the app with a code when the
		// clinician approved these scopes before: either way the flow lived.
		st, loc, page := signIn(t, s, b, loc, "demo-clinician", "demo-clinician-password")
		back, _ := url.Parse(loc)
		if !strings.Contains(page, "Allow access?") && (st != http.StatusSeeOther || back.Query().Get("code") == "") {
			t.Fatalf("a launch of about 1 KiB did not reach consent: %d %s\n%s", st, loc, page)
		}
	})

	t.Run("discovery", func(t *testing.T) {
		_, smart := call(t, "GET", s.FHIRURL+"/.well-known/smart-configuration", nil, nil)
		caps, _ := json.Marshal(smart["capabilities"])
		for _, want := range []string{"launch-ehr", "context-ehr-patient", "context-ehr-encounter", "launch-standalone"} {
			if !strings.Contains(string(caps), `"`+want+`"`) {
				t.Errorf("the FHIR server's smart-configuration lacks %s: %s", want, caps)
			}
		}
	})
}

// bigContext is n fhirContext entries of about 140 bytes of JSON each.
func bigContext(n int) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{"reference": "DocumentReference/doc-4-" + strconv.Itoa(i), "role": strings.Repeat("r", 60), "type": "DocumentReference"})
	}
	return out
}

// registerLaunchApp registers another public app holding the launch scope
// (RFC 7591, demo initial access token) and returns its client id.
func registerLaunchApp(t *testing.T, s *harness.Stack) string {
	t.Helper()
	meta, _ := json.Marshal(map[string]any{
		"client_name": "Other EHR app", "grant_types": []string{"authorization_code"}, "token_endpoint_auth_method": "none",
		"redirect_uris": []string{"https://other-app.example/cb"}, "scope": "launch openid patient/*.read",
		"launch_uri": "https://other-app.example/launch",
	})
	st, reg := call(t, "POST", s.Issuer+"/register", bytes.NewReader(meta), map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer demo-initial-access-token",
	})
	if st != http.StatusCreated || reg["launch_uri"] != "https://other-app.example/launch" {
		t.Fatalf("register: %d %v", st, reg)
	}
	return reg["client_id"].(string)
}

// TestEHRLaunchExpires: a launch not redeemed within
// AUTH_LAUNCH_CONTEXT_LIFETIME is refused.
func TestEHRLaunchExpires(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{AuthEnv: []string{"AUTH_LAUNCH_CONTEXT_LIFETIME=1s"}})
	st, out := createLaunch(t, s, "demo-system", "demo-system-secret", map[string]any{"client_id": ehrApp, "patient": "4"})
	if st != http.StatusOK || out["expires_in"] != float64(1) {
		t.Fatalf("create launch: %d %v", st, out)
	}
	time.Sleep(1500 * time.Millisecond) // past its lifetime
	st2, loc := ehrAuthorize(t, s, newFormBrowser(t), ehrApp, ehrRedirect, ehrScope, out["launch"].(string))
	refusedBack(t, "an expired launch", st2, loc, ehrRedirect, "invalid_request")
}

// TestEHRPage: the demo EHR page over the real FHIR server. Only signed-in
// clinicians use it; it lists a patient's encounters and only the apps an
// admin listed; a launch needs the page's CSRF token, a listed app and
// an encounter of the patient; it sends the browser to the app's launch
// URL with iss and launch, and that launch is the clinician's alone.
func TestEHRPage(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{})
	unlisted := registerLaunchApp(t, s) // has a launch_uri, not listed by an admin

	if st, loc, _ := newFormBrowser(t).send(http.MethodGet, s.Issuer+"/ehr", nil); st != http.StatusSeeOther || !strings.HasSuffix(loc, "/login?next=%2Fehr") {
		t.Fatalf("signed out: %d %s", st, loc)
	}
	pat := newFormBrowser(t)
	signIn(t, s, pat, s.Issuer+"/login", "demo-patient", "demo-patient-password")
	if st, _, _ := pat.send(http.MethodGet, s.Issuer+"/ehr", nil); st != http.StatusForbidden {
		t.Fatalf("a patient user on the EHR page: %d, want 403", st)
	}

	b := newFormBrowser(t)
	signIn(t, s, b, s.Issuer+"/login", "demo-clinician", "demo-clinician-password")
	if st, _, page := b.send(http.MethodGet, s.Issuer+"/ehr", nil); st != http.StatusOK || !strings.Contains(page, "Patient/4") {
		t.Fatalf("the clinician's EHR page: %d\n%s", st, page)
	}
	_, _, page := b.send(http.MethodGet, s.Issuer+"/ehr?patient=4", nil)
	for _, want := range []string{`value="enc-4-1"`, `value="enc-4-2"`, `value="enc-4-3"`, `value="demo-smart-app"`, "http://127.0.0.1:9999/launch"} {
		if !strings.Contains(page, want) {
			t.Errorf("Patient/4's record lacks %s", want)
		}
	}
	if strings.Contains(page, unlisted) || strings.Contains(page, "enc-5-") {
		t.Errorf("the record lists an unlisted app or another patient's encounter")
	}

	form := hidden(t, page)
	form.Set("patient", "4")
	form.Set("encounter", "enc-4-2")
	form.Set("client_id", ehrApp)
	launchWith := func(change func(url.Values)) (int, string) {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		change(f)
		st, loc, _ := b.send(http.MethodPost, s.Issuer+"/ehr/launch", f)
		return st, loc
	}
	if st, _ := launchWith(func(f url.Values) { f.Del("csrf_token") }); st != http.StatusForbidden {
		t.Errorf("a launch without the CSRF token: %d, want 403", st)
	}
	if st, _ := launchWith(func(f url.Values) { f.Set("client_id", unlisted) }); st != http.StatusBadRequest {
		t.Errorf("a launch of an unlisted app: %d, want 400", st)
	}
	if st, _ := launchWith(func(f url.Values) { f.Set("encounter", "enc-5-1") }); st != http.StatusBadRequest {
		t.Errorf("a launch with another patient's encounter: %d, want 400", st)
	}
	st, loc := launchWith(func(url.Values) {})
	to, _ := url.Parse(loc)
	if st != http.StatusSeeOther || to.Scheme+"://"+to.Host+to.Path != "http://127.0.0.1:9999/launch" || to.Query().Get("iss") != s.FHIRURL || to.Query().Get("launch") == "" {
		t.Fatalf("launch: %d %s", st, loc)
	}
	id := to.Query().Get("launch")

	// The launch is bound to the clinician who made it: nobody else can
	// redeem it, and they go straight to consent (no picker).
	other := newFormBrowser(t)
	_, l := ehrAuthorize(t, s, other, ehrApp, ehrRedirect, ehrScope, id)
	if st, l, _ := signIn(t, s, other, l, "demo-patient", "demo-patient-password"); st == http.StatusSeeOther {
		refusedBack(t, "demo-patient with the clinician's launch", st, l, ehrRedirect, "access_denied")
	} else {
		t.Errorf("demo-patient with the clinician's launch: %d", st)
	}
	// Redeemed by that attempt, it is gone for the clinician too: a
	// fresh launch shows the clinician's own path.
	st, loc = launchWith(func(url.Values) {})
	to, _ = url.Parse(loc)
	if st != http.StatusSeeOther {
		t.Fatalf("second launch: %d", st)
	}
	_, l = ehrAuthorize(t, s, b, ehrApp, ehrRedirect, ehrScope, to.Query().Get("launch"))
	if _, _, page := b.send(http.MethodGet, l, nil); !strings.Contains(page, "Allow access?") || !strings.Contains(page, "Patient/4") {
		t.Fatalf("the clinician's own launch: want consent for Patient/4, got\n%s", page)
	}
}
