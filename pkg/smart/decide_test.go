package smart

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The seed demo clients' scopes (002_8f666a4d065e8e2d.txt), the quickstart's
// patient-access (004, given the Patient Access scopes) and our demo-system.
var seedClients = map[string]string{
	"Patient Access": "profile patient/Patient.read  user/Patient.read",
	"Patient, Condition & Medication Access": "user/MedicationStatement.read patient/Immunization.read user/Patient.read " +
		"patient/Condition.read user/MedicationOrder.read user/Condition.read user/Encounter.read profile " +
		"patient/MedicationOrder.read patient/Patient.read patient/Observation.read patient/Encounter.read",
	"Limited Access": "profile",
	"demo-system":    "system/*.read system/*.write user/*.* system/AuditEvent.read",
}

var allTypes = []string{"Patient", "Observation", "Encounter", "Condition", "Procedure", "AllergyIntolerance",
	"MedicationRequest", "MedicationStatement", "Immunization", "DocumentReference", "Binary", "Organization",
	"Practitioner", "Location", "Medication", "AuditEvent", "Basic", "Person"}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

// TestDecideSeedClients checks every seed client against every type and
// permission, for client-credentials tokens (no patient claim).
func TestDecideSeedClients(t *testing.T) {
	tab := loadConfigTable(t)
	everyConfigType := "Patient Observation Encounter Condition Procedure AllergyIntolerance MedicationRequest " +
		"MedicationStatement Immunization DocumentReference Binary Organization Practitioner Location Medication"
	tests := []struct {
		client string
		read   map[string]bool // types allowed read and search
		write  map[string]bool // types allowed create, update, delete
	}{
		{"Patient Access", set("Patient"), set("")},
		{"Patient, Condition & Medication Access", set("Patient Condition Encounter MedicationStatement MedicationRequest"), set("")},
		{"Limited Access", set(""), set("")},
		{"demo-system", set(everyConfigType + " AuditEvent"), set(everyConfigType)},
	}
	for _, tt := range tests {
		scopes := Split(seedClients[tt.client])
		for _, typ := range allTypes {
			for _, p := range []Permission{Read, Search, Create, Update, Delete} {
				want := tt.read[typ]
				if !V1Read.Has(p) {
					want = tt.write[typ]
				}
				d := tab.Decide(scopes, typ, p, false)
				if d.Allowed != want {
					t.Errorf("%s: %s %s allowed = %v, want %v (%s)", tt.client, p.verb(), typ, d.Allowed, want, d.Reason)
					continue
				}
				if d.Allowed && !d.Unrestricted() {
					t.Errorf("%s: %s %s restricted without a patient in context: %+v", tt.client, p.verb(), typ, d.Grants)
				}
				if !d.Allowed && tab.Has(typ) && d.Missing == "" {
					t.Errorf("%s: %s %s refused without naming a scope", tt.client, p.verb(), typ)
				}
			}
		}
	}
}

// TestDecideSeedClientsWithPatient gives the seed clients' scopes a patient
// in context: patient/ scopes then grant, inside the compartment only.
func TestDecideSeedClientsWithPatient(t *testing.T) {
	tab := loadConfigTable(t)
	pcm := Split(seedClients["Patient, Condition & Medication Access"])
	tests := []struct {
		typ         string
		allowed     bool
		compartment bool // allowed only inside the patient compartment
	}{
		{"Patient", true, false},           // user/Patient.read
		{"Condition", true, false},         // user/Condition.read
		{"Encounter", true, false},         // user/ and patient/: user/ wins
		{"MedicationRequest", true, false}, // user/MedicationOrder.read alias
		{"MedicationStatement", true, false},
		{"Observation", true, true},  // patient/Observation.read only
		{"Immunization", true, true}, // patient/Immunization.read only
		{"Procedure", true, true},    // patient/Observation.read through the alias
		{"AllergyIntolerance", false, false},
		{"DocumentReference", false, false},
		{"Binary", false, false},
		{"Medication", false, false},
		{"AuditEvent", false, false},
	}
	for _, tt := range tests {
		for _, p := range []Permission{Read, Search} {
			d := tab.Decide(pcm, tt.typ, p, true)
			if d.Allowed != tt.allowed || d.CompartmentOnly() != tt.compartment {
				t.Errorf("%s %s: allowed=%v compartmentOnly=%v, want %v %v (%+v)",
					p.verb(), tt.typ, d.Allowed, d.CompartmentOnly(), tt.allowed, tt.compartment, d)
			}
			if d.Allowed && !tt.compartment && !d.Unrestricted() {
				t.Errorf("%s %s: want unrestricted, got %+v", p.verb(), tt.typ, d.Grants)
			}
		}
		if d := tab.Decide(pcm, tt.typ, Update, true); d.Allowed {
			t.Errorf("update %s allowed with read-only scopes", tt.typ)
		}
	}
}

