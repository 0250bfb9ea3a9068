package validate

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

// compiled shares one Validator among the tests: New takes about a second.
var compiled = sync.OnceValues(New)

func validator(t testing.TB) *Validator {
	t.Helper()
	v, err := compiled()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

func TestValidResourcesPass(t *testing.T) {
	v := validator(t)
	for name, body := range validResources {
		t.Run(name, func(t *testing.T) {
			if err := v.Validate([]byte(body)); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var decoded map[string]any
			if err := json.Unmarshal([]byte(body), &decoded); err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(decoded); err != nil {
				t.Fatalf("Validate(decoded): %v", err)
			}
		})
	}
}

func TestInvalidResourcesRefused(t *testing.T) {
	v := validator(t)
	tests := []struct {
		name string
		body string
		want []Issue // each must be among the issues (Message: substring)
	}{
		{"not JSON", `{"resourceType":"Patient",`, []Issue{{CodeStructure, "", "not valid JSON"}}},
		{"trailing data", `{"resourceType":"Patient"} {}`, []Issue{{CodeStructure, "", "not valid JSON"}}},
		{"array", `[]`, []Issue{{CodeStructure, "", "must be a JSON object"}}},
		{"no resourceType", `{"id":"1"}`, []Issue{{CodeRequired, "Resource.resourceType", "missing required"}}},
		{"unknown type", `{"resourceType":"Patients"}`, []Issue{{CodeValue, "Resource.resourceType", `unknown resource type "Patients"`}}},
		{"bad gender", `{"resourceType":"Patient","gender":"yes"}`,
			[]Issue{{CodeValue, "Patient.gender", `value "yes" is not in the value set`}}},
		{"bad birthDate month", `{"resourceType":"Patient","birthDate":"2017-13-01"}`,
			[]Issue{{CodeValue, "Patient.birthDate", `"2017-13-01" is not a valid date`}}},
		{"birthDate with junk after a valid prefix", `{"resourceType":"Patient","birthDate":"1980-01-01x"}`,
			[]Issue{{CodeValue, "Patient.birthDate", "not a valid date"}}},
		{"dateTime without timezone", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2018-06-01T09:30:00"}`,
			[]Issue{{CodeValue, "Observation.effectiveDateTime", "not a valid dateTime"}}},
		{"unknown element", `{"resourceType":"Patient","gendre":"male"}`,
			[]Issue{{CodeStructure, "Patient.gendre", `unknown element "gendre"`}}},
		{"unknown nested element", `{"resourceType":"Patient","name":[{"family":"Smith","surname":"x"}]}`,
			[]Issue{{CodeStructure, "Patient.name[0].surname", `unknown element "surname"`}}},
		{"string for array", `{"resourceType":"Patient","name":[{"given":"Jo"}]}`,
			[]Issue{{CodeStructure, "Patient.name[0].given", "expected an array"}}},
		{"number for string", `{"resourceType":"Patient","name":[{"given":["Jo",7]}]}`,
			[]Issue{{CodeStructure, "Patient.name[0].given[1]", "expected a string, got a number"}}},
		{"string for complex type", `{"resourceType":"Observation","status":"final","code":"8867-4"}`,
			[]Issue{{CodeStructure, "Observation.code", "expected an object"}}},
		{"string for boolean", `{"resourceType":"Patient","active":"true"}`,
			[]Issue{{CodeStructure, "Patient.active", "expected a boolean"}}},
		{"null", `{"resourceType":"Patient","active":null}`,
			[]Issue{{CodeStructure, "Patient.active", "got null"}}},
		{"missing required code", `{"resourceType":"Observation","status":"final"}`,
			[]Issue{{CodeRequired, "Observation.code", `missing required element "code"`}}},
		{"STU3 has no Dosage.doseQuantity (R4 name)", `{"resourceType":"MedicationStatement","status":"active","taken":"y","subject":{"reference":"Patient/4"},
			"medicationReference":{"reference":"Medication/1"},"dosage":[{"doseQuantity":{"value":1}}]}`,
			[]Issue{{CodeStructure, "MedicationStatement.dosage[0].doseQuantity", "unknown element"}}},
		{"bad repeating code", `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/4"},"category":["medication","gadget"]}`,
			[]Issue{{CodeValue, "AllergyIntolerance.category[1]", `value "gadget" is not in the value set`}}},
		{"bad id", `{"resourceType":"Patient","id":"a b"}`,
			[]Issue{{CodeValue, "Patient.id", "not a valid id"}}},
		{"id too long", `{"resourceType":"Patient","id":"` + strings.Repeat("a", 65) + `"}`,
			[]Issue{{CodeValue, "Patient.id", "not a valid id"}}},
		{"code with spaces around", `{"resourceType":"Observation","status":"final","code":{"coding":[{"code":" 123 "}]}}`,
			[]Issue{{CodeValue, "Observation.code.coding[0].code", "not a valid code"}}},
		{"fractional integer", `{"resourceType":"Patient","multipleBirthInteger":1.5}`,
			[]Issue{{CodeStructure, "Patient.multipleBirthInteger", "expected an integer"}}},
		{"zero positiveInt", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/4"},
			"medicationReference":{"reference":"Medication/1"},"dispenseRequest":{"numberOfRepeatsAllowed":0}}`,
			[]Issue{{CodeValue, "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed", "below the minimum 1"}}},
		{"negative unsignedInt", `{"resourceType":"Bundle","type":"searchset","total":-1}`,
			[]Issue{{CodeValue, "Bundle.total", "below the minimum 0"}}},
		{"bad entry in bundle", `{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Patient","gender":"x"}}]}`,
			[]Issue{{CodeValue, "Bundle.entry[1].resource.gender", "not in the value set"}}},
		{"unknown type in bundle", `{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Nope"}}]}`,
			[]Issue{{CodeValue, "Bundle.entry[0].resource.resourceType", `unknown resource type "Nope"`}}},
		{"bad contained", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p","colour":"red"}]}`,
			[]Issue{{CodeStructure, "Observation.contained[0].colour", "unknown element"}}},
		{"bad value beside null placeholders", `{"resourceType":"Patient","name":[{"given":[null,7],"_given":[{"id":"a"},null]}]}`,
			[]Issue{{CodeStructure, "Patient.name[0].given[1]", "got a number"}}},
		{"bad bundle type", `{"resourceType":"Bundle","type":"parcel"}`,
			[]Issue{{CodeValue, "Bundle.type", "not in the value set"}}},
		{"several problems", `{"resourceType":"Patient","gender":"yes","birthDate":"soon","extra":1}`,
			[]Issue{{CodeValue, "Patient.gender", "value set"}, {CodeValue, "Patient.birthDate", "not a valid date"}, {CodeStructure, "Patient.extra", "unknown element"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate([]byte(tt.body))
			var verr *Error
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want *Error", err)
			}
			for _, w := range tt.want {
				if !hasIssue(verr.Issues, w) {
					t.Errorf("issues %+v lack %+v", verr.Issues, w)
				}
			}
			if len(verr.Issues) != len(tt.want) {
				t.Errorf("got %d issues %+v, want %d", len(verr.Issues), verr.Issues, len(tt.want))
			}
		})
	}
}

func hasIssue(issues []Issue, want Issue) bool {
	for _, i := range issues {
		if i.Code == want.Code && i.Location == want.Location && strings.Contains(i.Message, want.Message) {
			return true
		}
	}
	return false
}

func TestErrorMessage(t *testing.T) {
	err := validator(t).Validate([]byte(`{"resourceType":"Patient","gender":"yes","extra":1}`))
	want := `invalid resource: Patient.extra: unknown element "extra" (and 1 more)`
	if err == nil || err.Error() != want {
		t.Fatalf("Error() = %v, want %q", err, want)
	}
}

func TestTypes(t *testing.T) {
	v := validator(t)
	for name := range validResources {
		if !v.Knows(name) {
			t.Errorf("Knows(%q) = false", name)
		}
	}
	for _, abstract := range []string{"Resource", "DomainResource", "ResourceList", "Element"} {
		if v.Knows(abstract) {
			t.Errorf("Knows(%q) = true for a type no instance can have", abstract)
		}
	}
	if n := len(v.Types()); n != 117 {
		t.Errorf("len(Types()) = %d, want the 117 STU3 resource types", n)
	}
}

func BenchmarkValidate(b *testing.B) {
	v := validator(b)
	for _, name := range []string{"Observation", "Patient", "Bundle"} {
		body := []byte(validResources[name])
		b.Run(name+"/bytes", func(b *testing.B) {
			for b.Loop() {
				if err := v.Validate(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		var decoded map[string]any
		if err := json.Unmarshal(body, &decoded); err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/decoded", func(b *testing.B) {
			for b.Loop() {
				if err := v.Validate(decoded); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	v := validator(t)
	bad := []byte(`{"resourceType":"Patient","gender":"yes","active":"no","extra":1}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if err := v.Validate([]byte(validResources["Observation"])); err != nil {
					t.Error(err)
				}
				var verr *Error
				if !errors.As(v.Validate(bad), &verr) || len(verr.Issues) != 3 {
					t.Errorf("bad Patient: %v", verr)
				}
			}
		})
	}
	wg.Wait()
}
