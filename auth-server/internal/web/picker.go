package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
)

type pickerData struct {
	Tx         string
	ClientName string
	Query      string
	Patients   []Patient
}

// picker shows the patient picker (GET /authorize/patient?q=name, or the
// flow's next step): the FHIR server's patients, searched by name.
func (h *Handler) picker(c *gin.Context, s *session, f *flowState, client *store.Client) {
	q := c.Query("q")
	user := h.currentUser(c, s)
	d := pickerData{Tx: f.Tx, ClientName: displayName(client), Query: q}
	list, err := h.Patients.Search(c.Request.Context(), q)
	v := view{SignedIn: user.Username, Data: d}
	if err != nil {
		h.Log.WarnContext(c.Request.Context(), "patient search", "err", err)
		v.Error = "The patient directory cannot be reached right now. Try again in a moment."
	}
	d.Patients = list
	v.Data = d
	h.render(c, s, http.StatusOK, "picker", "Choose a patient", v)
}

// pickPatient is POST /authorize/patient: the clinician's choice, checked
// against the FHIR server before it becomes the launch context.
func (h *Handler) pickPatient(c *gin.Context) {
	s, f, _, ok := h.formStep(c)
	if !ok {
		return
	}
	p, err := h.Patients.Get(c.Request.Context(), c.Request.PostForm.Get("patient"))
	if errors.Is(err, ErrNoPatient) {
		h.errorPage(c, s, http.StatusBadRequest, "Unknown patient", "That patient could not be found. Go back and choose again.", "")
		return
	}
	if err != nil {
		h.Log.WarnContext(c.Request.Context(), "patient lookup", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The patient directory cannot be reached right now. Go back and try again.", "")
		return
	}
	f.Patient, f.PatientName = p.ID, p.Name
	s.setFlow(f)
	h.redirect(c, s, h.link(ContinuePath))
}