func TestDecideRules(t *testing.T) {
	tab := loadConfigTable(t)
	lab := url.Values{"category": {"laboratory"}}
	tests := []struct {
		name       string
		scopes     string
		typ        string
		p          Permission
		hasPatient bool
		want       Decision
	}{
		{"v2 rs grants read", "user/Observation.rs", "Observation", Read, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "user/Observation.rs", Context: ContextUser}}}},
		{"v2 r does not grant search", "user/Observation.r", "Observation", Search, false,
			Decision{Missing: "user/Observation.read", Reason: "search on Observation needs scope user/Observation.read"}},
		{"v2 s does not grant read", "user/Observation.s", "Observation", Read, false,
			Decision{Missing: "user/Observation.read", Reason: "read on Observation needs scope user/Observation.read"}},
		{"write grants create", "user/Patient.write", "Patient", Create, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "user/Patient.write", Context: ContextUser}}}},
		{"write does not grant read", "user/Patient.write", "Patient", Read, false,
			Decision{Missing: "user/Patient.read", Reason: "read on Patient needs scope user/Patient.read"}},
		{"read does not grant update", "user/Patient.read", "Patient", Update, false,
			Decision{Missing: "user/Patient.write", Reason: "update on Patient needs scope user/Patient.write"}},
		{"v2 d grants delete only", "system/Patient.d", "Patient", Delete, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "system/Patient.d", Context: ContextSystem}}}},
		{"alias in system context v2", "system/Observation.rs", "Procedure", Search, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "system/Observation.rs", Context: ContextSystem}}}},
		{"alias in patient context", "patient/MedicationPrescription.read", "MedicationRequest", Read, true,
			Decision{Allowed: true, Grants: []Grant{{Scope: "patient/MedicationPrescription.read", Context: ContextPatient}}}},
		{"alias write", "user/MedicationOrder.write", "MedicationRequest", Create, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "user/MedicationOrder.write", Context: ContextUser}}}},
		{"alias is one way", "user/Procedure.read", "Observation", Read, false,
			Decision{Missing: "user/Observation.read", Reason: "read on Observation needs scope user/Observation.read"}},
		{"bare grants search", "user/DocumentReference", "DocumentReference", Search, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "user/DocumentReference", Context: ContextUser}}}},
		{"bare grants no write", "user/Binary", "Binary", Create, false,
			Decision{Missing: "user/Binary.write", Reason: "create on Binary needs scope user/Binary.write"}},
		{"wildcard never AuditEvent", "system/*.* user/*.read patient/*.read", "AuditEvent", Read, true,
			Decision{Missing: "patient/AuditEvent.read", Reason: "read on AuditEvent needs scope patient/AuditEvent.read"}},
		{"named AuditEvent", "system/AuditEvent.rs", "AuditEvent", Search, false,
			Decision{Allowed: true, Grants: []Grant{{Scope: "system/AuditEvent.rs", Context: ContextSystem}}}},
		{"type not in table", "system/*.* system/Basic.read", "Basic", Read, false,
			Decision{Reason: "access to Basic is not permitted by this server's scope table"}},
		{"patient scope without patient", "patient/Observation.read", "Observation", Read, false,
			Decision{Missing: "user/Observation.read",
				Reason: "read on Observation needs scope user/Observation.read (patient/ scopes grant nothing without a patient in context)"}},
		{"patient wildcard with patient", "patient/*.read", "Medication", Read, true,
			Decision{Allowed: true, Grants: []Grant{{Scope: "patient/*.read", Context: ContextPatient}}}},
		{"granular patient", "patient/Observation.rs?category=laboratory", "Observation", Search, true,
			Decision{Allowed: true, Grants: []Grant{{Scope: "patient/Observation.rs?category=laboratory", Context: ContextPatient, Query: lab}}}},
		{"granular subsumed by whole patient", "patient/Observation.rs?category=laboratory patient/Observation.read", "Observation", Search, true,
			Decision{Allowed: true, Grants: []Grant{{Scope: "patient/Observation.read", Context: ContextPatient}}}},
		{"everything subsumed by user", "patient/Observation.rs?category=laboratory patient/Observation.read user/Observation.rs?category=laboratory user/Observation.read", "Observation", Read, true,
			Decision{Allowed: true, Grants: []Grant{{Scope: "user/Observation.read", Context: ContextUser}}}},
		{"granular user beside patient", "patient/Observation.read user/Observation.rs?category=laboratory", "Observation", Read, true,
			Decision{Allowed: true, Grants: []Grant{
				{Scope: "patient/Observation.read", Context: ContextPatient},
				{Scope: "user/Observation.rs?category=laboratory", Context: ContextUser, Query: lab}}}},
		{"invalid and other scopes ignored", "openid fhirUser user/Observation.rr launch/patient", "Observation", Read, true,
			Decision{Missing: "user/Observation.read", Reason: "read on Observation needs scope user/Observation.read"}},
		{"missing names the standard scope without a published one", "openid", "Medication", Read, true,
			Decision{Missing: "patient/Medication.read", Reason: "read on Medication needs scope patient/Medication.read"}},
		{"no permission asked", "user/*.*", "Patient", None, false, Decision{Reason: "no permission requested"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tab.Decide(Split(tt.scopes), tt.typ, tt.p, tt.hasPatient)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decide(%q, %s, %v, %v) =\n %+v\nwant\n %+v", tt.scopes, tt.typ, tt.p, tt.hasPatient, got, tt.want)
			}
		})
	}
}

