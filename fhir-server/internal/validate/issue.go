package validate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Issue codes, from the FHIR IssueType value set, so that an API can copy
// them into OperationOutcome.issue.code.
const (
	// CodeStructure: not JSON, an unknown element, or a value of the wrong
	// JSON type.
	CodeStructure = "structure"
	// CodeRequired: a required element is missing.
	CodeRequired = "required"
	// CodeValue: a value outside its value set or format (enum, date,
	// code, id, minimum).
	CodeValue = "value"
	// CodeInvalid: any other schema violation.
	CodeInvalid = "invalid"
)

// Issue is one problem found in a resource.
type Issue struct {
	// Code is a FHIR IssueType code, one of the Code constants.
	Code string
	// Location is a FHIRPath-like expression of the offending element,
	// e.g. "Patient.name[0].given[1]", "Bundle.entry[2].resource.status";
	// empty when the whole document is at fault (it is not JSON).
	Location string
	// Message says what is wrong, in English.
	Message string
}

// Error is returned by Validator.Validate when a resource does not conform.
// It always holds at least one Issue, sorted by Location.
type Error struct {
	Issues []Issue
}

// Error summarises the first issue and counts the others.
func (e *Error) Error() string {
	if len(e.Issues) == 0 {
		return "invalid resource"
	}
	first := e.Issues[0]
	var b strings.Builder
	b.WriteString("invalid resource: ")
	if first.Location != "" {
		b.WriteString(first.Location)
		b.WriteString(": ")
	}
	b.WriteString(first.Message)
	if n := len(e.Issues) - 1; n > 0 {
		fmt.Fprintf(&b, " (and %d more)", n)
	}
	return b.String()
}

func newError(issues []Issue) *Error {
	slices.SortFunc(issues, func(a, b Issue) int {
		return cmp.Or(cmp.Compare(a.Location, b.Location), cmp.Compare(a.Message, b.Message))
	})
	return &Error{Issues: slices.Compact(issues)}
}

// location renders a JSON instance location as a FHIRPath-like expression
// rooted at the resource type; tokens that index arrays become [i].
func location(doc any, tokens []string) string {
	var b strings.Builder
	b.WriteString(rootName(doc))
	cur := doc
	for _, tok := range tokens {
		switch v := cur.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			var i int
			if _, err := fmt.Sscan(tok, &i); err == nil && i >= 0 && i < len(v) {
				cur = v[i]
			} else {
				cur = nil
			}
		case map[string]any:
			b.WriteString("." + tok)
			cur = v[tok]
		default:
			b.WriteString("." + tok)
			cur = nil
		}
	}
	return b.String()
}

// rootName is the resource type a location starts with, or "Resource" when
// the document names none.
func rootName(doc any) string {
	if m, ok := doc.(map[string]any); ok {
		if t, ok := m["resourceType"].(string); ok && t != "" && !strings.ContainsAny(t, ".[] ") {
			return t
		}
	}
	return "Resource"
}
