package registration_test

import (
	"testing"

	"github.com/smartgate/auth-server/internal/registration"
)

// TestLaunchURIChangeUnlistsTheApp: launch_uri round-trips through RFC
// 7591/7592, and a client that moves its launch_uri after an admin listed
// it on the EHR page is listed no more (clinicians would be sent to an
// address nobody looked at); other changes keep the listing.
func TestLaunchURIChangeUnlistsTheApp(t *testing.T) {
	svc, st := newService(t, registration.Options{})
	allow := registration.Allowance{Scopes: registration.DefaultTokenScopes, Via: registration.ViaToken}
	m := registration.Metadata{RedirectURIs: []string{"https://app.example/cb"}, Scope: "launch openid patient/*.read", LaunchURI: "https://app.example/launch"}
	reg, err := svc.Register(t.Context(), m, allow)
	if err != nil {
		t.Fatal(err)
	}
	if got := registration.MetadataOf(reg.Client).LaunchURI; got != m.LaunchURI {
		t.Fatalf("launch_uri registered as %q", got)
	}
	c := reg.Client
	c.EHRLaunchable = true // the admin's mark
	if err := st.UpdateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	m.ClientName = "Renamed"
	again, err := svc.Replace(t.Context(), c, m, allow)
	if err != nil || !again.Client.EHRLaunchable {
		t.Fatalf("a rename unlisted the app (%v)", err)
	}
	m.LaunchURI = "https://elsewhere.example/launch"
	moved, err := svc.Replace(t.Context(), again.Client, m, allow)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := st.GetClient(t.Context(), c.ID)
	if moved.Client.EHRLaunchable || stored.EHRLaunchable || stored.LaunchURI != m.LaunchURI {
		t.Fatalf("after a launch_uri change: listed=%v stored=%+v", moved.Client.EHRLaunchable, stored)
	}
}
