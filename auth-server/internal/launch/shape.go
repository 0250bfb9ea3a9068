package launch

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/store"
)

// Bounds on what a launch may carry. The context travels in the browser
// session cookie during the authorization, which must stay under 4 KiB.
const (
	maxFHIRContext = 20
	maxText        = 256
	maxContextSize = 1024 // bytes of the context's JSON
)

// checkShape checks what can be checked without a store: required fields,
// the form of ids, references and text.
func checkShape(r Request) error {
	switch {
	case r.ClientID == "":
		return invalid("client_id is required")
	case r.Patient == "":
		return invalid("patient is required")
	case !fhirdir.ValidID(r.Patient):
		return invalid("patient must be a FHIR id (the id of Patient/<id>)")
	case r.Encounter != "" && !fhirdir.ValidID(r.Encounter):
		return invalid("encounter must be a FHIR id (the id of Encounter/<id>)")
	case len(r.FHIRContext) > maxFHIRContext:
		return invalid("fhirContext holds more than " + strconv.Itoa(maxFHIRContext) + " entries")
	case !plainText(r.Intent) || !plainText(r.User) || !plainText(r.ClientID):
		return invalid("client_id, intent and user must be text of at most 256 characters")
	}
	for i, fc := range r.FHIRContext {
		if err := checkFHIRContext(fc); err != nil {
			return invalid("fhirContext[" + strconv.Itoa(i) + "]: " + err.Error())
		}
	}
	if b, _ := json.Marshal(r.context()); len(b) > maxContextSize {
		return invalid("the launch context (patient, encounter, fhirContext, intent) is larger than " + strconv.Itoa(maxContextSize) + " bytes of JSON")
	}
	return nil
}

type shapeError string

func (e shapeError) Error() string { return string(e) }

// checkFHIRContext: a relative reference Type/id, a canonical URL or an
// identifier (at least one); the patient and encounter have their own
// fields and are not repeated here (SMART App Launch 2.2).
func checkFHIRContext(fc store.FHIRContext) error {
	if fc.Reference == "" && fc.Canonical == "" && fc.Identifier == nil {
		return shapeError("needs a reference, a canonical or an identifier")
	}
	if fc.Reference != "" {
		typ, id, ok := strings.Cut(fc.Reference, "/")
		if !ok || !resourceType(typ) || !fhirdir.ValidID(id) {
			return shapeError("reference must be a relative reference Type/id")
		}
		if typ == "Patient" || typ == "Encounter" {
			return shapeError("the patient and the encounter go in their own fields, not in fhirContext")
		}
	}
	if fc.Canonical != "" {
		u, err := url.Parse(fc.Canonical)
		if err != nil || !u.IsAbs() || len(fc.Canonical) > 2000 {
			return shapeError("canonical must be an absolute URL")
		}
	}
	if fc.Identifier != nil && (fc.Identifier.Value == "" || !plainText(fc.Identifier.Value) || !plainText(fc.Identifier.System)) {
		return shapeError("identifier needs a value (and system) of at most 256 characters")
	}
	if fc.Type != "" && !resourceType(fc.Type) {
		return shapeError("type must be a FHIR resource type")
	}
	if !plainText(fc.Role) {
		return shapeError("role must be text of at most 256 characters")
	}
	return nil
}

// resourceType reports a FHIR resource type name's form (DocumentReference).
func resourceType(t string) bool {
	if t == "" || len(t) > 64 || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// plainText: at most maxText bytes, no control characters.
func plainText(s string) bool {
	if len(s) > maxText {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
