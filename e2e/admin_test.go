package e2e

import (
	"strings"
	"testing"

	"github.com/smartgate/e2e/harness"
)

// TestAdminConsoleInBrowser: demo-admin creates a user and links them to
// Patient/4, the user launches demo-smart-app with that patient, the
// admin revokes the grant (the app's refresh fails) and rotates the
// signing key (the FHIR server accepts tokens of the new key); a
// screenshot of each console page lands in e2e/browser/out/admin/.
func TestAdminConsoleInBrowser(t *testing.T) {
	dir := requireBrowser(t)
	s := harness.StartStack(t, harness.StackOptions{})
	out := runNode(t, dir, s, "admin.mjs")
	for _, want := range []string{`"ok":true`, `"patient":"4"`, `"refreshAfterRevoke":400`, `"fhirRead":200`, `"patientOnAdmin":404`} {
		if !strings.Contains(out, want) {
			t.Errorf("the admin console run lacks %s", want)
		}
	}
}
