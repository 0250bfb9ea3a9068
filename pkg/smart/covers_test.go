package smart

import (
	"reflect"
	"testing"
)

func TestCovers(t *testing.T) {
	tests := []struct {
		name       string
		registered []string
		requested  string
		want       bool
	}{
		{"wildcard read covers type read", []string{"system/*.read"}, "system/Patient.read", true},
		{"wildcard read covers v2 rs", []string{"system/*.read"}, "system/Patient.rs", true},
		{"wildcard read covers r alone", []string{"system/*.read"}, "system/Patient.r", true},
		{"wildcard read does not cover write", []string{"system/*.read"}, "system/Patient.write", false},
		{"wildcard read does not cover c", []string{"system/*.read"}, "system/Patient.c", false},
		{"star covers read", []string{"user/Patient.*"}, "user/Patient.read", true},
		{"star covers write", []string{"user/Patient.*"}, "user/Patient.write", true},
		{"star covers cruds", []string{"user/Patient.*"}, "user/Patient.cruds", true},
		{"cruds covers v1 read", []string{"user/Patient.cruds"}, "user/Patient.read", true},
		{"rs covers v1 read", []string{"user/Patient.rs"}, "user/Patient.read", true},
		{"r alone does not cover v1 read", []string{"user/Patient.r"}, "user/Patient.read", false},
		{"v1 read covers rs", []string{"user/Patient.read"}, "user/Patient.rs", true},
		{"read+write union covers star", []string{"user/Patient.read", "user/Patient.write"}, "user/Patient.*", true},
		{"read+write union covers cruds", []string{"user/Patient.read", "user/Patient.write"}, "user/Patient.cruds", true},
		{"read alone does not cover star", []string{"user/Patient.read"}, "user/Patient.*", false},
		{"context must match", []string{"user/*.read"}, "system/Patient.read", false},
		{"patient context must match", []string{"user/Patient.read"}, "patient/Patient.read", false},
		{"type must match", []string{"user/Patient.read"}, "user/Observation.read", false},
		{"type cannot widen to wildcard", []string{"user/Patient.read"}, "user/*.read", false},
		{"wildcard covers wildcard", []string{"user/*.*"}, "user/*.read", true},
		{"wildcard never covers AuditEvent", []string{"system/*.read"}, "system/AuditEvent.read", false},
		{"wildcard star never covers AuditEvent", []string{"system/*.*"}, "system/AuditEvent.rs", false},
		{"named AuditEvent covered", []string{"system/*.read", "system/AuditEvent.read"}, "system/AuditEvent.read", true},
		{"bare covers read", []string{"user/DocumentReference"}, "user/DocumentReference.read", true},
		{"bare does not cover write", []string{"user/DocumentReference"}, "user/DocumentReference.write", false},
		{"read covers bare", []string{"user/DocumentReference.read"}, "user/DocumentReference", true},
		{"granular same query", []string{"patient/Observation.rs?category=laboratory"}, "patient/Observation.rs?category=laboratory", true},
		{"granular stricter query", []string{"patient/Observation.rs?category=laboratory"}, "patient/Observation.rs?category=laboratory&status=final", true},
		{"granular narrower perms", []string{"patient/Observation.rs?category=laboratory"}, "patient/Observation.s?category=laboratory", true},
		{"granular not widened to unrestricted", []string{"patient/Observation.rs?category=laboratory"}, "patient/Observation.rs", false},
		{"granular not widened to v1", []string{"patient/Observation.rs?category=laboratory"}, "patient/Observation.read", false},
		{"granular other value", []string{"patient/Observation.rs?category=laboratory"}, "patient/Observation.rs?category=vital-signs", false},
		{"unrestricted covers granular", []string{"patient/Observation.read"}, "patient/Observation.rs?category=laboratory", true},
		{"other by equality", []string{"openid", "profile"}, "profile", true},
		{"other absent", []string{"openid"}, "fhirUser", false},
		{"launch/patient by equality", []string{"launch/patient"}, "launch/patient", true},
		{"launch does not cover launch/patient", []string{"launch"}, "launch/patient", false},
		{"invalid request refused", []string{"user/*.*"}, "user/Patient.rr", false},
		{"invalid registered ignored", []string{"user/Patient.zz"}, "user/Patient.read", false},
		{"nothing registered", nil, "user/Patient.read", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(tt.registered, tt.requested); got != tt.want {
				t.Fatalf("Covers(%q, %q) = %v, want %v", tt.registered, tt.requested, got, tt.want)
			}
		})
	}
}

func TestUncovered(t *testing.T) {
	demo := Split("system/*.read system/*.write user/*.* system/AuditEvent.read")
	tests := []struct {
		name      string
		requested []string
		want      []string
	}{
		{"all covered", []string{"system/Patient.read", "user/Observation.cruds", "system/AuditEvent.read"}, nil},
		{"escalation named", []string{"system/Patient.read", "patient/Patient.read", "openid", "user/AuditEvent.read"},
			[]string{"patient/Patient.read", "openid", "user/AuditEvent.read"}},
		{"nothing requested", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Uncovered(demo, tt.requested); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Uncovered = %q, want %q", got, tt.want)
			}
		})
	}
}
