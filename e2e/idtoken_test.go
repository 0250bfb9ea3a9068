package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/smartgate/e2e/harness"
)

// An ID token from the real authorization-code flow is signed by the same
// key as the access tokens, but it is not one (RFC 9068): presented to the
// FHIR server as a Bearer token it is refused 401, while the access token
// of the same response reads.
func TestIDTokenIsNotAnAccessToken(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{})
	tok := standaloneLaunch(t, s, "demo-patient", "demo-patient-password", "launch/patient openid fhirUser profile patient/*.read")
	for name, c := range map[string]struct{ raw, typ string }{"access_token": {tok.AccessToken, "at+jwt"}, "id_token": {tok.IDToken, "JWT"}} {
		msg, err := jws.ParseString(c.raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if typ := msg.Signatures()[0].ProtectedHeaders().Type(); typ != c.typ {
			t.Errorf("%s typ %q, want %q", name, typ, c.typ)
		}
	}
	if status, _, body := fhirGet(t, s, "/Patient/4", tok.AccessToken); status != 200 {
		t.Fatalf("the access token: %d %s", status, body)
	}
	status, challenge, body := fhirGet(t, s, "/Patient/4", tok.IDToken)
	if status != 401 || !strings.Contains(challenge, `error="invalid_token"`) || !strings.Contains(challenge, "at+jwt") {
		t.Fatalf("the ID token as a Bearer token: %d %q %s, want 401 invalid_token naming at+jwt", status, challenge, body)
	}
}

// launchTokens is the token response of a standalone launch.
type launchTokens struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
}

var (
	csrfFieldRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	txFieldRe   = regexp.MustCompile(`name="tx" value="([^"]+)"`)
)

// standaloneLaunch runs the demo SMART app's standalone launch as a
// browser would (sign-in, consent, redirect with the code; no patient
// picker, so a patient user) and exchanges the code with PKCE.
func standaloneLaunch(t *testing.T, s *harness.Stack, user, password, scope string) launchTokens {
	t.Helper()
	const app, redirect = "demo-smart-app", "http://127.0.0.1:9999/callback"
	verifier := strings.Repeat("v", 20) + "-0123456789-launch-verifier"
	sum := sha256.Sum256([]byte(verifier))
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, u string, form url.Values) (int, string, string) {
		t.Helper()
		if !strings.HasPrefix(u, "http") {
			u = s.Issuer + u
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(page)
	}
	field := func(re *regexp.Regexp, page string) string {
		t.Helper()
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no %s in the page:\n%s", re, page)
		}
		return m[1]
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {app}, "redirect_uri": {redirect}, "scope": {scope},
		"state": {"e2e"}, "aud": {s.FHIRURL}, "nonce": {"e2e-nonce"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	status, next, page := send("GET", "/authorize?"+q.Encode(), nil)
	for step := 0; status == http.StatusSeeOther && !strings.HasPrefix(next, redirect); step++ {
		if step > 5 {
			t.Fatalf("too many redirects, at %s", next)
		}
		status, next, page = send("GET", next, nil)
		switch {
		case status == http.StatusOK && strings.Contains(page, `name="password"`):
			status, next, page = send("POST", "/login", url.Values{"csrf_token": {field(csrfFieldRe, page)}, "username": {user}, "password": {password}})
		case status == http.StatusOK && strings.Contains(page, "/authorize/consent"):
			status, next, page = send("POST", "/authorize/consent", url.Values{"csrf_token": {field(csrfFieldRe, page)},
				"tx": {field(txFieldRe, page)}, "decision": {"approve"}, "scope": strings.Fields(scope)})
		}
	}
	if status != http.StatusSeeOther || !strings.HasPrefix(next, redirect) {
		t.Fatalf("the launch did not come back to the app: %d %s %s", status, next, page)
	}
	back, err := url.Parse(next)
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("no code in %s", next)
	}
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {redirect},
		"code_verifier": {verifier}, "client_id": {app}}
	resp, err := http.PostForm(s.Issuer+"/token", exchange)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var tok launchTokens
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &tok) != nil || tok.AccessToken == "" || tok.IDToken == "" {
		t.Fatalf("code exchange: %d %s", resp.StatusCode, raw)
	}
	return tok
}
