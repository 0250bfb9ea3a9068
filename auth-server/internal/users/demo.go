package users

import (
	"context"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// DemoUser is one entry of config/users.yaml.
type DemoUser struct {
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
	Role      string `yaml:"role"`
	PatientID string `yaml:"patient_id"`
	FHIRUser  string `yaml:"fhir_user"` // relative ("Practitioner/1") or absolute
	Name      string `yaml:"name"`
}

// DemoFile is the layout of config/users.yaml.
type DemoFile struct {
	Users []DemoUser `yaml:"users"`
}

// ReadDemoFile parses a users file.
func ReadDemoFile(path string) (*DemoFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var f DemoFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("users: %s: %w", path, err)
	}
	return &f, nil
}

// LoadDemo upserts every user of the file. A relative fhir_user (or, for a
// patient without one, Patient/<patient_id>) is made absolute against
// fhirBase. It returns how many users it loaded.
func (s *Service) LoadDemo(ctx context.Context, f *DemoFile, fhirBase string) (int, error) {
	for i, d := range f.Users {
		fhirUser := d.FHIRUser
		if fhirUser == "" && d.PatientID != "" {
			fhirUser = "Patient/" + d.PatientID
		}
		if fhirUser != "" && !isAbsolute(fhirUser) {
			fhirUser = fhirBase + "/" + fhirUser
		}
		spec := Spec{Username: d.Username, Password: d.Password, Role: d.Role, PatientID: d.PatientID, FHIRUser: fhirUser, Name: d.Name}
		if _, err := s.Upsert(ctx, spec); err != nil {
			return i, fmt.Errorf("users: demo user %q: %w", d.Username, err)
		}
	}
	return len(f.Users), nil
}

func isAbsolute(u string) bool {
	return len(u) > 8 && (u[:7] == "http://" || u[:8] == "https://")
}
