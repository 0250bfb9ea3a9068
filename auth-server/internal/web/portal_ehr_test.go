package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

// TestPortalLaunchURIAndEHRListing: a clinician gives their app a launch
// URL in the portal (held to the redirect-URI rules); only an admin lists
// it on the EHR page, and only with a launch URL and the launch scope;
// the owner moving the launch URL takes it off the list.
func TestPortalLaunchURIAndEHRListing(t *testing.T) {
	s := start(t, nil)
	s.addUser(t, "portal-admin", store.RoleAdmin)
	owner := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	form := url.Values{
		"client_name": {"Ward app"}, "token_endpoint_auth_method": {"none"}, "grant_types": {"authorization_code"},
		"redirect_uris": {"https://ward.example/cb"}, "launch_uri": {"http://ward.example/launch"},
		"scope": {"launch", "launch/encounter", "patient/*.read"},
	}
	r := owner.get(portal + "/new")
	form.Set("csrf_token", field(t, csrfRe, r.Body))
	if r = owner.post(portal, form); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "launch_uri") {
		t.Fatalf("an http launch URL to a non-loopback host: %d, want 400 naming launch_uri", r.Status)
	}
	form.Set("launch_uri", "https://ward.example/launch")
	r = owner.post(portal, form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	id := strings.TrimPrefix(strings.TrimSuffix(r.Location, "/credentials"), s.URL+portal+"/")
	id, _, _ = strings.Cut(id, "?")
	cl, err := s.App.Store.GetClient(context.Background(), id)
	if err != nil || cl.LaunchURI != "https://ward.example/launch" || cl.EHRLaunchable {
		t.Fatalf("registered client %q: %+v %v", id, cl, err)
	}
	view := owner.get(portal + "/" + id)
	if !strings.Contains(view.Body, "https://ward.example/launch") || !strings.Contains(view.Body, "Not listed") || strings.Contains(view.Body, "/ehr\"") && strings.Contains(view.Body, "List on the EHR page") {
		t.Fatalf("the owner's view of the client:\n%s", view.Body)
	}
	list := func(b *browser, listed string) page {
		t.Helper()
		v := b.get(portal + "/" + id)
		return b.post(portal+"/"+id+"/ehr", url.Values{"csrf_token": {field(t, csrfRe, v.Body)}, "listed": {listed}})
	}
	if r := list(owner, "1"); r.Status != http.StatusNotFound {
		t.Fatalf("the owner lists their own app: %d, want 404", r.Status)
	}
	admin := s.portalLogin(t, "portal-admin", "portal-admin-password")
	if v := admin.get(portal + "/" + id); !strings.Contains(v.Body, "List on the EHR page") {
		t.Fatalf("the admin's view offers no listing:\n%s", v.Body)
	}
	if r := list(admin, "1"); r.Status != http.StatusSeeOther {
		t.Fatalf("the admin lists the app: %d %s", r.Status, r.Body)
	}
	if cl, _ := s.App.Store.GetClient(context.Background(), id); !cl.EHRLaunchable {
		t.Fatal("the admin's listing was not stored")
	}
	// A client without a launch URL cannot be listed.
	if r := admin.get(portal + "/demo-system"); strings.Contains(r.Body, "List on the EHR page") {
		t.Error("demo-system (no launch URL) is offered for listing")
	}
	v := admin.get(portal + "/demo-system")
	if r := admin.post(portal+"/demo-system/ehr", url.Values{"csrf_token": {field(t, csrfRe, v.Body)}, "listed": {"1"}}); r.Status != http.StatusBadRequest {
		t.Errorf("listing demo-system: %d, want 400", r.Status)
	}

	// The owner moves the launch URL: off the list until an admin looks again.
	edit := owner.get(portal + "/" + id + "/edit")
	if !strings.Contains(edit.Body, `value="https://ward.example/launch"`) {
		t.Fatalf("the edit form lacks the launch URL:\n%s", edit.Body)
	}
	form.Set("csrf_token", field(t, csrfRe, edit.Body))
	form.Set("launch_uri", "https://elsewhere.example/launch")
	if r := owner.post(portal+"/"+id, form); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if cl, _ := s.App.Store.GetClient(context.Background(), id); cl.EHRLaunchable || cl.LaunchURI != "https://elsewhere.example/launch" {
		t.Fatalf("after moving the launch URL: %+v", cl)
	}
}
