package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/tokens"
)

// token is POST /token; the engine answers.
func (a *api) token(c *gin.Context) {
	a.OAuth.Token(c.Writer, c.Request)
}

// introspect is POST /introspect (RFC 7662). Any authenticated client may
// introspect; an invalid, expired or revoked token is {"active": false}.
func (a *api) introspect(c *gin.Context) {
	raw := c.Request.PostForm.Get("token")
	if raw == "" {
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("token is required"))
		return
	}
	res, err := a.Tokens.Introspect(c.Request.Context(), raw)
	if err != nil {
		a.Log.ErrorContext(c.Request.Context(), "introspect", "err", err)
		a.abort(c, oauth.ErrTemporarilyUnavailable)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, res)
}

// revoke is POST /revoke (RFC 7009): 200 whether or not the token was
// valid; only the client the token was issued to may revoke it.
func (a *api) revoke(c *gin.Context) {
	raw := c.Request.PostForm.Get("token")
	if raw == "" {
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("token is required"))
		return
	}
	client, _ := clientauth.FromContext(c.Request.Context())
	err := a.Tokens.Revoke(c.Request.Context(), client.ID, raw)
	switch {
	case errors.Is(err, tokens.ErrNotOwner):
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

// readyz is 503 while the store is unreachable.
func (a *api) readyz(c *gin.Context) {
	if err := a.Store.Ping(c.Request.Context()); err != nil {
		a.Log.WarnContext(c.Request.Context(), "store not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "store": "unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
