package security

import (
	"errors"
	"net/http"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Metrics is what the Guard reports to the metrics registry
// (*metrics.Metrics implements it).
type Metrics interface {
	// Unauthorized counts a 401 by reason (one of the Reason values).
	Unauthorized(reason string)
	// ScopeRefused counts a 403 for a resource type.
	ScopeRefused(resourceType string)
	// RevocationsStale counts a request refused 503 because the
	// revocation list is stale.
	RevocationsStale()
}

type noMetrics struct{}

func (noMetrics) Unauthorized(string) {}
func (noMetrics) ScopeRefused(string) {}
func (noMetrics) RevocationsStale()   {}

// Reasons of a 401, the label values of the counter.
const (
	ReasonMissing      = "missing_token"
	ReasonMalformed    = "malformed"
	ReasonAlgorithm    = "algorithm"
	ReasonUnknownKey   = "unknown_key"
	ReasonKeysDown     = "keys_unavailable"
	ReasonSignature    = "bad_signature"
	ReasonIssuer       = "wrong_issuer"
	ReasonAudience     = "wrong_audience"
	ReasonExpired      = "expired"
	ReasonNotYetValid  = "not_yet_valid"
	ReasonClaims       = "missing_claims"
	ReasonRevoked      = "revoked"
	ReasonOtherInvalid = "invalid"
)

// unauthorizedReason names the reason of a token the verifier refused.
func unauthorizedReason(err error) string {
	for _, r := range []struct {
		err    error
		reason string
	}{
		{token.ErrMalformed, ReasonMalformed},
		{token.ErrAlgorithm, ReasonAlgorithm},
		{token.ErrMissingKeyID, ReasonUnknownKey},
		{token.ErrUnknownKey, ReasonUnknownKey},
		{token.ErrKeysUnavailable, ReasonKeysDown},
		{token.ErrSignature, ReasonSignature},
		{token.ErrIssuer, ReasonIssuer},
		{token.ErrAudience, ReasonAudience},
		{token.ErrExpired, ReasonExpired},
		{token.ErrNotYetValid, ReasonNotYetValid},
		{token.ErrClaims, ReasonClaims},
		{token.ErrRevoked, ReasonRevoked},
	} {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ReasonOtherInvalid
}

// countRefusal counts a 403 the Guard decided for a.
func (g *Guard) countRefusal(a access.Access, err error) {
	var e *fhirerr.Error
	if errors.As(err, &e) && e.Status == http.StatusForbidden {
		g.metrics.ScopeRefused(a.Type)
	}
}
