package smart

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// loadConfigTable loads the scope table the project ships.
func loadConfigTable(t *testing.T) *Table {
	t.Helper()
	f, err := os.Open("../../config/scopes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := LoadTable(f)
	if err != nil {
		t.Fatalf("config/scopes.yaml: %v", err)
	}
	return tab
}

// TestConfigTableIsTheSeed checks config/scopes.yaml against the seed
// tables (000_33b87189ca5b2193.txt and 001_6f4c746776a1bf8e.txt) and the
// list of served types.
func TestConfigTableIsTheSeed(t *testing.T) {
	tab := loadConfigTable(t)
	seed := map[string]string{
		"Patient":             "user/Patient.read",
		"Observation":         "user/Observation.read",
		"Encounter":           "user/Encounter.read",
		"Condition":           "user/Condition.read",
		"Procedure":           "user/Observation.read",
		"AllergyIntolerance":  "user/AllergyIntolerance.read",
		"MedicationRequest":   "user/MedicationPrescription.read",
		"MedicationStatement": "user/MedicationStatement.read",
		"Immunization":        "user/Immunization.read",
		"DocumentReference":   "user/DocumentReference",
		"Binary":              "user/Binary",
	}
	served := []string{"AllergyIntolerance", "AuditEvent", "Binary", "Condition", "DocumentReference", "Encounter",
		"Group", "Immunization", "Location", "Medication", "MedicationRequest", "MedicationStatement", "Observation",
		"Organization", "Patient", "Practitioner", "Procedure"}
	if got := tab.Types(); !reflect.DeepEqual(got, served) {
		t.Fatalf("Types() = %q, want %q", got, served)
	}
	for _, typ := range served {
		e, _ := tab.Entry(typ)
		var want []string
		if s, ok := seed[typ]; ok {
			want = []string{s}
		}
		if !reflect.DeepEqual(e.Permitted, want) {
			t.Errorf("%s permitted = %q, want %q", typ, e.Permitted, want)
		}
		// Every published scope grants read and search through Decide.
		for _, s := range e.Permitted {
			for _, p := range []Permission{Read, Search} {
				if d := tab.Decide([]string{s}, typ, p, false); !d.Allowed {
					t.Errorf("%s: published %s does not grant %v: %s", typ, s, p, d.Reason)
				}
			}
		}
	}
	if e, _ := tab.Entry("MedicationRequest"); !reflect.DeepEqual(e.Aliases, []string{"MedicationPrescription", "MedicationOrder"}) {
		t.Errorf("MedicationRequest aliases = %q", e.Aliases)
	}
	if e, _ := tab.Entry("Procedure"); !reflect.DeepEqual(e.Aliases, []string{"Observation"}) {
		t.Errorf("Procedure aliases = %q", e.Aliases)
	}
}

func TestParseTableReportsEveryProblem(t *testing.T) {
	yml := `
resources:
  Patient:
    permitted: [user/Patient.read, user/Observation.read, openid, user/Patient.zz]
    aliases: [Patient, "*", Person, Person]
  "*": {}
  Bad-Type: {}
  Observation:
    permited: [user/Observation.read]
`
	_, err := ParseTable([]byte(yml))
	if !errors.Is(err, ErrInvalidTable) {
		t.Fatalf("err = %v, want ErrInvalidTable", err)
	}
	// Unknown field is reported by the decoder alone; check it separately.
	if !strings.Contains(err.Error(), "permited") {
		t.Errorf("unknown field not reported: %v", err)
	}

	yml = `
resources:
  Patient:
    permitted: [user/Patient.read, user/Observation.read, openid, user/Patient.zz]
    aliases: [Patient, "*", Person, Person]
  "*": {}
  Bad-Type: {}
`
	_, err = ParseTable([]byte(yml))
	if !errors.Is(err, ErrInvalidTable) {
		t.Fatalf("err = %v, want ErrInvalidTable", err)
	}
	for _, want := range []string{
		`"user/Observation.read" names Observation`,
		`"openid" is not a patient/, user/ or system/ scope`,
		`user/Patient.zz`,
		`alias "Patient" names the type itself`,
		`alias "*" is not a resource type name`,
		`alias "Person" listed twice`,
		`"*" is not a resource type name`,
		`"Bad-Type" is not a resource type name`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := ParseTable([]byte("resources: {}\n")); !errors.Is(err, ErrInvalidTable) {
		t.Errorf("empty table accepted: %v", err)
	}
	if _, err := ParseTable([]byte("resources: [\n")); !errors.Is(err, ErrInvalidTable) {
		t.Errorf("broken YAML accepted: %v", err)
	}
}
