package web

import (
	"slices"

	"github.com/smartgate/auth-server/internal/store"
)

// The patient in context of an authorization comes from the server side
// only: a patient user's own linked patient, or the patient a clinician
// (or admin) chose from the list the picker showed them in this flow.
// Nothing a form says is taken without being checked against these.

// bind makes the flow's patient fields u's: when another user signed in
// during the flow, what the previous one chose or was shown is dropped.
func (f *flowState) bind(u *store.User) {
	if f.For == u.ID {
		return
	}
	f.For, f.Patient, f.PatientName, f.Offered = u.ID, "", "", nil
}

// launchPatient is the patient in context for u: a patient user's linked
// patient, whatever the flow holds; for anyone else the patient they
// chose from the picker's list in this flow. ok is false when there is
// none.
func launchPatient(f *flowState, u *store.User) (string, bool) {
	if u.Role == store.RolePatient {
		return u.PatientID, u.PatientID != ""
	}
	if f.For != u.ID || f.Patient == "" || !slices.Contains(f.Offered, f.Patient) {
		return "", false
	}
	return f.Patient, true
}
