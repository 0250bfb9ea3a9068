package api

import "net/http"

// noStore marks a response that may carry patient data (a resource, a
// Bundle, an OperationOutcome naming one) as not to be kept by any cache,
// HTTP/1.0 ones included.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// noSniff forbids browsers to guess a content type other than the one
// sent (a stored resource or Binary rendered as HTML).
func noSniff(h http.Header) { h.Set("X-Content-Type-Options", "nosniff") }

// NoSniff makes every response of next carry X-Content-Type-Options:
// nosniff, also those the layers around the Handler write themselves
// (/metrics, CORS preflights, /readyz).
func NoSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noSniff(w.Header())
		next.ServeHTTP(w, r)
	})
}
