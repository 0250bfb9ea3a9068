package security

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Freshness says whether the revocation list is recent enough to rely on
// (token.RevocationFeed implements it). While it is not, the Guard
// answers every request that carries a token 503 rather than accept a
// token that may have been revoked since (fail closed).
type Freshness interface {
	// Current reports whether the last successful poll is recent enough.
	Current() bool
	// RetryAfter is when the next poll is due.
	RetryAfter() time.Duration
}

// revocationsStale answers a token-bearing request while the revocation
// list is stale: 503, Retry-After the next poll.
func revocationsStale(retryAfter time.Duration) *fhirerr.Error {
	secs := max(1, int(math.Ceil(retryAfter.Seconds())))
	return fhirerr.Errorf(http.StatusServiceUnavailable, "transient",
		"the server cannot check whether access tokens were revoked (its revocation list from the authorization server is out of date); try again shortly").
		WithHeader("Retry-After", strconv.Itoa(secs))
}
