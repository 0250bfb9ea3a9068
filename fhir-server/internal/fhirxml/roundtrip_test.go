package fhirxml

import (
	"bytes"
	"encoding/json"
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
		got, _ := json.Marshal(back)
		t.Errorf("%s: round trip differs\n got %s\nwant %s\n xml %s", name, got, body, x)
	}
	return x
}

func TestRoundTripDemo(t *testing.T) {
	for i, r := range demo.Dataset() {
		roundTrip(t, "demo resource "+itoa(i), r)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
