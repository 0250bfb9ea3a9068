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
	"github.com/smartgate/auth-server/internal/ratelimit"
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
		wait, blocked, err := a.perAddress.Blocked(c.Request.Context(), addr)
		if err != nil && !gone(c) {
			a.Log.WarnContext(c.Request.Context(), "rate limit unreadable", "err", err)
		}
		if blocked {
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
			a.countFailure(c, a.perAddress, addr)
			a.abort(c, oauth.ErrInvalidClient.WithDescription("malformed Basic authorization header"))
			return
		case errors.Is(err, clientauth.ErrNoCredentials):
			if a.publicClient(c, cr.ClientID) {
				return
			}
			a.countFailure(c, a.perAddress, addr)
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
		if err != nil && gone(c) {
			// Not the store's fault: the client went away (under load, most
			// likely) while its client was looked up; nobody reads this.
			a.Log.InfoContext(c.Request.Context(), "client authentication: the client went away", "err", err)
			a.abort(c, oauth.ErrTemporarilyUnavailable)
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
	a.countFailure(c, a.perAddress, addr)
	if wait, over := a.countFailure(c, a.perClient, clientKey); over {
		a.tooMany(c, wait)
		return
	}
	a.abort(c, refusal)
}

// countFailure records a failure of key; over when key had already
// reached its limit. A store that cannot count is logged, not fatal: the
// request's own store access answers 503 then.
func (a *api) countFailure(c *gin.Context, l *ratelimit.Limiter, key string) (time.Duration, bool) {
	wait, over, err := l.Fail(c.Request.Context(), key)
	if err != nil && !gone(c) {
		a.Log.WarnContext(c.Request.Context(), "rate limit not counted", "err", err)
	}
	return wait, over
}

// gone reports a request whose client went away (or whose server is
// shutting down): store errors then are its context's, not the store's.
func gone(c *gin.Context) bool { return c.Request.Context().Err() != nil }

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
