package fhirxml

import (
	"fmt"
	"testing"

	"github.com/smartgate/fhir-server/internal/demo"
	"github.com/smartgate/fhir-server/internal/fhirxml/xsdtest"
)

// TestDemoValidatesAgainstSchema renders every resource of the demo
// dataset, and its transaction Bundle, as XML and checks them against
// the official fhir-single.xsd.
func TestDemoValidatesAgainstSchema(t *testing.T) {
	docs := map[string][]byte{}
	dataset := demo.Dataset()
	for i, r := range dataset {
		x, err := Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		m := decodeJSON(t, r)
		docs[fmt.Sprintf("%s-%s-%d", m["resourceType"], m["id"], i)] = x
	}
	tx, err := demo.TransactionBundle(dataset)
	if err != nil {
		t.Fatal(err)
	}
	if docs["transaction-bundle"], err = Encode(tx); err != nil {
		t.Fatal(err)
	}
	xsdtest.Validate(t, docs)
}
