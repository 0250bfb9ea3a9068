package audit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
)

// apiFor is the FHIR API over st (its AuditEvents in its audit log, as
// the server keeps them) reporting every request to rec, with guard
// (nil: AllowAll), the resources given loaded.
func apiFor(t testing.TB, st *sqlite.Store, rec *audit.Recorder, guard api.Guard, resources ...string) http.Handler {
	t.Helper()
	h, err := api.New(api.Options{Store: auditlog.New(st, st, base), BaseURL: base, Guard: guard, Observers: []api.Observer{rec},
		Metadata: []byte(`{"resourceType":"CapabilityStatement"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	for _, r := range resources {
		raw = append(raw, json.RawMessage(r))
	}
	if err := h.Load(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	return h
}

// refusing asks for no token and refuses every access to its type (403).
type refusing struct{ typ string }

func (refusing) Authenticate(context.Context, *http.Request) (*token.Claims, error) { return nil, nil }

func (g refusing) Authorize(_ context.Context, _ *token.Claims, a access.Access) (access.Grant, error) {
	if a.Type == g.typ {
		return access.Grant{}, fhirerr.Errorf(http.StatusForbidden, "forbidden", "%s is refused", g.typ)
	}
	return access.Grant{}, nil
}

// unauthenticating answers every request 401.
type unauthenticating struct{ api.AllowAll }

func (unauthenticating) Authenticate(context.Context, *http.Request) (*token.Claims, error) {
	return nil, fhirerr.Errorf(http.StatusUnauthorized, "login", "this endpoint needs an access token")
}
