// Package requestid gives every HTTP request an id: the caller's
// X-Request-Id when it is short and safe, a fresh random one otherwise.
// The id travels in the request context, is echoed in the response header
// and is added to every log record written with that context (see
// NewHandler), so one request's lines can be found across components.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

// Header is the request and response header carrying the id.
const Header = "X-Request-Id"

// Attr is the slog attribute key of the id.
const Attr = "request_id"

// MaxLen bounds an accepted incoming id.
const MaxLen = 64

// Valid reports whether s is acceptable as a request id: 1 to 64
// characters of [A-Za-z0-9._-]. Anything else (too long, spaces, control
// characters, quotes) could forge or break log lines and is replaced.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > MaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// New returns a fresh random id (32 hex digits).
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// FromRequest returns the id to use for r: its X-Request-Id when Valid,
// else a new one.
func FromRequest(r *http.Request) string {
	if id := r.Header.Get(Header); Valid(id) {
		return id
	}
	return New()
}

type ctxKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the id ctx carries, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Start assigns r its id: it sets the response header and returns r with
// the id in its context. An id already in the context (an outer layer ran
// Start) is kept.
func Start(w http.ResponseWriter, r *http.Request) (*http.Request, string) {
	if id := From(r.Context()); id != "" {
		return r, id
	}
	id := FromRequest(r)
	w.Header().Set(Header, id)
	return r.WithContext(With(r.Context(), id)), id
}

// Middleware runs Start before next.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = Start(w, r)
		next.ServeHTTP(w, r)
	})
}

// Logger returns log with the id of ctx as an attribute, for code that
// logs without a context; log itself when ctx carries none.
func Logger(ctx context.Context, log *slog.Logger) *slog.Logger {
	if id := From(ctx); id != "" && log != nil {
		return log.With(Attr, id)
	}
	return log
}
