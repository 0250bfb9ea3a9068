package validate

import (
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// dispatchKeyword is the one keyword this package adds to JSON Schema:
// {"fhirResourceType": {"Patient": "#/definitions/Patient", ...}} validates
// an object against the schema its resourceType names. It replaces the
// official oneOf over all 120 resource schemas, which no resource can pass
// (see the package comment) and which would try every branch; the lookup
// makes a Bundle entry cost what the resource alone costs.
const dispatchKeyword = "fhirResourceType"

// dispatchVocabulary registers dispatchKeyword with a compiler.
func dispatchVocabulary() (*jsonschema.Vocabulary, error) {
	const url = "https://smartgate.invalid/jsonschema/vocab/fhir-resource-type"
	meta, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"properties": {"` + dispatchKeyword + `": {
		"type": "object", "additionalProperties": {"type": "string"}}}}`))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, meta); err != nil {
		return nil, err
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	return &jsonschema.Vocabulary{URL: url, Schema: sch, Compile: compileDispatch}, nil
}

func compileDispatch(ctx *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
	refs, ok := obj[dispatchKeyword].(map[string]any)
	if !ok {
		return nil, nil
	}
	d := resourceDispatch{byType: make(map[string]*jsonschema.Schema, len(refs))}
	for t, r := range refs {
		ref, _ := r.(string)
		sch, err := ctx.EnqueueRef(ref)
		if err != nil {
			return nil, fmt.Errorf("validate: %s %s: %w", dispatchKeyword, t, err)
		}
		d.byType[t] = sch
	}
	return &d, nil
}

// resourceDispatch is the compiled dispatchKeyword.
type resourceDispatch struct {
	byType map[string]*jsonschema.Schema
}

// Validate checks v against the schema of its resourceType. A missing or
// unknown resourceType is left to the required and enum keywords beside it.
func (d *resourceDispatch) Validate(ctx *jsonschema.ValidatorContext, v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	t, _ := obj["resourceType"].(string)
	sch := d.byType[t]
	if sch == nil {
		return
	}
	if err := ctx.Validate(sch, v, nil); err != nil {
		ctx.AddErr(err)
	}
}
