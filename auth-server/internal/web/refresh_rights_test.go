package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

// sendRegistration sends an RFC 7591/7592 request and decodes the answer.
func (s *testServer) sendRegistration(t *testing.T, method, path, body, bearer string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// A refresh grants what the original grant, the client's current
// registration and the user's current role all still allow: after an RFC
// 7592 PUT removes patient/*.read, a refresh no longer yields it; a client
// left with none of the granted scopes, and a deleted user, get
// invalid_grant.
func TestRefreshFollowsTheCurrentRegistrationAndUser(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	const redirect = "https://shrinking.example/cb"
	metadata := func(id, scope string) string {
		idField := ""
		if id != "" {
			idField = `"client_id":"` + id + `",`
		}
		return `{` + idField + `"client_name":"Shrinking app","grant_types":["authorization_code","refresh_token"],` +
			`"token_endpoint_auth_method":"none","redirect_uris":["` + redirect + `"],"scope":"` + scope + `"}`
	}
	st, reg := s.sendRegistration(t, "POST", "/register", metadata("", "launch/patient openid offline_access patient/*.read patient/Observation.read"), registration.DemoInitialToken)
	if st != 201 {
		t.Fatalf("register: %d %v", st, reg)
	}
	id, rat := reg["client_id"].(string), reg["registration_access_token"].(string)
	shrink := func(t *testing.T, scope string) {
		t.Helper()
		if st, b := s.sendRegistration(t, "PUT", "/register/"+id, metadata(id, scope), rat); st != 200 {
			t.Fatalf("RFC 7592 PUT: %d %v", st, b)
		}
	}
	p := authParams("shrink")
	p.Set("client_id", id)
	p.Set("redirect_uri", redirect)
	p.Set("scope", "launch/patient openid offline_access patient/*.read patient/Observation.read")
	code, _ := s.browser(t).authorize(p, "demo-patient", "demo-patient-password")
	st, tok := s.exchange(t, code, id, "", redirect, verifier)
	if st != 200 || tok["scope"] != p.Get("scope") {
		t.Fatalf("exchange: %d %v", st, tok)
	}

	shrink(t, "launch/patient openid offline_access patient/Observation.read")
	st, b := s.refresh(t, tok["refresh_token"].(string), id, "", "")
	const left = "launch/patient openid offline_access patient/Observation.read"
	if st != 200 || b["scope"] != left || claims(t, b["access_token"])["scope"] != left {
		t.Fatalf("refresh after the registration lost patient/*.read: %d %v, want scope %q", st, b, left)
	}
	rt := b["refresh_token"].(string)

	shrink(t, "profile")
	st, b = s.refresh(t, rt, id, "", "")
	wantError(t, st, b, 400, "invalid_grant")
}

// The user's current role bounds a refresh: a clinician's user/ grant
// ends when the clinician is no longer one, and a deleted user's refresh
// tokens are refused (invalid_grant, never a server error).
func TestRefreshFollowsTheUsersRole(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx := context.Background()
	s.addUser(t, "refresh-clinician", store.RoleClinician)
	p := authParams("role")
	p.Set("scope", "openid offline_access user/*.read")
	login := func(t *testing.T) string {
		code, _ := s.browser(t).authorize(p, "refresh-clinician", "refresh-clinician-password")
		st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
		if st != 200 || tok["scope"] != p.Get("scope") {
			t.Fatalf("exchange: %d %v", st, tok)
		}
		return tok["refresh_token"].(string)
	}
	rt := login(t)
	u, err := s.App.Store.GetUserByUsername(ctx, "refresh-clinician")
	if err != nil {
		t.Fatal(err)
	}
	u.Role, u.PatientID = store.RolePatient, "4"
	if err := s.App.Store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	st, b := s.refresh(t, rt, appID, "", "")
	if st != 200 || b["scope"] != "openid offline_access" {
		t.Fatalf("refresh after the clinician became a patient: %d %v, want scope without user/*.read", st, b)
	}
	st, b = s.refresh(t, b["refresh_token"].(string), appID, "", "user/*.read")
	wantError(t, st, b, 400, "invalid_scope") // no longer in the grant

	u.Role, u.PatientID = store.RoleClinician, ""
	if err := s.App.Store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	rt = login(t)
	if err := users.New(s.App.Store, time.Now).Delete(ctx, "refresh-clinician"); err != nil {
		t.Fatal(err)
	}
	st, b = s.refresh(t, rt, appID, "", "")
	wantError(t, st, b, 400, "invalid_grant")
}
