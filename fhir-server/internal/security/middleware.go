package security

import (
	"errors"
	"net/http"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
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
	rt, _ := route.Parse(g.basePath, r.Method, r.URL.Path, "")
	return rt.Below && !rt.Open
}
