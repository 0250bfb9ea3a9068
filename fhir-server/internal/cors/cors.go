// Package cors answers CORS for the FHIR API, so a browser SMART app can
// call it directly (what "cors": true in the CapabilityStatement
// promises): preflights are answered here, and actual responses carry the
// Access-Control headers. Tokens travel in the Authorization header, so
// credentials (cookies) are never allowed.
package cors

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Allowed request headers: Authorization for the Bearer token, the FHIR
// content types through Content-Type and Accept, and the FHIR REST
// headers.
var allowHeaders = []string{
	"Authorization", "Content-Type", "Accept", "Prefer", "If-Match", "If-None-Match",
	"If-None-Exist", "If-Modified-Since", "X-Requested-With",
}

// Response headers a script may read.
var exposeHeaders = []string{"ETag", "Location", "Content-Location", "Last-Modified", "WWW-Authenticate"}

var allowMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}

// maxAge is how long a browser may cache a preflight answer.
const maxAge = 10 * 60

// Handler wraps next with CORS. origins lists the allowed origins
// (scheme://host[:port]); empty or containing "*" allows any origin.
func Handler(origins []string, next http.Handler) http.Handler {
	anyOrigin := len(origins) == 0 || slices.Contains(origins, "*")
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.TrimRight(strings.ToLower(o), "/")] = true
	}
	methods := strings.Join(allowMethods, ", ")
	headers := strings.Join(allowHeaders, ", ")
	expose := strings.Join(exposeHeaders, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		ok := anyOrigin || allowed[strings.ToLower(origin)]
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if ok {
				setOrigin(h, anyOrigin, origin)
				h.Set("Access-Control-Allow-Methods", methods)
				h.Set("Access-Control-Allow-Headers", headers)
				h.Set("Access-Control-Max-Age", strconv.Itoa(maxAge))
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if ok {
			setOrigin(h, anyOrigin, origin)
			h.Set("Access-Control-Expose-Headers", expose)
		}
		next.ServeHTTP(w, r)
	})
}

func setOrigin(h http.Header, anyOrigin bool, origin string) {
	if anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
}
