package oauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// The engine's errors map to RFC 6749 codes and statuses: only
// invalid_client is 401; the engine's own table says 401 for three more.
func TestNormalizeEngineErrors(t *testing.T) {
	cases := []struct {
		in     error
		code   string
		status int
	}{
		{oerrors.ErrInvalidGrant, "invalid_grant", 400},
		{oerrors.ErrUnsupportedGrantType, "unsupported_grant_type", 400},
		{oerrors.ErrUnauthorizedClient, "unauthorized_client", 400},
		{oerrors.ErrUnsupportedResponseType, "unsupported_response_type", 400},
		{oerrors.ErrInvalidClient, "invalid_client", 401},
		{oerrors.ErrInvalidRedirectURI, "invalid_grant", 400}, // the engine would answer 500
		{oerrors.ErrMissingCodeVerifier, "invalid_grant", 400},
		{oerrors.ErrCodeChallengeRquired, "invalid_request", 400},
		{oerrors.ErrInvalidScope, "invalid_scope", 400},
		{ErrInvalidScope.WithDescription("x"), "invalid_scope", 400},
		{http.ErrHandlerTimeout, "server_error", 500},
	}
	for _, c := range cases {
		got := Normalize(c.in)
		if got.Code != c.code || got.Status != c.status {
			t.Errorf("Normalize(%v) = %s %d, want %s %d", c.in, got.Code, got.Status, c.code, c.status)
		}
	}
}

// The engine's own renderer, used by flows that let it answer, gets the
// same statuses through fixStatus.
func TestFixStatus(t *testing.T) {
	for code, want := range map[string]int{"invalid_grant": 400, "unsupported_grant_type": 400, "unauthorized_client": 400, "invalid_client": 401, "server_error": 500} {
		re := &oerrors.Response{Error: oerrors.New(code), StatusCode: 401}
		fixStatus(re)
		if re.StatusCode != want {
			t.Errorf("%s: %d, want %d", code, re.StatusCode, want)
		}
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, ErrInvalidClient)
	if w.Code != 401 || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Basic realm="`) ||
		w.Header().Get("Cache-Control") != "no-store" || !strings.Contains(w.Body.String(), `"error":"invalid_client"`) {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	WriteError(w, ErrInvalidRequest.WithDescription("grant_type is required"))
	if w.Code != 400 || w.Header().Get("WWW-Authenticate") != "" || !strings.Contains(w.Body.String(), `"error_description":"grant_type is required"`) {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
}
