package fhirxml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/smartgate/fhir-server/internal/demo"
)

func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// roundTrip checks that JSON -> XML -> JSON gives back the JSON.
func roundTrip(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	x, err := Encode(body)
	if err != nil {
		t.Fatalf("%s: Encode: %v", name, err)
	}
	back, err := Decode(x)
	if err != nil {
		t.Fatalf("%s: Decode: %v\n%s", name, err, x)
	}
	if want := decodeJSON(t, body); !reflect.DeepEqual(back, want) {
		t.Errorf("%s: round trip differs: %s", name, difference(back, want, name))
	}
	return x
}

// difference names the first place where got and want differ.
func difference(got, want any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %T", path, got)
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return path + "." + k + ": missing"
			}
			if d := difference(g[k], w[k], path+"."+k); d != "" {
				return d
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return path + "." + k + ": not expected"
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
		for i := range w {
			if d := difference(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("%s: got %#v, want %#v", path, got, want)
		}
	}
	return ""
}

func TestRoundTripDemo(t *testing.T) {
	for i, r := range demo.Dataset() {
		roundTrip(t, "demo resource "+itoa(i), r)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestRoundTripEveryType round-trips a synthetic resource of every STU3
// resource type (see synthetic).
func TestRoundTripEveryType(t *testing.T) {
	for _, rt := range resourceNames() {
		body, err := json.Marshal(synthetic(rt))
		if err != nil {
			t.Fatal(err)
		}
		x := roundTrip(t, rt, body)
		if rt == "Patient" {
			for _, want := range []string{
				`<Patient xmlns="http://hl7.org/fhir">`,
				`<div xmlns="http://www.w3.org/1999/xhtml"><p class="x">Narrative &amp; <b>bold</b> &lt;text&gt;</p><br/>`,
				`<contained><Patient><id value="`,
				`<extension url="http://example.org/ext"><valueDecimal value="1.50"/></extension>`,
			} {
				if !bytes.Contains(x, []byte(want)) {
					t.Errorf("Patient XML lacks %s:\n%s", want, x)
				}
			}
		}
	}
}
