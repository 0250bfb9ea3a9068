package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Identifier systems and profile base used across the dataset.
const (
	ODSSystem   = "https://fhir.nhs.uk/Id/ods-organization-code"
	SDSSystem   = "https://fhir.nhs.uk/Id/sds-user-id"
	profileBase = "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-"
)

// object is a JSON object under construction.
type object = map[string]any

// encode renders a resource. json.Marshal of maps, slices, strings,
// numbers and booleans cannot fail, so neither can encode; map keys come
// out sorted, which keeps the output byte-for-byte reproducible.
func encode(o object) json.RawMessage {
	b, err := json.Marshal(o)
	if err != nil {
		panic(fmt.Sprintf("demo: encode %v: %v", o["resourceType"], err))
	}
	return b
}

// resource starts a resource of type t with its id and, when profile is
// not empty, the Care Connect profile CareConnect-<profile>-1.
func resource(t, id, profile string) object {
	o := object{"resourceType": t, "id": id}
	if profile != "" {
		o["meta"] = object{"profile": []any{profileBase + profile + "-1"}}
	}
	return o
}

func reference(t, id, display string) object {
	r := object{"reference": t + "/" + id}
	if display != "" {
		r["display"] = display
	}
	return r
}

func coding(system string, c concept) object {
	return object{"system": system, "code": c.code, "display": c.display}
}

// codeable is a CodeableConcept of one or more codings; its text is the
// first coding's display.
func codeable(system string, c concept, more ...object) object {
	codings := []any{coding(system, c)}
	for _, m := range more {
		codings = append(codings, m)
	}
	return object{"coding": codings, "text": c.display}
}

func identifier(system, value string) object {
	return object{"system": system, "value": value}
}

// quantity is a UCUM quantity with value rounded to decimals places.
func quantity(value float64, decimals int, unit, code string) object {
	p := math.Pow(10, float64(decimals))
	return object{"value": math.Round(value*p) / p, "unit": unit, "system": ucum, "code": code}
}

func dateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
func date(t time.Time) string     { return t.UTC().Format("2006-01-02") }
func instant(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05.000+00:00") }
