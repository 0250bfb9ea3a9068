package search

import (
	"slices"
	"sort"
)

// ParamDef describes one search parameter of a resource type.
type ParamDef struct {
	Code        string   // e.g. "identifier"
	Kind        Kind     // token, string, date, reference, quantity, uri or number
	URL         string   // canonical URL of the SearchParameter definition
	Description string   // documentation from the definition
	Expression  string   // the FHIRPath expression, for this type only
	Targets     []string // reference targets (reference kind only)

	paths []path // the expression, parsed by the generator
}

// path is one branch of a FHIRPath union: member steps from the resource root.
type path struct {
	steps []step
	types []string // FHIR datatypes of the values at the end of the path
}

// step navigates to the element name. A choice element (value[x]) lists
// its permitted type codes, the JSON property being name + Type.
type step struct {
	name   string
	choice []string
	is     string // .is(T): yields true when the element has type T
	exists bool   // .exists(): yields true when the element is present
	// .where(whereKey='whereValue') keeps the items whose property matches.
	whereKey, whereValue string
}

// Common parameters the store answers from its own columns as well; they
// also appear in every type's table (from the Resource definitions).
const (
	ParamID          = "_id"
	ParamLastUpdated = "_lastUpdated"
)

// Params returns the search parameters of resourceType, sorted by code.
// It returns nil for an unknown type.
func Params(resourceType string) []ParamDef {
	return slices.Clone(paramTable[resourceType])
}

// Param returns the definition of one parameter of resourceType.
func Param(resourceType, code string) (ParamDef, bool) {
	ps := paramTable[resourceType]
	i, ok := slices.BinarySearchFunc(ps, code, func(p ParamDef, c string) int {
		switch {
		case p.Code < c:
			return -1
		case p.Code > c:
			return 1
		}
		return 0
	})
	if !ok {
		return ParamDef{}, false
	}
	return ps[i], true
}

// KnownType reports whether the server holds resources of type t.
func KnownType(t string) bool {
	_, ok := paramTable[t]
	return ok
}

// Types returns the resource types the server holds, sorted.
func Types() []string {
	out := make([]string, 0, len(paramTable))
	for t := range paramTable {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
