package main

import (
	"fmt"
	"slices"
	"strings"
)

// element is what the generator needs of an ElementDefinition.
type element struct {
	Types      []string `json:"types,omitempty"`
	ContentRef string   `json:"contentReference,omitempty"`
}

// resolvedStep is a step with its choice types made explicit.
type resolvedStep struct {
	Name       string
	Choice     []string // type codes of a choice element (JSON key name+Type), nil otherwise
	Is         string
	Exists     bool
	WhereKey   string
	WhereValue string
}

// resolvedPath is a union branch resolved against the element table.
type resolvedPath struct {
	Steps []resolvedStep
	Types []string // datatypes of the values the path yields
}

// resolver walks parsed paths through element definitions, recording the
// elements it visits (the trim step keeps exactly those).
type resolver struct {
	elements map[string]element
	visited  map[string]bool
}

// resolve resolves one branch for resourceType (the root may be the type
// itself, Resource or DomainResource).
func (r *resolver) resolve(resourceType string, p parsedPath) (resolvedPath, error) {
	ctx := resourceType
	var out resolvedPath
	var types []string
	for i, s := range p.Steps {
		key := ctx + "." + s.Name
		el, ok := r.elements[key]
		choice := false
		if !ok {
			key += "[x]"
			el, ok = r.elements[key]
			choice = true
		}
		if !ok {
			return out, fmt.Errorf("unknown element %s.%s", ctx, s.Name)
		}
		r.visited[key] = true
		types = el.Types
		if el.ContentRef != "" {
			types = []string{"BackboneElement"}
			key = strings.TrimPrefix(el.ContentRef, "#")
		}
		rs := resolvedStep{Name: s.Name, Exists: s.Exists, WhereKey: s.WhereKey, WhereValue: s.WhereValue}
		if s.As != "" {
			types = filterFold(types, s.As)
		}
		if s.Is != "" {
			types = filterFold(types, s.Is)
			if len(types) == 1 {
				rs.Is = types[0]
			}
		}
		if len(types) == 0 {
			return out, fmt.Errorf("%s has no type %s%s", key, s.As, s.Is)
		}
		if choice {
			rs.Choice = types
		}
		out.Steps = append(out.Steps, rs)
		if s.Is != "" || s.Exists {
			types = []string{"boolean"}
			if i != len(p.Steps)-1 {
				return out, fmt.Errorf("navigation after a boolean in %s", key)
			}
			break
		}
		if i == len(p.Steps)-1 {
			break
		}
		switch {
		case len(types) != 1:
			return out, fmt.Errorf("navigation through the choice %s without as()", key)
		case types[0] == "BackboneElement" || types[0] == "Element":
			ctx = key
		default:
			ctx = types[0]
		}
	}
	out.Types = types
	return out, nil
}

func filterFold(types []string, want string) []string {
	var out []string
	for _, t := range types {
		if strings.EqualFold(t, want) {
			out = append(out, t)
		}
	}
	return out
}

// supported lists, per search kind, the datatypes the extractor indexes.
// Paths yielding only other datatypes are skipped (e.g. Location.position
// for near, which needs geographic search).
var supported = map[string][]string{
	"token":     {"Coding", "CodeableConcept", "Identifier", "ContactPoint", "code", "boolean", "string", "id", "uri"},
	"string":    {"string", "markdown", "HumanName", "Address"},
	"date":      {"date", "dateTime", "instant", "Period", "Timing"},
	"reference": {"Reference", "uri"},
	"quantity":  {"Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "Money", "Range"},
	"number":    {"integer", "decimal", "positiveInt", "unsignedInt", "Duration"},
	"uri":       {"uri"},
}

// narrow keeps the datatypes the kind supports; ok is false when none is left.
func narrow(kind string, p resolvedPath) (resolvedPath, bool) {
	var keep []string
	for _, t := range p.Types {
		if slices.Contains(supported[kind], t) {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		return p, false
	}
	p.Types = keep
	last := &p.Steps[len(p.Steps)-1]
	if last.Choice != nil && last.Is == "" && !last.Exists {
		last.Choice = keep
	}
	return p, true
}
