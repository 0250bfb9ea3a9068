package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func clientCredentials(t *testing.T, s *testServer, id, secret string) int {
	st, _ := s.token(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}}, id, secret)
	return st
}

// The clients page lists every kind with filters; a client is disabled
// and enabled, its secret rotated (shown once), its scopes edited, and
// it is deleted; the token endpoint follows each step.
func TestClientActions(t *testing.T) {
	backends(t, func(t *testing.T, s *testServer) {
		ctx := context.Background()
		a := s.admin(t)
		if st := clientCredentials(t, s, "demo-system", "demo-system-secret"); st != http.StatusOK {
			t.Fatalf("token before: %d", st)
		}
		list := a.get("/admin/clients").Body
		for _, want := range []string{"demo-system", appID, "configured"} {
			if !strings.Contains(list, want) {
				t.Errorf("clients page lacks %q", want)
			}
		}
		if r := a.get("/admin/clients?method=none").Body; !strings.Contains(r, appID) || strings.Contains(r, ">demo-system<") {
			t.Errorf("filter by auth method none: want the public app only")
		}
		if r := a.get("/admin/clients?grant=client_credentials").Body; strings.Contains(r, "Demo SMART app") {
			t.Errorf("filter by grant: the code-flow app is listed")
		}
		view := a.get("/admin/clients/demo-system").Body
		if !strings.Contains(view, "Tokens in the last 24 h</dt><dd>1 ") || strings.Contains(view, "not since this server started") {
			t.Errorf("client page does not show its use:\n%s", view)
		}
		// Disable, then enable.
		if r := a.act("client-disable", "demo-system", "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		if st := clientCredentials(t, s, "demo-system", "demo-system-secret"); st != http.StatusUnauthorized {
			t.Errorf("token of a disabled client: %d, want 401", st)
		}
		if r := a.act("client-enable", "demo-system", "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.Status)
		}
		if st := clientCredentials(t, s, "demo-system", "demo-system-secret"); st != http.StatusOK {
			t.Errorf("token after enable: %d", st)
		}
		// Rotate: the new secret is shown once and works; the old one not.
		r := a.act("client-secret", "demo-system", "", nil)
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/admin/clients/demo-system/secret") {
			t.Fatalf("rotate: %d %s", r.Status, r.Location)
		}
		shown := a.get(r.Location).Body
		m := regexp.MustCompile(`<code id="secret">([^<]+)</code>`).FindStringSubmatch(shown)
		if m == nil {
			t.Fatalf("the new secret is not shown:\n%s", shown)
		}
		if again := a.get(r.Location).Body; strings.Contains(again, m[1]) {
			t.Error("the secret was shown twice")
		}
		if clientCredentials(t, s, "demo-system", "demo-system-secret") != http.StatusUnauthorized ||
			clientCredentials(t, s, "demo-system", m[1]) != http.StatusOK {
			t.Error("after rotation the old secret must fail and the new one work")
		}
		if r := a.act("client-secret", appID, "", nil); r.Status != http.StatusBadRequest {
			t.Errorf("rotating a public client's secret: %d, want 400", r.Status)
		}
		// Scopes: a scope outside the registration's bounds is refused.
		if r := a.form("/admin/clients/demo-system/scopes", url.Values{"scope": {"system/Patient.read patient/no-such-type.read"}}); r.Status != http.StatusBadRequest {
			t.Errorf("bad scope: %d, want 400", r.Status)
		}
		if r := a.form("/admin/clients/demo-system/scopes", url.Values{"scope": {"system/Observation.read"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("edit scopes: %d %s", r.Status, r.Body)
		}
		if st := clientCredentials(t, s, "demo-system", m[1]); st == http.StatusOK {
			t.Error("a scope removed from the client is still granted")
		}
		// Delete.
		if r := a.act("client-delete", "demo-system", "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.Status)
		}
		if _, err := s.App.Store.GetClient(ctx, "demo-system"); err == nil {
			t.Error("the client survived delete")
		}
		if r := a.get("/admin/clients/demo-system"); r.Status != http.StatusNotFound {
			t.Errorf("deleted client's page: %d", r.Status)
		}
		ev := a.get("/admin/audit").Body
		for _, want := range []string{"admin.client.disable", "admin.client.enable", "admin.client.secret", "admin.client.scopes", "admin.client.delete", "client:demo-system"} {
			if !strings.Contains(ev, want) {
				t.Errorf("audit lacks %q", want)
			}
		}
	})
}

// Rotate now makes a new signer (the old key stays published); retiring
// a key early removes it from the JWKS, and the page says when the FHIR
// server stops accepting its tokens.
func TestKeyActions(t *testing.T) {
	s := start(t, nil)
	ctx := context.Background()
	a := s.admin(t)
	before, _ := s.App.Keys.List(ctx)
	if r := a.get("/admin/keys").Body; !strings.Contains(r, before[0].KID) || !strings.Contains(r, "signs new tokens") {
		t.Fatalf("keys page:\n%s", r)
	}
	if r := a.act("key-rotate", "keys", "", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("rotate: %d", r.Status)
	}
	after, _ := s.App.Keys.List(ctx)
	if len(after) != 2 {
		t.Fatalf("after rotate: %+v", after)
	}
	jwks := a.get("/jwks").Body
	for _, k := range after {
		if !strings.Contains(jwks, k.KID) {
			t.Errorf("JWKS lacks %s after rotation", k.KID)
		}
	}
	old := before[0].KID
	confirm := a.get("/admin/confirm/key-retire?id=" + old).Body
	if !strings.Contains(confirm, "stop being accepted by the FHIR server by") {
		t.Errorf("the confirmation does not say when the FHIR server stops accepting the key:\n%s", confirm)
	}
	if r := a.act("key-retire", old, "", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("retire: %d", r.Status)
	}
	if strings.Contains(a.get("/jwks").Body, old) {
		t.Error("the retired key is still published")
	}
	if r := a.get("/admin/confirm/key-retire?id=" + old); r.Status != http.StatusNotFound {
		t.Errorf("retiring an unknown key: %d", r.Status)
	}
	if ev := a.get("/admin/audit").Body; !strings.Contains(ev, "key.rotated") || !strings.Contains(ev, "key.retired") || !strings.Contains(ev, "key:"+old) {
		t.Error("key events not recorded")
	}
}

// A registered client's scopes stay within how it was registered: the
// admin may narrow them, not widen them past the registration's bounds.
func TestRegisteredClientScopes(t *testing.T) {
	s := start(t, nil)
	ctx := context.Background()
	body := strings.NewReader(`{"client_name":"Registered app","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"user/*.read patient/*.read"}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/register", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer demo-initial-access-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || reg.ClientID == "" {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	a := s.admin(t)
	if r := a.get("/admin/clients?owner=(operator)").Body; !strings.Contains(r, reg.ClientID) || !strings.Contains(r, "API-registered") {
		t.Errorf("the registered client is not listed as API-registered")
	}
	if r := a.form("/admin/clients/"+reg.ClientID+"/scopes", url.Values{"scope": {"user/*.read system/*.write"}}); r.Status != http.StatusBadRequest {
		t.Errorf("widening past the registration's bounds: %d, want 400", r.Status)
	}
	if r := a.form("/admin/clients/"+reg.ClientID+"/scopes", url.Values{"scope": {"patient/*.read"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("narrowing: %d %s", r.Status, r.Body)
	}
	if c, err := s.App.Store.GetClient(ctx, reg.ClientID); err != nil || strings.Join(c.Scopes, " ") != "patient/*.read" {
		t.Errorf("scopes after narrowing: %v %v", c, err)
	}
	if ev := a.get("/admin/audit").Body; !strings.Contains(ev, "client.registered") || !strings.Contains(ev, "client.updated") {
		t.Error("registration and update not recorded")
	}
}
