package api

import (
	"net/http"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// NoSniff makes every response of next carry X-Content-Type-Options:
// nosniff, also those the layers around the Handler write themselves
// (/metrics, CORS preflights, /readyz).
func NoSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fhirerr.NoSniff(w.Header())
		next.ServeHTTP(w, r)
	})
}
