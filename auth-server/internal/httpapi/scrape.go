package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/metricsauth"

	"github.com/smartgate/auth-server/internal/oauth"
)

// errMetricsToken answers a scrape without the configured metrics token.
var errMetricsToken = &oauth.Error{
	Code:        "invalid_token",
	Description: "GET /metrics requires Authorization: Bearer with the metrics token",
	Status:      http.StatusUnauthorized,
}

// scrape serves GET /metrics; when metrics.token is set, only to a caller
// presenting it, since the metrics name client ids and their traffic.
func (a *api) scrape() gin.HandlerFunc {
	h, token := a.Metrics.Handler(), a.Config.Metrics.Token
	return func(c *gin.Context) {
		if ok, challenge := metricsauth.Check(c.Request, token); !ok {
			c.Header("WWW-Authenticate", challenge)
			a.abort(c, errMetricsToken)
			return
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
}
