package oauth

import (
	"encoding/json"
	"errors"
	"net/http"

	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// Realm is the Basic-auth realm named in WWW-Authenticate.
const Realm = "smartgate"

// Error is an RFC 6749 section 5.2 error: a value, refined with
// WithDescription, rendered by WriteError.
type Error struct {
	Code        string
	Description string
	Status      int
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// WithDescription returns a copy with another description.
func (e *Error) WithDescription(d string) *Error {
	c := *e
	c.Description = d
	return &c
}

// WithStatus returns a copy with another HTTP status.
func (e *Error) WithStatus(s int) *Error {
	c := *e
	c.Status = s
	return &c
}

// Is lets errors.Is match copies refined from the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The RFC 6749 errors (and RFC 7009's unsupported_token_type). Only
// invalid_client is 401.
var (
	ErrInvalidRequest         = &Error{Code: "invalid_request", Status: http.StatusBadRequest}
	ErrInvalidClient          = &Error{Code: "invalid_client", Description: "client authentication failed", Status: http.StatusUnauthorized}
	ErrInvalidGrant           = &Error{Code: "invalid_grant", Status: http.StatusBadRequest}
	ErrUnauthorizedClient     = &Error{Code: "unauthorized_client", Description: "the client may not use this grant type", Status: http.StatusBadRequest}
	ErrUnsupportedGrantType   = &Error{Code: "unsupported_grant_type", Description: "the grant type is not supported", Status: http.StatusBadRequest}
	ErrInvalidScope           = &Error{Code: "invalid_scope", Status: http.StatusBadRequest}
	ErrAccessDenied           = &Error{Code: "access_denied", Status: http.StatusForbidden}
	ErrUnsupportedTokenType   = &Error{Code: "unsupported_token_type", Status: http.StatusBadRequest}
	ErrServerError            = &Error{Code: "server_error", Description: "internal error", Status: http.StatusInternalServerError}
	ErrTemporarilyUnavailable = &Error{Code: "temporarily_unavailable", Status: http.StatusServiceUnavailable}
	ErrTooManyRequests        = &Error{Code: "invalid_request", Description: "too many failed client authentications; retry later", Status: http.StatusTooManyRequests}
	ErrBodyTooLarge           = &Error{Code: "invalid_request", Description: "request body too large", Status: http.StatusRequestEntityTooLarge}
)

// goOAuth2Errors maps the engine's sentinel errors to ours, with RFC 6749
// statuses (the engine answers 401 for several 400 cases).
var goOAuth2Errors = map[error]*Error{
	oerrors.ErrInvalidRequest:          ErrInvalidRequest,
	oerrors.ErrUnauthorizedClient:      ErrUnauthorizedClient,
	oerrors.ErrAccessDenied:            ErrAccessDenied,
	oerrors.ErrUnsupportedResponseType: {Code: "unsupported_response_type", Status: http.StatusBadRequest},
	oerrors.ErrInvalidScope:            ErrInvalidScope,
	oerrors.ErrServerError:             ErrServerError,
	oerrors.ErrTemporarilyUnavailable:  ErrTemporarilyUnavailable,
	oerrors.ErrInvalidClient:           ErrInvalidClient,
	oerrors.ErrInvalidGrant:            ErrInvalidGrant,
	oerrors.ErrUnsupportedGrantType:    ErrUnsupportedGrantType,
	oerrors.ErrInvalidRedirectURI:      ErrInvalidGrant.WithDescription("redirect_uri does not match the authorization request"),
	oerrors.ErrInvalidAuthorizeCode:    ErrInvalidGrant.WithDescription("invalid authorization code"),
	oerrors.ErrInvalidRefreshToken:     ErrInvalidGrant.WithDescription("invalid refresh token"),
	oerrors.ErrExpiredRefreshToken:     ErrInvalidGrant.WithDescription("expired refresh token"),
	oerrors.ErrMissingCodeVerifier:     ErrInvalidGrant.WithDescription("code_verifier is required"),
	oerrors.ErrMissingCodeChallenge:    ErrInvalidGrant.WithDescription("code_verifier given but no code_challenge was sent"),
	oerrors.ErrInvalidCodeChallenge:    ErrInvalidGrant.WithDescription("code_verifier does not match the code_challenge"),
}

// Normalize turns any error into one of ours: our values pass through,
// go-oauth2's are mapped to RFC 6749 codes and statuses, anything else is
// a server_error (and should be logged by the caller).
func Normalize(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e, ok := goOAuth2Errors[err]; ok {
		return e
	}
	// go-oauth2 reuses the text "invalid_request" for several PKCE errors.
	if err != nil && err.Error() == "invalid_request" {
		return ErrInvalidRequest.WithDescription(oerrors.Descriptions[err])
	}
	return ErrServerError
}

// WriteError renders err as RFC 6749 error JSON, the only place that does.
// invalid_client at 401 carries WWW-Authenticate: Basic; a caller that
// answers another 401 (a Bearer challenge) sets its own header first.
func WriteError(w http.ResponseWriter, err error) {
	e := Normalize(err)
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Status == http.StatusUnauthorized && e.Code == ErrInvalidClient.Code {
		h.Set("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
	}
	body := struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// engineResponse converts an error to go-oauth2's response form, for its
// ResponseErrorHandler and InternalErrorHandler (used by any flow that
// lets the engine render, e.g. the authorization endpoint's redirects).
func engineResponse(err error) *oerrors.Response {
	e := Normalize(err)
	return &oerrors.Response{Error: errors.New(e.Code), Description: e.Description, StatusCode: e.Status}
}

// fixStatus is the engine's ResponseErrorHandler: whatever produced the
// response, its status follows RFC 6749 section 5.2 (only invalid_client
// is 401).
func fixStatus(re *oerrors.Response) {
	if re.Error == nil {
		return
	}
	switch re.Error.Error() {
	case "invalid_client":
		re.StatusCode = http.StatusUnauthorized
	case "access_denied":
		re.StatusCode = http.StatusForbidden
	case "server_error":
		re.StatusCode = http.StatusInternalServerError
	case "temporarily_unavailable":
		re.StatusCode = http.StatusServiceUnavailable
	default:
		re.StatusCode = http.StatusBadRequest
	}
}