func TestDecisionHelpers(t *testing.T) {
	if (Decision{}).Unrestricted() || (Decision{}).CompartmentOnly() {
		t.Error("refusal reported as allowed")
	}
	mixed := Decision{Allowed: true, Grants: []Grant{{Context: ContextPatient}, {Context: ContextUser, Query: url.Values{"a": {"b"}}}}}
	if mixed.Unrestricted() || mixed.CompartmentOnly() {
		t.Errorf("mixed grants: unrestricted=%v compartmentOnly=%v", mixed.Unrestricted(), mixed.CompartmentOnly())
	}
}

func TestGrantsAny(t *testing.T) {
	tab := loadConfigTable(t)
	for _, tc := range []struct {
		scopes     string
		hasPatient bool
		want       bool
	}{
		{"openid profile launch fhirUser offline_access", true, false},
		{"", false, false},
		{"patient/*.read", false, false},           // no patient in context
		{"user/Basic.read profile", false, false},  // a type the table does not serve
		{"user/MedicationOrder.read", false, true}, // an alias of MedicationRequest
		{"patient/*.read", true, true},
		{"user/Observation.read", false, true},
		{"system/AuditEvent.read", false, true},
		{"user/Procedure.rs?category=x", false, true},
		{seedClients["Limited Access"], true, false},
		{seedClients["demo-system"], false, true},
	} {
		if got := tab.GrantsAny(ParseScopes(Split(tc.scopes)), tc.hasPatient); got != tc.want {
			t.Errorf("GrantsAny(%q, patient=%v) = %v, want %v", tc.scopes, tc.hasPatient, got, tc.want)
		}
	}
}
