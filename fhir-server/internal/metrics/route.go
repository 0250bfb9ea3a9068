package metrics

import "strings"

// Route names the template of a request path, the label of the request
// metrics: the API serves everything below the base path from one
// catch-all gin route, so the template is derived from the FHIR URL
// grammar instead ([base]/{type}/{id} ...). Every value comes from a
// fixed set, never from the path itself, which bounds the label.
func Route(basePath, path string) string {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return path
	}
	rest, ok := strings.CutPrefix(path, basePath)
	if basePath != "" && (!ok || rest != "" && rest[0] != '/') {
		return "unmatched"
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	switch {
	case len(segs) == 0:
		return "[base]"
	case len(segs) == 1 && segs[0] == "metadata":
		return "[base]/metadata"
	case len(segs) == 2 && segs[0] == ".well-known" && segs[1] == "smart-configuration":
		return "[base]/.well-known/smart-configuration"
	case segs[0] == "_history" && len(segs) == 1:
		return "[base]/_history"
	case strings.HasPrefix(segs[0], "_") || strings.HasPrefix(segs[0], "$") || strings.HasPrefix(segs[0], "."):
		return "[base]/other"
	}
	switch len(segs) {
	case 1:
		return "[base]/{type}"
	case 2:
		switch segs[1] {
		case "_search":
			return "[base]/{type}/_search"
		case "_history":
			return "[base]/{type}/_history"
		}
		return "[base]/{type}/{id}"
	case 3:
		if segs[2] == "_history" {
			return "[base]/{type}/{id}/_history"
		}
	case 4:
		if segs[2] == "_history" {
			return "[base]/{type}/{id}/_history/{vid}"
		}
	}
	return "[base]/other"
}
