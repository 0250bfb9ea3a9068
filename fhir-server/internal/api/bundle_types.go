package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// bundle is an STU3 Bundle, as answered and as received. Resources stay
// raw JSON so stored bodies are copied, never re-decoded.
type bundle struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Meta         *bundleMeta  `json:"meta,omitempty"`
	Type         string       `json:"type"`
	Total        *int         `json:"total,omitempty"`
	Link         []bundleLink `json:"link,omitempty"`
	Entry        []entry      `json:"entry,omitempty"`
}

type bundleMeta struct {
	LastUpdated string `json:"lastUpdated,omitempty"`
}

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type entry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Search   *entrySearch    `json:"search,omitempty"`
	Request  *entryRequest   `json:"request,omitempty"`
	Response *entryResponse  `json:"response,omitempty"`
}

type entrySearch struct {
	Mode string `json:"mode"`
}

type entryRequest struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	IfMatch     string `json:"ifMatch,omitempty"`
	IfNoneExist string `json:"ifNoneExist,omitempty"`
}

type entryResponse struct {
	Status       string          `json:"status"`
	Location     string          `json:"location,omitempty"`
	ETag         string          `json:"etag,omitempty"`
	LastModified string          `json:"lastModified,omitempty"`
	Outcome      json.RawMessage `json:"outcome,omitempty"`
}

func newBundle(typ string, at time.Time) *bundle {
	return &bundle{ResourceType: "Bundle", ID: randomUUID(), Meta: &bundleMeta{LastUpdated: instant(at)}, Type: typ}
}

func statusLine(code int) string { return fmt.Sprintf("%d %s", code, http.StatusText(code)) }

// encodeBundle is mustJSON(b) with each entry's resource copied as it is:
// encoding/json validates and compacts every json.RawMessage again, a
// quarter of the CPU of a search's answer, while a resource in a Bundle
// the server answers is JSON the server wrote (stored bodies, rendered
// AuditEvents, OperationOutcomes), already compact and valid.
func encodeBundle(b *bundle) []byte {
	head := *b
	head.Entry = nil
	out := mustJSON(&head)
	if len(b.Entry) == 0 {
		return out
	}
	out = append(out[:len(out)-1], `,"entry":[`...) // out ends with the object's '}'
	for i := range b.Entry {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendEntry(out, &b.Entry[i])
	}
	return append(out, "]}"...)
}

// appendEntry appends e as encoding/json would, its fields in their
// declared order, the resource as it is.
func appendEntry(out []byte, e *entry) []byte {
	rest := *e
	rest.FullURL, rest.Resource = "", nil
	tail := mustJSON(&rest) // "{}" or "{...}": the fields after resource
	out = append(out, '{')
	sep := false
	if e.FullURL != "" {
		out = append(append(out, `"fullUrl":`...), mustJSON(e.FullURL)...)
		sep = true
	}
	if len(e.Resource) > 0 {
		if sep {
			out = append(out, ',')
		}
		out = append(append(out, `"resource":`...), e.Resource...)
		sep = true
	}
	if len(tail) > 2 {
		if sep {
			out = append(out, ',')
		}
		out = append(out, tail[1:len(tail)-1]...)
	}
	return append(out, '}')
}
