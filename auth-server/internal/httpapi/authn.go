package httpapi

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/metrics"
	"github.com/smartgate/auth-server/internal/oauth"
)

// authenticateClient authenticates the client (Basic or post) before any
// handler runs and puts it in the request context. Failed attempts are
// counted per client id and per source address. An address over its limit
// is answered 429 before its credentials are checked (it is the guesser's
// own source). A client id over its limit answers 429 only to further
// failures: the right credentials still pass, so nobody can lock a client
// out by failing on purpose, and successful traffic is never slowed.
func (a *api) authenticateClient() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !parseForm(c) {
			return
		}
		addr := "addr:" + c.ClientIP()
		if wait, blocked := a.perAddress.Blocked(addr); blocked {
			a.authFailed(metrics.ReasonRateLimited)
			a.tooMany(c, wait)
			return
		}
		if assertion, ok, err := clientauth.ExtractAssertion(c.Request); ok {
			a.authenticateAssertion(c, addr, assertion, err)
			return
		}
		cr, err := clientauth.Extract(c.Request)
		clientKey := ""
		if cr.ClientID != "" {
			clientKey = "client:" + cr.ClientID
		}
		switch {
		case errors.Is(err, clientauth.ErrSecretInURL):
			a.authFailed(metrics.ReasonSecretInURL)
			a.abort(c, oauth.ErrInvalidRequest.WithDescription("client_secret must not be sent in the URL"))
			return
		case errors.Is(err, clientauth.ErrMultipleMethods):
			a.authFailed(metrics.ReasonMultipleMethods)
			a.abort(c, oauth.ErrInvalidRequest.WithDescription("use one client authentication method, not several"))
			return
		case errors.Is(err, clientauth.ErrMalformed):
			a.authFailed(metrics.ReasonMalformed)
			a.abort(c, oauth.ErrInvalidRequest.WithDescription("malformed client credentials"))
			return
		case errors.Is(err, clientauth.ErrBadBasic):
			a.authFailed(metrics.ReasonBadBasic)
			a.perAddress.Fail(addr)
			a.abort(c, oauth.ErrInvalidClient.WithDescription("malformed Basic authorization header"))
			return
		case errors.Is(err, clientauth.ErrNoCredentials):
			if a.publicClient(c, cr.ClientID) {
				return
			}
			a.perAddress.Fail(addr)
			a.authFailed(metrics.ReasonMissing)
			a.abort(c, oauth.ErrInvalidClient.WithDescription("client authentication required"))
			return
		case err != nil:
			a.authFailed(metrics.ReasonMalformed)
			a.abort(c, oauth.ErrInvalidRequest)
			return
		}
		client, err := clientauth.Authenticate(c.Request.Context(), a.Store, cr)
		if errors.Is(err, clientauth.ErrInvalidClient) {
			a.authFailed(invalidClientReason(err))
			a.failClient(c, addr, clientKey, oauth.ErrInvalidClient)
			return
		}
		if err != nil {
			a.Log.ErrorContext(c.Request.Context(), "client authentication", "err", err)
			a.authFailed(metrics.ReasonUnavailable)
			a.abort(c, oauth.ErrTemporarilyUnavailable.WithDescription("client store unavailable"))
			return
		}
		c.Request = c.Request.WithContext(clientauth.WithClient(c.Request.Context(), client))
		c.Next()
	}
}

// failClient counts a failed authentication and answers it: 429 once the
// client id is over its limit, else refusal.
func (a *api) failClient(c *gin.Context, addr, clientKey string, refusal error) {
	a.perAddress.Fail(addr)
	if clientKey != "" {
		wait, blocked := a.perClient.Blocked(clientKey)
		a.perClient.Fail(clientKey)
		if blocked {
			a.tooMany(c, wait)
			return
		}
	}
	a.abort(c, refusal)
}

func (a *api) tooMany(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	a.abort(c, oauth.ErrTooManyRequests)
}

func (a *api) abort(c *gin.Context, err error) {
	c.Abort()
	oauth.WriteError(c.Writer, err)
}

// status helpers for handlers that answer JSON themselves.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
}
