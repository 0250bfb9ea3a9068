package oauth

import (
	"strings"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/clientauth"
)

// scopeHandler checks that the requested scopes are covered by the
// client's registered scopes under the SMART grammar (system/*.read covers
// system/Patient.read, .* covers .read). Nothing requested means the
// registered scopes; otherwise the token carries exactly what was
// requested (duplicates removed, order kept).
func scopeHandler(tgr *oauth2.TokenGenerateRequest) (bool, error) {
	c, ok := clientauth.FromContext(tgr.Request.Context())
	if !ok || c.ID != tgr.ClientID {
		return false, ErrInvalidClient
	}
	requested := dedupe(strings.Fields(tgr.Scope))
	if len(requested) == 0 {
		tgr.Scope = strings.Join(c.Scopes, " ")
		return true, nil
	}
	if missing := smart.Uncovered(c.Scopes, requested); len(missing) > 0 {
		return false, ErrInvalidScope.WithDescription("scope not permitted for this client: " + strings.Join(missing, " "))
	}
	tgr.Scope = strings.Join(requested, " ")
	return true, nil
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
