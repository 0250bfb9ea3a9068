package web

import (
	"slices"

	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/store"
)

// The patient in context of an authorization comes from the server side
// only: the patient of the EHR launch the authorization redeemed, when
// the user may have it (a patient user only their own); else a patient
// user's own linked patient, or the patient a clinician (or admin) chose
// from the list the picker showed them in this flow. Nothing a form says
// is taken without being checked against these.

// bind makes the flow's patient fields u's: when another user signed in
// during the flow, what the previous one chose or was shown is dropped.
func (f *flowState) bind(u *store.User) {
	if f.For == u.ID {
		return
	}
	f.For, f.Patient, f.PatientName, f.Offered = u.ID, "", "", nil
}

// launchPatient is the patient in context for u: in an EHR launch the
// launch's patient, when u is the launch's user (if it names one) and may
// see that patient; otherwise a patient user's linked patient, whatever
// the flow holds, and for anyone else the patient they chose from the
// picker's list in this flow. ok is false when there is none.
func launchPatient(f *flowState, u *store.User) (string, bool) {
	if f.Launch != nil {
		p := f.Launch.Context.Patient
		if (f.Launch.UserID != "" && f.Launch.UserID != u.ID) || !launch.MaySee(u, p) {
			return "", false
		}
		return p, true
	}
	if u.Role == store.RolePatient {
		return u.PatientID, u.PatientID != ""
	}
	if f.For != u.ID || f.Patient == "" || !slices.Contains(f.Offered, f.Patient) {
		return "", false
	}
	return f.Patient, true
}

// launchEncounter is an EHR launch's encounter, for the consent page.
func launchEncounter(f *flowState) string {
	if f.Launch == nil {
		return ""
	}
	return f.Launch.Context.Encounter
}

// launchContext is the context the code carries for the approved scopes:
// an EHR launch's whole context with the launch scope (its patient alone
// with only launch/patient), the chosen patient with launch/patient in a
// standalone launch, else none. ok is false when a patient is due but u
// may have none.
func launchContext(f *flowState, u *store.User, approved []string) (*store.LaunchContext, bool) {
	ehr := f.Launch != nil && slices.Contains(approved, launch.Scope)
	if !ehr && !slices.Contains(approved, "launch/patient") {
		return nil, true
	}
	p, ok := launchPatient(f, u)
	if !ok {
		return nil, false
	}
	if ehr {
		lc := f.Launch.Context
		return &lc, true
	}
	return &store.LaunchContext{Patient: p}, true
}
