package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// unavailableRetryAfter is the Retry-After, in seconds, of every 503 this
// server answers: long enough for a store failover, short enough that a
// client does not give up on a brief outage.
const unavailableRetryAfter = "5"

// retryAfter gives every 503 response a Retry-After header, whoever writes
// it (RFC 6749 error JSON, a browser page, /readyz): it sits first in the
// chain and wraps the writer, so no handler can forget it. A handler that
// sets its own Retry-After keeps it.
func retryAfter() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Writer = retryAfterWriter{c.Writer}
		c.Next()
	}
}

type retryAfterWriter struct{ gin.ResponseWriter }

func (w retryAfterWriter) WriteHeader(status int) {
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", unavailableRetryAfter)
	}
	w.ResponseWriter.WriteHeader(status)
}
