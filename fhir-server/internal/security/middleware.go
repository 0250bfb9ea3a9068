package security

import (
	"errors"
	"net/http"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Middleware requires a valid Bearer token on every request below the
// FHIR base path except the open routes ([base]/metadata and
// [base]/.well-known/smart-configuration): without one it answers 401
// before the API sees the request. The verified claims go into the
// request's Record (attached here when no outer handler attached one), so
// the Guard and the audit recorder read them without verifying again.
// Requests outside the base path (/healthz, /readyz) pass untouched.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.Protected(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, _ := Attach(r.Context())
		r = r.WithContext(ctx)
		if _, err := g.authenticate(ctx, r); err != nil {
			var e *fhirerr.Error
			if !errors.As(err, &e) {
				e = fhirerr.Errorf(http.StatusInternalServerError, "exception", "internal server error")
			}
			fhirerr.Write(w, e)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Protected reports whether r needs a token: it lies below the base path
// and is not one of the open routes.
func (g *Guard) Protected(r *http.Request) bool {
	segs, ok := BelowBase(g.basePath, r.URL.Path)
	return ok && !OpenRoute(segs)
}

// BelowBase returns the non-empty path segments of p below basePath, and
// whether p lies below (or at) basePath.
func BelowBase(basePath, p string) ([]string, bool) {
	if basePath != "" {
		rest, ok := strings.CutPrefix(p, basePath)
		if !ok || rest != "" && rest[0] != '/' {
			return nil, false
		}
		p = rest
	}
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs, true
}

// OpenRoute reports whether the segments below the base name a route
// served without a token: metadata and the SMART configuration.
func OpenRoute(segs []string) bool {
	switch {
	case len(segs) == 1 && segs[0] == "metadata":
		return true
	case len(segs) == 2 && segs[0] == ".well-known" && segs[1] == "smart-configuration":
		return true
	}
	return false
}
