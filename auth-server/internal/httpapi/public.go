package httpapi

import (
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
)

// publicClient accepts, at the token and revocation endpoints only, a
// request that names a public client (token_endpoint_auth_method none) by
// client_id without credentials. The token endpoint then lets it use only
// the authorization-code and refresh-token grants (the code grant's PKCE
// check stands in for its authentication); the revocation endpoint lets it
// revoke only its own tokens (RFC 7009 section 2.1), possession of the
// token being what authorizes that.
func (a *api) publicClient(c *gin.Context, clientID string) bool {
	if (c.FullPath() != "/token" && c.FullPath() != "/revoke") || clientID == "" {
		return false
	}
	client, err := a.Store.GetClient(c.Request.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !oauth.IsPublic(client)) {
		return false
	}
	if err != nil {
		a.Log.ErrorContext(c.Request.Context(), "client lookup", "err", err)
		a.abort(c, oauth.ErrTemporarilyUnavailable.WithDescription("client store unavailable"))
		return true
	}
	c.Request = c.Request.WithContext(clientauth.WithClient(c.Request.Context(), client))
	c.Next()
	return true
}
