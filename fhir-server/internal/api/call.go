package api

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// call is one interaction to perform, from an HTTP request or from an
// entry of a batch or transaction Bundle. resolve fills the target;
// prepare parses the body and the query.
type call struct {
	method      string
	interaction route.Interaction
	typ, id     string
	version     int64      // vread
	params      url.Values // query (and form body of POST _search)

	body        []byte         // request body, for create and update
	contentType string         // of body
	resource    map[string]any // parsed body, for create and update

	query  *search.Query  // search and conditional create
	issues []search.Issue // unknown search parameters (lenient)

	// Read and vread: _summary and _elements.
	summary  string
	elements []string

	ifMatch     string
	ifNoneExist string
	prefer      prefer

	// Transactions: the id a create was given before the entries ran (so
	// references to it could be rewritten), and the resource a
	// conditional create found instead.
	assignedID string
	matched    *store.Resource
	fullURL    string
	// txCreates holds every resource the transaction creates (shared by
	// its calls), which a compartment-confined write may point at.
	txCreates map[store.Ref]bool

	// Updates of a transaction: the current version looked up for all
	// entries at once (prefetched; current nil when the resource does
	// not exist), instead of a Read per entry.
	prefetched bool
	current    *store.Current
}

// newCall is the call of a route.
func newCall(method string, r route.Route) *call {
	return &call{method: method, interaction: r.Interaction, typ: r.Type, id: r.ID, version: r.Version}
}

// prefer is the parsed Prefer header.
type prefer struct {
	ret    string // minimal, representation, OperationOutcome
	strict bool   // handling=strict
}

func parsePrefer(values []string) prefer {
	var p prefer
	for _, v := range values {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "return":
				p.ret = val
			case "handling":
				p.strict = strings.EqualFold(val, "strict")
			}
		}
	}
	return p
}

// parseETag reads W/"3", "3" or 3 as a version.
func parseETag(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}

func etag(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }
