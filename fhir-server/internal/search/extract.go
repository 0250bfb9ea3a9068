package search

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Extractor computes the search-index entries of resources.
type Extractor struct {
	// BaseURL is this server's FHIR base (e.g. http://localhost:8080/STU3).
	// When set, absolute references under it index like relative ones.
	BaseURL string
}

// Extract indexes a decoded resource with no base URL (absolute
// references keep only their URL). See Extractor.Extract.
func Extract(resourceType string, resource map[string]any) ([]IndexEntry, error) {
	return Extractor{}.Extract(resourceType, resource)
}

// ExtractJSON decodes a resource and indexes it.
func (x Extractor) ExtractJSON(resourceType string, data []byte) ([]IndexEntry, error) {
	var res map[string]any
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("search: decode %s: %w", resourceType, err)
	}
	return x.Extract(resourceType, res)
}

// Extract evaluates every search parameter of resourceType on resource
// (decoded JSON; numbers as float64 or json.Number) and returns one entry
// per indexed value. _id and _lastUpdated entries are produced from id and
// meta.lastUpdated when present, so a store that indexes them must set
// meta before extracting. A malformed value (an unparsable date, say) is
// an error naming the parameter.
func (x Extractor) Extract(resourceType string, resource map[string]any) ([]IndexEntry, error) {
	params, ok := paramTable[resourceType]
	if !ok {
		return nil, fmt.Errorf("search: unknown resource type %q", resourceType)
	}
	if rt, _ := resource["resourceType"].(string); rt != "" && rt != resourceType {
		return nil, fmt.Errorf("search: resourceType %q is not %q", rt, resourceType)
	}
	var out []IndexEntry
	for _, p := range params {
		for _, pth := range p.paths {
			for _, n := range evalPath(resource, pth) {
				entries, err := x.entries(p, n)
				if err != nil {
					return nil, fmt.Errorf("search: %s.%s: %w", resourceType, p.Code, err)
				}
				out = append(out, entries...)
			}
		}
	}
	return out, nil
}

// node is one value found by a path, with its FHIR datatype.
type node struct {
	v   any
	typ string
}

// evalPath evaluates a parsed FHIRPath branch on a resource.
func evalPath(res map[string]any, p path) []node {
	nodes := []node{{v: res}}
	for _, s := range p.steps {
		var next []node
		for _, n := range nodes {
			m, ok := n.v.(map[string]any)
			if !ok {
				continue
			}
			if s.choice == nil {
				next = appendFlat(next, m[s.name], "")
				continue
			}
			for _, t := range s.choice {
				next = appendFlat(next, m[s.name+upperFirst(t)], t)
			}
		}
		if s.whereKey != "" {
			next = where(next, s.whereKey, s.whereValue)
		}
		switch {
		case s.is != "" && len(next) > 0:
			next = []node{{v: true, typ: "boolean"}}
		case s.exists:
			next = []node{{v: present(next), typ: "boolean"}}
		}
		nodes = next
	}
	if len(p.types) == 1 {
		for i := range nodes {
			if nodes[i].typ == "" {
				nodes[i].typ = p.types[0]
			}
		}
	}
	return nodes
}

// appendFlat appends v, or each item of v when it is an array.
func appendFlat(dst []node, v any, typ string) []node {
	switch v := v.(type) {
	case nil:
		return dst
	case []any:
		for _, item := range v {
			if item != nil {
				dst = append(dst, node{v: item, typ: typ})
			}
		}
		return dst
	default:
		return append(dst, node{v: v, typ: typ})
	}
}

func where(nodes []node, key, value string) []node {
	var out []node
	for _, n := range nodes {
		if m, ok := n.v.(map[string]any); ok && m[key] == value {
			out = append(out, n)
		}
	}
	return out
}

// present implements exists(), except that a boolean false does not
// count: Patient.deceased.exists() is meant as "marked deceased", and
// deceasedBoolean=false says the opposite.
func present(nodes []node) bool {
	for _, n := range nodes {
		if b, ok := n.v.(bool); !ok || b {
			return true
		}
	}
	return false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
