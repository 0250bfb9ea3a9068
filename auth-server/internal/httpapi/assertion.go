package httpapi

import (
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/metrics"
	"github.com/smartgate/auth-server/internal/oauth"
)

// authenticateAssertion authenticates a private_key_jwt client (RFC 7523,
// SMART Backend Services) from its client_assertion. Refusals count as
// failed authentications like a wrong secret.
func (a *api) authenticateAssertion(c *gin.Context, addr, assertion string, extractErr error) {
	switch {
	case errors.Is(extractErr, clientauth.ErrMultipleMethods):
		a.authFailed(metrics.ReasonMultipleMethods)
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("use one client authentication method, not several"))
		return
	case extractErr != nil:
		a.authFailed(metrics.ReasonMalformed)
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("client_assertion_type must be "+clientauth.AssertionType+", with client_assertion in the body"))
		return
	case a.Assertions == nil:
		a.authFailed(metrics.ReasonAssertionOff)
		a.abort(c, oauth.ErrInvalidClient.WithDescription("private_key_jwt is not enabled"))
		return
	}
	clientID := c.Request.PostForm.Get("client_id")
	clientKey := ""
	if clientID != "" {
		clientKey = "client:" + clientID
	}
	client, err := a.Assertions.Verify(c.Request.Context(), assertion, clientID)
	var refused *clientauth.AssertionError
	switch {
	case errors.As(err, &refused):
		a.authFailed(metrics.ReasonAssertion)
		a.failClient(c, addr, clientKey, oauth.ErrInvalidClient.WithDescription(refused.Reason))
		return
	case err != nil:
		a.Log.ErrorContext(c.Request.Context(), "client assertion", "err", err)
		a.authFailed(metrics.ReasonUnavailable)
		a.abort(c, oauth.ErrTemporarilyUnavailable.WithDescription("client store unavailable"))
		return
	}
	c.Request = c.Request.WithContext(clientauth.WithClient(c.Request.Context(), client))
	c.Next()
}
