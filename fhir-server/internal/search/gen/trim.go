package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// trim reads the full STU3 definitions from src and writes the trimmed
// inputs into dir: the parameters of our types (expressions and bases cut
// to those types), the element types their expressions walk through, and
// CompartmentDefinition/patient restricted to our types.
func trim(src, dir string) error {
	all, err := readParams(filepath.Join(src, "search-parameters.json"))
	if err != nil {
		return err
	}
	var kept []searchParam
	for _, sp := range all {
		if sp2, ok := trimParam(sp); ok {
			kept = append(kept, sp2)
		}
	}
	elements, comp, err := readDefinitions(src)
	if err != nil {
		return err
	}
	extra, err := readParams(filepath.Join(dir, extraFile))
	if err != nil {
		return err
	}
	r := &resolver{elements: elements, visited: map[string]bool{}}
	if _, err := build(append(kept, extra...), r); err != nil {
		return err
	}
	used := map[string]element{}
	for k := range r.visited {
		used[k] = elements[k]
	}
	if err := writeBundle(filepath.Join(dir, paramsFile), kept); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, elementsFile), used); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, compartmentFile), comp); err != nil {
		return err
	}
	summary, err := readSummary(src)
	if err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, summaryFile), summary); err != nil {
		return err
	}
	s, err := readStructures(src)
	if err != nil {
		return err
	}
	return writeStructures(filepath.Join(dir, structureFile), s)
}

// readSummary lists, for each of our types, the top-level elements of its
// base StructureDefinition marked isSummary or isModifier: what
// _summary=true keeps (a modifier is kept so that a summary never drops
// what changes the meaning of the rest). Choice elements keep their
// "[x]" suffix.
func readSummary(src string) (map[string][]string, error) {
	var b bundle
	if err := readJSON(filepath.Join(src, "profiles-resources.json"), &b); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range b.Entry {
		var sd struct {
			ResourceType, ID, Derivation string
			Snapshot                     struct {
				Element []struct {
					Path       string `json:"path"`
					IsSummary  bool   `json:"isSummary"`
					IsModifier bool   `json:"isModifier"`
				} `json:"element"`
			} `json:"snapshot"`
		}
		if err := json.Unmarshal(e.Resource, &sd); err != nil {
			return nil, err
		}
		if sd.ResourceType != "StructureDefinition" || sd.Derivation == "constraint" || !slices.Contains(types, sd.ID) {
			continue
		}
		for _, el := range sd.Snapshot.Element {
			name, ok := strings.CutPrefix(el.Path, sd.ID+".")
			if ok && !strings.Contains(name, ".") && (el.IsSummary || el.IsModifier) {
				out[sd.ID] = append(out[sd.ID], name)
			}
		}
	}
	return out, nil
}

// trimParam cuts a parameter to our types; ok is false when none is left.
func trimParam(sp searchParam) (searchParam, bool) {
	var base []string
	for _, b := range sp.Base {
		if slices.Contains(types, b) || b == "Resource" || b == "DomainResource" {
			base = append(base, b)
		}
	}
	if len(base) == 0 {
		return sp, false
	}
	sp.Base = base
	if sp.Expression != "" {
		var keep []string
		for _, branch := range strings.Split(sp.Expression, "|") {
			root, _, _ := strings.Cut(strings.TrimSpace(branch), ".")
			if slices.Contains(base, root) {
				keep = append(keep, strings.TrimSpace(branch))
			}
		}
		sp.Expression = strings.Join(keep, " | ")
	}
	var desc []string
	for _, line := range strings.Split(sp.Description, "\n") {
		line = strings.TrimRight(line, "\r")
		if !strings.HasPrefix(line, "* [") || slices.ContainsFunc(base, func(b string) bool { return strings.HasPrefix(line, "* ["+b+"]") }) {
			desc = append(desc, line)
		}
	}
	sp.Description = strings.Join(desc, "\n")
	return sp, true
}

// readDefinitions loads every element of the resource and datatype
// StructureDefinitions, and CompartmentDefinition/patient.
func readDefinitions(src string) (map[string]element, compartmentDef, error) {
	elements := map[string]element{}
	var comp compartmentDef
	for _, f := range []string{"profiles-resources.json", "profiles-types.json"} {
		var b bundle
		if err := readJSON(filepath.Join(src, f), &b); err != nil {
			return nil, comp, err
		}
		for _, e := range b.Entry {
			var head struct {
				ResourceType, ID, Derivation string
			}
			if err := json.Unmarshal(e.Resource, &head); err != nil {
				return nil, comp, err
			}
			switch {
			case head.ResourceType == "CompartmentDefinition" && head.ID == "patient":
				if err := json.Unmarshal(e.Resource, &comp); err != nil {
					return nil, comp, err
				}
			case head.ResourceType == "StructureDefinition" && head.Derivation != "constraint":
				if err := addElements(e.Resource, elements); err != nil {
					return nil, comp, fmt.Errorf("%s: %w", head.ID, err)
				}
			}
		}
	}
	var res []struct {
		Code  string   `json:"code"`
		Param []string `json:"param,omitempty"`
	}
	for _, r := range comp.Resource {
		if slices.Contains(types, r.Code) {
			res = append(res, r)
		}
	}
	comp.Resource = res
	return elements, comp, nil
}

func addElements(raw json.RawMessage, into map[string]element) error {
	var sd struct {
		Snapshot struct {
			Element []struct {
				Path             string `json:"path"`
				ContentReference string `json:"contentReference"`
				Type             []struct {
					Code string `json:"code"`
				} `json:"type"`
			} `json:"element"`
		} `json:"snapshot"`
	}
	if err := json.Unmarshal(raw, &sd); err != nil {
		return err
	}
	for _, el := range sd.Snapshot.Element {
		e := element{ContentRef: el.ContentReference}
		for _, t := range el.Type {
			if !slices.Contains(e.Types, t.Code) {
				e.Types = append(e.Types, t.Code)
			}
		}
		into[el.Path] = e
	}
	return nil
}

func writeBundle(path string, params []searchParam) error {
	type entry struct {
		Resource searchParam `json:"resource"`
	}
	b := struct {
		ResourceType string  `json:"resourceType"`
		Type         string  `json:"type"`
		Entry        []entry `json:"entry"`
	}{ResourceType: "Bundle", Type: "collection"}
	for _, p := range params {
		b.Entry = append(b.Entry, entry{p})
	}
	return writeJSON(path, b)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
