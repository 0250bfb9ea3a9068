package validate

import (
	"fmt"
	"maps"
	"slices"
)

// flat is one definition with its allOf base chain folded in: every
// property it may hold and every property it requires.
type flat struct {
	props    map[string]any
	required []string
}

// flattener folds the official definitions, each of the shape
// {"allOf": [{"$ref": base}, {"properties": ..., "required": ...}]}, into
// single objects, memoising each definition.
type flattener struct {
	defs map[string]any
	done map[string]flat
	busy []string
}

func (f *flattener) flatten(name string) (flat, error) {
	if fl, ok := f.done[name]; ok {
		return copyFlat(fl), nil
	}
	if slices.Contains(f.busy, name) {
		return flat{}, fmt.Errorf("validate: definition %s is its own base", name)
	}
	def, ok := f.defs[name].(map[string]any)
	if !ok {
		return flat{}, fmt.Errorf("validate: unknown definition %q", name)
	}
	members, ok := def["allOf"].([]any)
	if !ok || len(def) != 1 {
		return flat{}, fmt.Errorf("validate: definition %s is not a bare allOf", name)
	}
	f.busy = append(f.busy, name)
	defer func() { f.busy = f.busy[:len(f.busy)-1] }()

	out := flat{props: map[string]any{}}
	for _, m := range members {
		member, _ := m.(map[string]any)
		if ref, ok := member["$ref"].(string); ok {
			if len(member) != 1 {
				return flat{}, fmt.Errorf("validate: %s: $ref with siblings", name)
			}
			base, err := f.flatten(refName(ref))
			if err != nil {
				return flat{}, err
			}
			out.merge(base.props, base.required)
			continue
		}
		for k := range member {
			if k != "description" && k != "properties" && k != "required" {
				return flat{}, fmt.Errorf("validate: %s: unexpected keyword %q", name, k)
			}
		}
		props, _ := member["properties"].(map[string]any)
		var required []string
		for _, r := range asSlice(member["required"]) {
			if s, ok := r.(string); ok {
				required = append(required, s)
			}
		}
		out.merge(props, required)
	}
	f.done[name] = out
	return copyFlat(out), nil
}

// merge adds properties and requirements; a property already present with
// a different schema must satisfy both (allOf), as it did before folding.
func (fl *flat) merge(props map[string]any, required []string) {
	for k, s := range props {
		old, ok := fl.props[k]
		switch {
		case !ok:
			fl.props[k] = s
		case !sameSchema(old, s):
			fl.props[k] = map[string]any{"allOf": []any{old, s}}
		}
	}
	for _, r := range required {
		if !slices.Contains(fl.required, r) {
			fl.required = append(fl.required, r)
		}
	}
}

func copyFlat(fl flat) flat {
	return flat{props: maps.Clone(fl.props), required: slices.Clone(fl.required)}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
