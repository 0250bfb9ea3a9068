package bulkexport

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// The kick-off parameters this server supports; any other answers 400.
const (
	paramType         = "_type"
	paramSince        = "_since"
	paramOutputFormat = "_outputFormat"
	paramTypeFilter   = "_typeFilter"
)

// outputFormats are the _outputFormat values meaning NDJSON, the one
// format served.
var outputFormats = map[string]bool{"application/fhir+ndjson": true, "application/ndjson": true, "ndjson": true}

// kickOffParams reads the parameters of a kick-off: the query of a GET,
// the Parameters resource a POST carries (IG 2.0), each value as the
// string it holds.
func kickOffParams(r *http.Request, body []byte) (url.Values, error) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), nil
	}
	if r.URL.RawQuery != "" {
		return nil, invalid("a POST kick-off takes its parameters in a Parameters resource, not in the URL")
	}
	out := url.Values{}
	if len(strings.TrimSpace(string(body))) == 0 {
		return out, nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/fhir+json" && mt != "application/json" {
		return nil, fhirerr.Errorf(http.StatusUnsupportedMediaType, "not-supported", "a POST kick-off takes a Parameters resource as application/fhir+json")
	}
	var ps struct {
		ResourceType string                       `json:"resourceType"`
		Parameter    []map[string]json.RawMessage `json:"parameter"`
	}
	if err := json.Unmarshal(body, &ps); err != nil || ps.ResourceType != "Parameters" {
		return nil, invalid("the body is not a Parameters resource")
	}
	for _, p := range ps.Parameter {
		var name string
		if err := json.Unmarshal(p["name"], &name); err != nil || name == "" {
			return nil, invalid("a parameter has no name")
		}
		value, ok := "", false
		for _, k := range []string{"valueString", "valueCode", "valueInstant", "valueDateTime", "valueUri"} {
			if raw, found := p[k]; found {
				ok = json.Unmarshal(raw, &value) == nil
				break
			}
		}
		if !ok {
			return nil, invalid("parameter %q has no string, code, instant or uri value", name)
		}
		out.Add(name, value)
	}
	return out, nil
}

// since reads _since, an instant with a time zone; zero when absent.
func since(p url.Values) (*time.Time, error) {
	vs := p[paramSince]
	switch {
	case len(vs) == 0:
		return nil, nil
	case len(vs) > 1:
		return nil, invalid("_since is given more than once")
	}
	t, err := time.Parse(time.RFC3339Nano, vs[0])
	if err != nil {
		return nil, invalid("_since %q is not an instant (such as 2024-01-31T12:00:00Z)", vs[0])
	}
	t = t.UTC()
	return &t, nil
}

// checkParams refuses parameters this server does not support and
// output formats other than NDJSON.
func checkParams(p url.Values) error {
	for k, vs := range p {
		switch k {
		case paramType, paramSince, paramTypeFilter:
		case paramOutputFormat:
			for _, v := range vs {
				if !outputFormats[strings.ReplaceAll(v, " ", "+")] {
					return invalid("_outputFormat %q is not supported; this server writes application/fhir+ndjson", v)
				}
			}
		default:
			return fhirerr.Errorf(http.StatusBadRequest, "not-supported", "parameter %q is not supported by this server's $export (supported: _type, _since, _outputFormat, _typeFilter)", k)
		}
	}
	return nil
}

// respondAsync reports whether Prefer asks for respond-async.
func respondAsync(values []string) bool {
	for _, v := range values {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			if strings.EqualFold(strings.TrimSpace(part), "respond-async") {
				return true
			}
		}
	}
	return false
}

// acceptsFHIRJSON reports whether Accept allows the kick-off's answers,
// which are FHIR JSON (an absent Accept means application/fhir+json).
func acceptsFHIRJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "application/fhir+json", "application/json", "*/*", "application/*":
				return true
			}
		}
	}
	return false
}

func invalid(format string, args ...any) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusBadRequest, "invalid", format, args...)
}
