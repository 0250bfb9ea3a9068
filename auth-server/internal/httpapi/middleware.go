package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/oauth"
)

// logRequests logs method, path (never the query, which may carry
// credentials), status, duration, source address and authenticated client.
func (a *api) logRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := a.Now()
		c.Next()
		attrs := []any{
			"method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
			"duration", a.Now().Sub(start), "remote", c.ClientIP(),
		}
		if cl, ok := clientauth.FromContext(c.Request.Context()); ok {
			attrs = append(attrs, "client_id", cl.ID)
		}
		a.Log.InfoContext(c.Request.Context(), "request", attrs...)
	}
}

// recover turns a panic into a logged server_error.
func (a *api) recover() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				a.Log.ErrorContext(c.Request.Context(), "panic", "panic", p, "path", c.Request.URL.Path)
				c.Abort()
				oauth.WriteError(c.Writer, oauth.ErrServerError)
			}
		}()
		c.Next()
	}
}

// limitBody refuses bodies above the configured size: at once when the
// declared length is too large, else when reading crosses the limit (the
// form parser then reports *http.MaxBytesError, see parseForm).
func (a *api) limitBody() gin.HandlerFunc {
	limit := a.Config.HTTP.MaxBodyBytes
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			c.Abort()
			oauth.WriteError(c.Writer, oauth.ErrBodyTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// parseForm parses the body (form-urlencoded) and query; it answers and
// returns false on an oversized or malformed body.
func parseForm(c *gin.Context) bool {
	if c.Request.PostForm != nil {
		return true
	}
	if err := c.Request.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			oauth.WriteError(c.Writer, oauth.ErrBodyTooLarge)
		} else {
			oauth.WriteError(c.Writer, oauth.ErrInvalidRequest.WithDescription("malformed form body"))
		}
		c.Abort()
		return false
	}
	return true
}

// cors answers CORS for browser apps: configured origins (default any),
// never with credentials; preflight requests end here with 204.
func (a *api) cors() gin.HandlerFunc {
	any := false
	allowed := map[string]bool{}
	for _, o := range a.Config.HTTP.CORSAllowedOrigins {
		if o == "*" {
			any = true
		}
		allowed[strings.TrimRight(o, "/")] = true
	}
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		preflight := c.Request.Method == http.MethodOptions
		if origin == "" || (!any && !allowed[origin]) {
			if preflight {
				c.AbortWithStatus(http.StatusNoContent) // no CORS headers: the browser refuses
			}
			return
		}
		h := c.Writer.Header()
		if any {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
		}
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After")
		if preflight {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
			h.Set("Access-Control-Max-Age", strconv.Itoa(int((time.Hour).Seconds())))
			c.AbortWithStatus(http.StatusNoContent)
		}
	}
}
