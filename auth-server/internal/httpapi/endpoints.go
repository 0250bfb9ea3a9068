package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/introspection"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/revocation"
)

// token is POST /token; the engine answers.
func (a *api) token(c *gin.Context) {
	a.OAuth.Token(c.Writer, c.Request)
}

// introspect is POST /introspect (RFC 7662). The clients allowed to
// introspect (the protected resources, config.Introspectors) learn about
// any client's tokens; every other authenticated client only about its
// own: a token of another client, like an invalid, expired or revoked one,
// is {"active": false}.
func (a *api) introspect(c *gin.Context) {
	raw := c.Request.PostForm.Get("token")
	if raw == "" {
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("token is required"))
		return
	}
	res, err := a.Introspection.Introspect(c.Request.Context(), raw)
	if err != nil {
		a.Log.ErrorContext(c.Request.Context(), "introspect", "err", err)
		a.abort(c, oauth.ErrTemporarilyUnavailable)
		return
	}
	client, _ := clientauth.FromContext(c.Request.Context())
	if res.Active && res.ClientID != client.ID && !a.introspector[client.ID] {
		res = &introspection.Response{Active: false}
	}
	noStore(c)
	c.JSON(http.StatusOK, res)
}

// revoke is POST /revoke (RFC 7009) for access and refresh tokens: 200
// whether or not the token was valid; only the client the token was
// issued to may revoke it. A confidential client is told when the token is
// another's; a public client, which anyone can name, gets 200 and revokes
// nothing, so it cannot learn which tokens are live.
func (a *api) revoke(c *gin.Context) {
	raw := c.Request.PostForm.Get("token")
	if raw == "" {
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("token is required"))
		return
	}
	client, _ := clientauth.FromContext(c.Request.Context())
	err := a.Revocation.Revoke(c.Request.Context(), client.ID, raw)
	if errors.Is(err, revocation.ErrNotOwner) && oauth.IsPublic(client) {
		err = nil
	}
	switch {
	case errors.Is(err, revocation.ErrNotOwner):
		a.abort(c, oauth.ErrUnauthorizedClient.WithDescription("the token was issued to another client"))
	case err != nil:
		a.Log.ErrorContext(c.Request.Context(), "revoke", "err", err)
		a.abort(c, oauth.ErrTemporarilyUnavailable)
	default:
		noStore(c)
		c.Status(http.StatusOK)
	}
}

// jwks is GET /jwks and /.well-known/jwks.json: public keys only.
func (a *api) jwks(c *gin.Context) {
	body, err := a.Keys.JWKS(c.Request.Context())
	if err != nil {
		a.Log.ErrorContext(c.Request.Context(), "jwks", "err", err)
		a.abort(c, oauth.ErrTemporarilyUnavailable)
		return
	}
	c.Header("Cache-Control", "public, max-age=60")
	c.Data(http.StatusOK, "application/jwk-set+json", body)
}

func (a *api) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz is 503 while the store is unreachable or there is no signing
// key (so no replica is in rotation with an empty JWKS).
func (a *api) readyz(c *gin.Context) {
	if err := a.Store.Ping(c.Request.Context()); err != nil {
		a.Log.WarnContext(c.Request.Context(), "store not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "store": "unreachable"})
		return
	}
	if err := a.Keys.Ready(c.Request.Context()); err != nil {
		a.Log.WarnContext(c.Request.Context(), "signing keys not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "keys": "no signing key"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
