package token

import (
	"errors"
	"fmt"
)

// Reasons a token is refused. Their messages are safe to show a client
// (error_description); Verify returns them wrapped in a *VerifyError whose
// detail is for logs only.
var (
	ErrMalformed       = errors.New("the token is not a well-formed JWT")
	ErrAlgorithm       = errors.New("the token is not signed with RS256")
	ErrMissingKeyID    = errors.New("the token has no kid header")
	ErrUnknownKey      = errors.New("the token is signed by an unknown key")
	ErrKeysUnavailable = errors.New("the signing keys cannot be fetched at the moment")
	ErrSignature       = errors.New("the token signature is invalid")
	ErrTokenType       = errors.New("the token is not an access token (typ at+jwt)")
	ErrIssuer          = errors.New("the token was issued by another issuer")
	ErrAudience        = errors.New("the token is not meant for this server")
	ErrExpired         = errors.New("the token has expired")
	ErrNotYetValid     = errors.New("the token is not valid yet")
	ErrClaims          = errors.New("the token lacks required claims")
	ErrRevoked         = errors.New("the token has been revoked")
)

// VerifyError is the error Verify returns: a client-safe Reason (one of the
// Err values above) and a Detail for the server's logs.
type VerifyError struct {
	Reason error
	Detail string
}

func (e *VerifyError) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Unwrap lets errors.Is match the reason.
func (e *VerifyError) Unwrap() error { return e.Reason }

// Description returns the client-safe text for an error returned by
// Verify, for a WWW-Authenticate error_description. Errors of other kinds
// give a generic text, so internals never leak.
func Description(err error) string {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Reason.Error()
	}
	return "the token is invalid"
}

func refuse(reason error, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}
