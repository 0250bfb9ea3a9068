package metrics

import (
	"net/http"

	"github.com/smartgate/fhir-server/internal/route"
)

// Route names the template of a request path, the label of the request
// metrics: the FHIR routes by route.Parse's template ([base]/{type}/{id}
// ...), the server's own paths by themselves, anything else "unmatched".
// Every value comes from a fixed set, never from the path itself, which
// bounds the label.
func Route(basePath, path string) string {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return path
	}
	r, _ := route.Parse(basePath, http.MethodGet, path, "")
	if !r.Below {
		return "unmatched"
	}
	return r.Template
}
