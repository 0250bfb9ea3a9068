package oauth

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/store"
)

// clientCredentials is grant_type=client_credentials (RFC 6749 section
// 4.4), run by go-oauth2 (newEngine): it parses the request and builds the
// token. The scopes are checked here, with the client in hand.
type clientCredentials struct{ engine *server.Server }

// NewClientCredentials returns the client_credentials grant, minting with
// minter; clients is the store the engine looks clients up in.
func NewClientCredentials(clients store.ClientStore, minter *Minter) Grant {
	return clientCredentials{engine: newEngine(clients, minter)}
}

func (clientCredentials) Type() string { return oauth2.ClientCredentials.String() }

func (g clientCredentials) Issue(ctx context.Context, r *http.Request, c *store.Client) (Issued, error) {
	gt, tgr, err := g.engine.ValidationTokenRequest(r)
	if err != nil {
		return Issued{}, err
	}
	if tgr.Scope, err = permittedScope(c, tgr.Scope); err != nil {
		return Issued{}, err
	}
	ti, err := g.engine.GetAccessToken(ctx, gt, tgr)
	if err != nil {
		return Issued{}, err
	}
	return Issued{AccessToken: ti.GetAccess(), ExpiresIn: ti.GetAccessExpiresIn(), Scope: ti.GetScope()}, nil
}

// permittedScope checks that the requested scopes are covered by the
// client's registered scopes under the SMART grammar (system/*.read covers
// system/Patient.read, .* covers .read). Nothing requested means the
// registered scopes; otherwise the token carries exactly what was
// requested (duplicates removed, order kept).
func permittedScope(c *store.Client, scope string) (string, error) {
	requested := dedupe(strings.Fields(scope))
	if len(requested) == 0 {
		return strings.Join(c.Scopes, " "), nil
	}
	if missing := smart.Uncovered(c.Scopes, requested); len(missing) > 0 {
		return "", ErrInvalidScope.WithDescription("scope not permitted for this client: " + strings.Join(missing, " "))
	}
	return strings.Join(requested, " "), nil
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
