package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

// searchParam is the part of a SearchParameter resource the generator reads.
type searchParam struct {
	ResourceType string   `json:"resourceType"`
	ID           string   `json:"id"`
	URL          string   `json:"url"`
	Code         string   `json:"code"`
	Base         []string `json:"base"`
	Type         string   `json:"type"`
	Description  string   `json:"description,omitempty"`
	Expression   string   `json:"expression,omitempty"`
	Target       []string `json:"target,omitempty"`
}

// compartmentDef is the part of CompartmentDefinition/patient the generator reads.
type compartmentDef struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	URL          string `json:"url"`
	Code         string `json:"code"`
	Resource     []struct {
		Code  string   `json:"code"`
		Param []string `json:"param,omitempty"`
	} `json:"resource"`
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type,omitempty"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

// param is one generated table row.
type param struct {
	Code, Kind, URL, Description, Expression string
	Targets                                  []string
	Paths                                    []resolvedPath
}

// table is the generated result: params per type and the skipped ones.
type table struct {
	Params  map[string][]param
	Skipped []string // "Type.code (kind): reason"
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readParams(path string) ([]searchParam, error) {
	var b bundle
	if err := readJSON(path, &b); err != nil {
		return nil, err
	}
	var out []searchParam
	for _, e := range b.Entry {
		var sp searchParam
		if err := json.Unmarshal(e.Resource, &sp); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if sp.ResourceType == "SearchParameter" {
			out = append(out, sp)
		}
	}
	return out, nil
}

// build resolves every parameter for every type it applies to.
func build(params []searchParam, r *resolver) (*table, error) {
	t := &table{Params: map[string][]param{}}
	for _, sp := range params {
		branches, err := parseExpression(sp.Expression)
		if sp.Expression == "" {
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sp.ID, err)
		}
		for _, typ := range types {
			if !appliesTo(sp, typ) {
				continue
			}
			p, reason, err := buildOne(sp, typ, branches, r)
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", sp.ID, typ, err)
			}
			if reason != "" {
				where := typ
				if !slices.Contains(sp.Base, typ) {
					where = "(every type)"
				}
				t.Skipped = append(t.Skipped, fmt.Sprintf("%s.%s (%s): %s", where, sp.Code, sp.Type, reason))
				continue
			}
			if slices.ContainsFunc(t.Params[typ], func(q param) bool { return q.Code == p.Code }) {
				return nil, fmt.Errorf("%s: duplicate code %s on %s", sp.ID, sp.Code, typ)
			}
			t.Params[typ] = append(t.Params[typ], p)
		}
	}
	for _, ps := range t.Params {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Code < ps[j].Code })
	}
	sort.Strings(t.Skipped)
	t.Skipped = slices.Compact(t.Skipped)
	return t, nil
}

func appliesTo(sp searchParam, typ string) bool {
	for _, b := range sp.Base {
		if b == typ || b == "Resource" || (b == "DomainResource" && typ != "Binary") {
			return true
		}
	}
	return false
}

// buildOne resolves sp on typ. A non-empty reason means the parameter is
// skipped for typ.
func buildOne(sp searchParam, typ string, branches []parsedPath, r *resolver) (param, string, error) {
	if _, ok := supported[sp.Type]; !ok {
		return param{}, "kind not supported", nil
	}
	if sp.Expression == "" {
		return param{}, "no FHIRPath expression", nil
	}
	p := param{Code: sp.Code, Kind: sp.Type, URL: sp.URL, Description: describe(sp.Description, typ), Targets: targets(sp)}
	var exprs []string
	for _, b := range branches {
		if b.Root != typ && b.Root != "Resource" && b.Root != "DomainResource" {
			continue
		}
		rp, err := r.resolve(typ, b)
		if err != nil {
			return p, "", err
		}
		if rp, ok := narrow(sp.Type, rp); ok {
			p.Paths = append(p.Paths, rp)
			exprs = append(exprs, render(b))
		}
	}
	if len(p.Paths) == 0 {
		return p, "no path yields a datatype the kind supports", nil
	}
	p.Expression = strings.Join(exprs, " | ")
	return p, "", nil
}

// targets narrows the "patient" parameters to Patient, as their
// description says (STU3's shared clinical-patient lists Group too; R4
// expresses this as .where(resolve() is Patient)).
func targets(sp searchParam) []string {
	if sp.Code == "patient" && sp.Type == "reference" {
		return []string{"Patient"}
	}
	return sp.Target
}

// describe picks the line about typ from a multi-resource description.
func describe(desc, typ string) string {
	for _, line := range strings.Split(desc, "\n") {
		prefix := "* [" + typ + "]"
		if strings.HasPrefix(line, prefix) {
			_, rest, _ := strings.Cut(line, ": ")
			return strings.TrimSpace(rest)
		}
	}
	return strings.TrimSpace(desc)
}

// render writes a parsed branch back as FHIRPath.
func render(p parsedPath) string {
	var sb strings.Builder
	sb.WriteString(p.Root)
	for _, s := range p.Steps {
		sb.WriteString("." + s.Name)
		if s.As != "" {
			sb.WriteString(".as(" + s.As + ")")
		}
		if s.Is != "" {
			sb.WriteString(".is(" + s.Is + ")")
		}
		if s.Exists {
			sb.WriteString(".exists()")
		}
		if s.WhereKey != "" {
			sb.WriteString(".where(" + s.WhereKey + "='" + s.WhereValue + "')")
		}
	}
	return sb.String()
}
