package web

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/store"
)

// PatientDirectory finds patients for the picker and the demo EHR page,
// and a patient's encounters for the latter (fhirdir.FHIRDirectory).
type PatientDirectory interface {
	// Search returns patients whose name matches q (all, up to a page,
	// when q is empty).
	Search(ctx context.Context, q string) ([]fhirdir.Patient, error)
	// Get returns one patient; fhirdir.ErrNotFound when there is none.
	Get(ctx context.Context, id string) (*fhirdir.Patient, error)
	// Encounters returns a patient's encounters, newest first.
	Encounters(ctx context.Context, patientID string) ([]fhirdir.Encounter, error)
}

type pickerData struct {
	Tx         string
	ClientName string
	Query      string
	Patients   []fhirdir.Patient
}

// picker shows the patient picker (GET /authorize/patient?q=name, or the
// flow's next step) to a clinician or admin: the FHIR server's patients,
// searched by name. The ids listed are remembered in the flow: a choice
// must be one of them.
func (h *Handler) picker(c *gin.Context, s *session, f *flowState, client *store.Client, user *store.User) {
	q := c.Query("q")
	d := pickerData{Tx: f.Tx, ClientName: displayName(client), Query: q}
	list, err := h.Patients.Search(c.Request.Context(), q)
	v := view{SignedIn: user.Username}
	if err != nil {
		h.Log.WarnContext(c.Request.Context(), "patient search", "err", err)
		v.Error = "The patient directory cannot be reached right now. Try again in a moment."
	}
	f.Offered = nil
	for _, p := range list {
		f.Offered = append(f.Offered, p.ID)
	}
	s.setFlow(f)
	d.Patients = list
	v.Data = d
	h.render(c, s, http.StatusOK, "picker", "Choose a patient", v)
}

// pickPatient is POST /authorize/patient: a clinician's choice, which
// must be one of the patients the picker listed to them, confirmed
// against the FHIR server before it becomes the launch context. A patient
// user has nothing to choose: their own patient is the context.
func (h *Handler) pickPatient(c *gin.Context) {
	s, f, user, ok := h.formStep(c)
	if !ok {
		return
	}
	if user.Role == store.RolePatient {
		h.errorPage(c, s, http.StatusForbidden, "No patient to choose",
			"Your account opens your own record only. Nothing was changed.", "")
		return
	}
	id := c.Request.PostForm.Get("patient")
	if id == "" || !slices.Contains(f.Offered, id) {
		h.errorPage(c, s, http.StatusBadRequest, "Unknown patient", "Choose a patient from the list. Go back and choose again.", "")
		return
	}
	p, err := h.Patients.Get(c.Request.Context(), id)
	if errors.Is(err, fhirdir.ErrNotFound) {
		h.errorPage(c, s, http.StatusBadRequest, "Unknown patient", "That patient could not be found. Go back and choose again.", "")
		return
	}
	if err != nil {
		h.Log.WarnContext(c.Request.Context(), "patient lookup", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The patient directory cannot be reached right now. Go back and try again.", "")
		return
	}
	f.Patient, f.PatientName = id, p.Name
	s.setFlow(f)
	h.redirect(c, s, h.link(ContinuePath))
}
