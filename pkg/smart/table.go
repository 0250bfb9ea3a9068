package smart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"
)

// ErrInvalidTable is returned (wrapped, with every problem found) when a
// scope table does not validate.
var ErrInvalidTable = errors.New("invalid scope table")

// Entry is one resource type's row of the scope table.
type Entry struct {
	// Type is the FHIR resource type.
	Type string
	// Permitted lists the published scopes for the type, verbatim from the
	// configuration (the CCRI seed table). Each names Type, an alias or *.
	Permitted []string
	// Aliases are other type names whose scopes also grant Type.
	Aliases []string
}

// names reports whether a scope on type name grants this entry's type.
func (e Entry) grantedBy(name string) bool {
	if name == e.Type || slices.Contains(e.Aliases, name) {
		return true
	}
	return name == Wildcard && e.Type != AuditEvent
}

// Table maps each permitted resource type to the scopes that grant it.
// It is immutable once loaded and safe for concurrent use.
type Table struct {
	entries map[string]Entry
}

// fileFormat is the YAML layout of config/scopes.yaml.
type fileFormat struct {
	Resources map[string]struct {
		Permitted []string `yaml:"permitted"`
		Aliases   []string `yaml:"aliases"`
	} `yaml:"resources"`
}

// LoadTable reads and validates a scope table in the YAML format of
// config/scopes.yaml.
func LoadTable(r io.Reader) (*Table, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read scope table: %w", err)
	}
	return ParseTable(b)
}

// ParseTable parses and validates a scope table. The error lists every
// problem found, not just the first.
func ParseTable(b []byte) (*Table, error) {
	var f fileFormat
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidTable, err)
	}
	entries := make([]Entry, 0, len(f.Resources))
	for typ, e := range f.Resources {
		entries = append(entries, Entry{Type: typ, Permitted: e.Permitted, Aliases: e.Aliases})
	}
	return NewTable(entries)
}

// NewTable validates entries and builds a Table from them.
func NewTable(entries []Entry) (*Table, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Type < entries[j].Type })
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if len(entries) == 0 {
		bad("no resources listed: every request would be denied")
	}
	t := &Table{entries: make(map[string]Entry, len(entries))}
	for _, e := range entries {
		if e.Type == Wildcard || !validType(e.Type) {
			bad("resources: %q is not a resource type name", e.Type)
			continue
		}
		if _, dup := t.entries[e.Type]; dup {
			bad("resources: %s listed twice", e.Type)
			continue
		}
		for i, a := range e.Aliases {
			switch {
			case a == Wildcard || !validType(a):
				bad("%s: alias %q is not a resource type name", e.Type, a)
			case a == e.Type:
				bad("%s: alias %q names the type itself", e.Type, a)
			case slices.Contains(e.Aliases[:i], a):
				bad("%s: alias %q listed twice", e.Type, a)
			}
		}
		for _, p := range e.Permitted {
			s, err := ParseScope(p)
			switch {
			case err != nil:
				bad("%s: permitted %v", e.Type, err)
			case !s.IsResource():
				bad("%s: permitted %q is not a patient/, user/ or system/ scope", e.Type, p)
			case !e.grantedBy(s.ResourceType):
				bad("%s: permitted %q names %s, which is neither %s nor one of its aliases (add it to aliases)",
					e.Type, p, s.ResourceType, e.Type)
			}
		}
		e.Permitted = slices.Clone(e.Permitted)
		e.Aliases = slices.Clone(e.Aliases)
		t.entries[e.Type] = e
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w:\n%w", ErrInvalidTable, errors.Join(problems...))
	}
	return t, nil
}

// Entry returns the row for a resource type, and whether the table has one.
func (t *Table) Entry(resourceType string) (Entry, bool) {
	e, ok := t.entries[resourceType]
	if !ok {
		return Entry{}, false
	}
	e.Permitted = slices.Clone(e.Permitted)
	e.Aliases = slices.Clone(e.Aliases)
	return e, true
}

// Has reports whether the table names a resource type (types it does not
// name are always denied).
func (t *Table) Has(resourceType string) bool {
	_, ok := t.entries[resourceType]
	return ok
}

// Types returns the resource types of the table, sorted.
func (t *Table) Types() []string {
	out := make([]string, 0, len(t.entries))
	for typ := range t.entries {
		out = append(out, typ)
	}
	sort.Strings(out)
	return out
}
