package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/metrics"
)

// loginPath is where the sign-in form posts (web.LoginPath).
const loginPath = "/login"

// requestID gives the request its id (X-Request-Id when safe, else a new
// one), echoes it in the response and puts it in the request context,
// where the logger (requestid.NewHandler) picks it up.
func (a *api) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request, _ = requestid.Start(c.Writer, c.Request)
		c.Next()
	}
}

// instrument records the request in the metrics by route template (never
// the raw path), and the outcomes read from a finished request: tokens
// issued at /token, failed sign-ins at /login.
func (a *api) instrument() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := a.Now()
		c.Next()
		route, status := c.FullPath(), c.Writer.Status()
		a.Metrics.Request(route, c.Request.Method, status, a.Now().Sub(start))
		if c.Request.Method != http.MethodPost {
			return
		}
		switch route {
		case "/token":
			if status == http.StatusOK {
				if cl, ok := clientauth.FromContext(c.Request.Context()); ok {
					a.Metrics.TokenIssued(c.Request.PostForm.Get("grant_type"), cl.ID)
				}
			}
		case loginPath:
			if reason := loginFailure(status); reason != "" {
				a.Metrics.LoginFailed(reason)
			}
		}
	}
}

// loginFailure names a failed sign-in by the status the form answered.
func loginFailure(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "bad_credentials"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusForbidden:
		return "csrf"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return ""
}

// authFailed records a refused client authentication.
func (a *api) authFailed(reason string) { a.Metrics.ClientAuthFailed(reason) }

// invalidClientReason names a refused secret: unknown client, wrong
// secret, or a secret sent by another method than the registered one.
func invalidClientReason(err error) string {
	switch {
	case errors.Is(err, clientauth.ErrUnknownClient):
		return metrics.ReasonUnknownClient
	case errors.Is(err, clientauth.ErrWrongMethod):
		return metrics.ReasonWrongMethod
	}
	return metrics.ReasonBadSecret
}
