package smart

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in     string
		want   Scope
		canon  string
		errSub bool
	}{
		{in: "patient/Observation.read", want: Scope{Context: ContextPatient, ResourceType: "Observation", Permissions: Read | Search, Suffix: SuffixV1}},
		{in: "user/*.write", want: Scope{Context: ContextUser, ResourceType: "*", Permissions: Create | Update | Delete, Suffix: SuffixV1}},
		{in: "system/*.*", want: Scope{Context: ContextSystem, ResourceType: "*", Permissions: All, Suffix: SuffixV1}},
		{in: "patient/Observation.rs", want: Scope{Context: ContextPatient, ResourceType: "Observation", Permissions: Read | Search, V2: true, Suffix: SuffixV2}},
		{in: "user/Patient.cruds", want: Scope{Context: ContextUser, ResourceType: "Patient", Permissions: All, V2: true, Suffix: SuffixV2}},
		{in: "user/Patient.c", want: Scope{Context: ContextUser, ResourceType: "Patient", Permissions: Create, V2: true, Suffix: SuffixV2}},
		{in: "user/Patient.ud", want: Scope{Context: ContextUser, ResourceType: "Patient", Permissions: Update | Delete, V2: true, Suffix: SuffixV2}},
		{in: "system/*.s", want: Scope{Context: ContextSystem, ResourceType: "*", Permissions: Search, V2: true, Suffix: SuffixV2}},
		{in: "patient/Observation.rs?category=laboratory", want: Scope{Context: ContextPatient, ResourceType: "Observation", Permissions: Read | Search, V2: true, Suffix: SuffixV2,
			Query: url.Values{"category": {"laboratory"}}}},
		{in: "patient/Observation.rs?status=final&category=vital-signs", canon: "patient/Observation.rs?category=vital-signs&status=final",
			want: Scope{Context: ContextPatient, ResourceType: "Observation", Permissions: Read | Search, V2: true, Suffix: SuffixV2,
				Query: url.Values{"category": {"vital-signs"}, "status": {"final"}}}},
		{in: "patient/Observation.rs?code=http://loinc.org%7C1234-5", canon: "patient/Observation.rs?code=http%3A%2F%2Floinc.org%7C1234-5",
			want: Scope{Context: ContextPatient, ResourceType: "Observation", Permissions: Read | Search, V2: true, Suffix: SuffixV2,
				Query: url.Values{"code": {"http://loinc.org|1234-5"}}}},
		{in: "user/DocumentReference", want: Scope{Context: ContextUser, ResourceType: "DocumentReference", Permissions: Read | Search, Suffix: SuffixBare}},
		{in: "user/Binary", want: Scope{Context: ContextUser, ResourceType: "Binary", Permissions: Read | Search, Suffix: SuffixBare}},
		{in: "user/MedicationPrescription.read", want: Scope{Context: ContextUser, ResourceType: "MedicationPrescription", Permissions: Read | Search, Suffix: SuffixV1}},
		// Other scopes.
		{in: "openid", want: Scope{}},
		{in: "fhirUser", want: Scope{}},
		{in: "profile", want: Scope{}},
		{in: "launch", want: Scope{}},
		{in: "launch/patient", want: Scope{}},
		{in: "offline_access", want: Scope{}},
		{in: "online_access", want: Scope{}},
		{in: "https://example.org/custom", want: Scope{}},
		// Errors.
		{in: "", errSub: true},
		{in: "patient/Patient.read patient/Observation.read", errSub: true},
		{in: "a\"b", errSub: true},
		{in: "patient/", errSub: true},
		{in: "patient/.read", errSub: true},
		{in: "user/Patient.", errSub: true},
		{in: "user/Patient.rr", errSub: true},
		{in: "user/Patient.sr", errSub: true},
		{in: "user/Patient.dc", errSub: true},
		{in: "user/Patient.x", errSub: true},
		{in: "user/Patient.Read", errSub: true},
		{in: "user/Patient.read?category=x", errSub: true},
		{in: "user/Patient.*?category=x", errSub: true},
		{in: "user/Patient?category=x", errSub: true},
		{in: "user/Patient.rs?", errSub: true},
		{in: "user/Patient.rs?category", errSub: true},
		{in: "user/Patient.rs?=x", errSub: true},
		{in: "user/Patient.rs?a=%zz", errSub: true},
		{in: "user/Pat-ient.read", errSub: true},
		{in: "user/1Patient.read", errSub: true},
		{in: "system/*.read.write", errSub: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			if tt.errSub {
				if !errors.Is(err, ErrInvalidScope) {
					t.Fatalf("ParseScope(%q) err = %v, want ErrInvalidScope", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseScope(%q): %v", tt.in, err)
			}
			tt.want.Raw = tt.in
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseScope(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.in
			}
			if got.String() != canon {
				t.Fatalf("String() = %q, want %q", got.String(), canon)
			}
			if got.IsResource() != (tt.want.Context != ContextNone) {
				t.Fatalf("IsResource() = %v", got.IsResource())
			}
		})
	}
}

func TestPermissionString(t *testing.T) {
	for p, want := range map[Permission]string{None: "", Read: "r", V1Read: "rs", V1Write: "cud", All: "cruds", Create | Search: "cs"} {
		if p.String() != want {
			t.Errorf("%d.String() = %q, want %q", p, p.String(), want)
		}
	}
}

func TestInteractionPermission(t *testing.T) {
	tests := map[string]Permission{
		"read": Read, "vread": Read,
		"search-type": Search, "search": Search, "history-instance": Search, "history-type": Search,
		"create": Create, "update": Update, "patch": Update, "delete": Delete,
	}
	for in, want := range tests {
		got, ok := InteractionPermission(in)
		if !ok || got != want {
			t.Errorf("InteractionPermission(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := InteractionPermission("operation"); ok {
		t.Error("unknown interaction accepted")
	}
}

func TestParseScopesDropsInvalid(t *testing.T) {
	got := ParseScopes([]string{"openid", "user/Patient.rr", "user/Patient.read", ""})
	if len(got) != 2 || got[0].Raw != "openid" || got[1].Raw != "user/Patient.read" {
		t.Fatalf("ParseScopes = %+v", got)
	}
}
