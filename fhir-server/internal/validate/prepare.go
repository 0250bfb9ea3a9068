package validate

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// resourceList is the schema definition that stands for "any resource".
const resourceList = "ResourceList"

// abstractTypes are listed in the official ResourceList but are not resource
// types an instance can have.
var abstractTypes = []string{"Resource", "DomainResource"}

// integerPatterns are the schema's regexes for integer, unsignedInt and
// positiveInt. The schema sets them on "type": "number", where JSON Schema
// ignores patterns; prepare expresses them as an integer type with a minimum
// (nil: no minimum).
var integerPatterns = map[string]*int{
	`-?([0]|([1-9][0-9]*))`: nil,
	`[0]|([1-9][0-9]*)`:     ptr(0),
	`[1-9][0-9]*`:           ptr(1),
}

func ptr(i int) *int { return &i }

// prepared is the schema document ready to compile, and the concrete
// resource types it defines, sorted.
type prepared struct {
	doc   map[string]any
	types []string
}

// prepare turns the decoded official schema into the document the validator
// compiles; the package comment lists each change and why.
func prepare(official any) (prepared, error) {
	root, ok := official.(map[string]any)
	if !ok {
		return prepared{}, fmt.Errorf("validate: schema is not an object")
	}
	defs, ok := root["definitions"].(map[string]any)
	if !ok {
		return prepared{}, fmt.Errorf("validate: schema has no definitions")
	}
	types, err := concreteTypes(defs)
	if err != nil {
		return prepared{}, err
	}
	for _, def := range defs {
		tighten(def)
	}
	f := flattener{defs: defs, done: map[string]flat{}}
	out := make(map[string]any, len(defs))
	for name := range defs {
		if name == resourceList {
			continue
		}
		fl, err := f.flatten(name)
		if err != nil {
			return prepared{}, err
		}
		if slices.Contains(types, name) {
			fl = withResourceType(fl, name)
		}
		allowNullPlaceholders(fl.props)
		def := map[string]any{
			"type":                 "object",
			"properties":           fl.props,
			"additionalProperties": false,
		}
		if len(fl.required) > 0 {
			def["required"] = toAny(fl.required)
		}
		out[name] = def
	}
	out[resourceList] = dispatch(types)
	return prepared{doc: map[string]any{"definitions": out}, types: types}, nil
}

// concreteTypes lists the resource types named in ResourceList, without the
// abstract ones and without duplicates.
func concreteTypes(defs map[string]any) ([]string, error) {
	list, _ := defs[resourceList].(map[string]any)
	branches, _ := list["oneOf"].([]any)
	if len(branches) == 0 {
		return nil, fmt.Errorf("validate: schema has no %s.oneOf", resourceList)
	}
	var types []string
	for _, b := range branches {
		ref, _ := b.(map[string]any)["$ref"].(string)
		name := refName(ref)
		if _, ok := defs[name]; !ok {
			return nil, fmt.Errorf("validate: %s names unknown definition %q", resourceList, ref)
		}
		if !slices.Contains(abstractTypes, name) && !slices.Contains(types, name) {
			types = append(types, name)
		}
	}
	slices.Sort(types)
	return types, nil
}

// dispatch is the replacement ResourceList: resourceType must name a
// concrete type, and the instance must then be valid against that type,
// which the dispatchKeyword (see dispatch.go) looks up in one step.
func dispatch(types []string) map[string]any {
	refs := make(map[string]any, len(types))
	for _, t := range types {
		refs[t] = "#/definitions/" + t
	}
	return map[string]any{
		"type":          "object",
		"required":      []any{"resourceType"},
		"properties":    map[string]any{"resourceType": map[string]any{"type": "string", "enum": toAny(types)}},
		dispatchKeyword: refs,
	}
}

// withResourceType makes sure a concrete type requires its own resourceType
// (Parameters lacks it in the official schema).
func withResourceType(fl flat, name string) flat {
	if _, ok := fl.props["resourceType"]; !ok {
		fl.props["resourceType"] = map[string]any{"type": "string", "enum": []any{name}}
	}
	if !slices.Contains(fl.required, "resourceType") {
		fl.required = append(fl.required, "resourceType")
	}
	return fl
}

// allowNullPlaceholders lets the arrays of a repeating primitive and of its
// extensions (given and _given) hold null, as FHIR JSON requires to keep the
// two aligned when only some repetitions have a value or an extension.
func allowNullPlaceholders(props map[string]any) {
	for name, s := range props {
		ext, ok := props["_"+name].(map[string]any)
		value, _ := s.(map[string]any)
		if !ok || value["type"] != "array" || ext["type"] != "array" {
			continue
		}
		if items, ok := value["items"].(map[string]any); ok {
			if t, ok := items["type"].(string); ok {
				props[name] = withKey(value, "items", withKey(items, "type", []any{t, "null"}))
			}
		}
		if items, ok := ext["items"].(map[string]any); ok {
			props["_"+name] = withKey(ext, "items", map[string]any{"anyOf": []any{map[string]any{"type": "null"}, items}})
		}
	}
}

// withKey returns a copy of m with key set to v; the schemas are shared
// between definitions, so they are never changed in place here.
func withKey(m map[string]any, key string, v any) map[string]any {
	c := maps.Clone(m)
	c[key] = v
	return c
}

// tighten anchors every pattern in schema s and below it, turns integer
// patterns on numbers into integer types, moves the value set of a
// repeating code from the array to its items, and drops descriptions (mere
// annotations, which only slow compiling). It follows only the keywords the
// official schema uses (allOf, properties, items), so an element that
// happens to be named "pattern" is never mistaken for the keyword.
func tighten(s any) {
	v, ok := s.(map[string]any)
	if !ok {
		return
	}
	delete(v, "description")
	if p, ok := v["pattern"].(string); ok {
		if min, isInt := integerPatterns[p]; isInt && v["type"] == "number" {
			delete(v, "pattern")
			v["type"] = "integer"
			if min != nil {
				v["minimum"] = *min
			}
		} else {
			v["pattern"] = "^(?:" + p + ")$"
		}
	}
	if enum, ok := v["enum"]; ok && v["type"] == "array" {
		// A repeating code (AllergyIntolerance.category, Timing.repeat.when,
		// ...) carries its value set on the array; it belongs to the items.
		if items, ok := v["items"].(map[string]any); ok {
			delete(v, "enum")
			items["enum"] = enum
		}
	}
	if all, ok := v["allOf"].([]any); ok {
		for _, sub := range all {
			tighten(sub)
		}
	}
	if props, ok := v["properties"].(map[string]any); ok {
		for _, sub := range props {
			tighten(sub)
		}
	}
	tighten(v["items"])
}

func refName(ref string) string {
	return ref[strings.LastIndex(ref, "/")+1:]
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// sameSchema reports whether two property schemas are equal apart from
// their descriptions.
func sameSchema(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return reflect.DeepEqual(a, b)
	}
	strip := func(m map[string]any) map[string]any {
		c := make(map[string]any, len(m))
		for k, v := range m {
			if k != "description" {
				c[k] = v
			}
		}
		return c
	}
	return reflect.DeepEqual(strip(am), strip(bm))
}
