package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
)

// The demo EHR page plays the EHR of the SMART EHR launch: a clinician
// chooses a patient (the picker's list), one of their encounters and an
// app an admin listed; "Launch" creates a launch context bound to that
// clinician and sends the browser to the app's launch URI with iss and
// launch, as a real EHR does.

// EHRPath is the demo EHR page.
const EHRPath = "/ehr"

// EHRCreator is the creator recorded on the demo EHR page's launches.
const EHRCreator = "smartgate-demo-ehr"

type ehrData struct {
	Query      string
	Patients   []fhirdir.Patient
	Patient    *fhirdir.Patient
	Encounters []fhirdir.Encounter
	Apps       []*store.Client
}

// ehrUser is the signed-in clinician or admin; without a sign-in the
// browser goes to the sign-in page and back, anyone else gets 403.
func (h *Handler) ehrUser(c *gin.Context, s *session) *store.User {
	u := h.currentUser(c, s)
	if u == nil {
		h.redirect(c, s, h.link(LoginPath+"?"+url.Values{"next": {EHRPath}}.Encode()))
		return nil
	}
	if u.Role != store.RoleClinician && u.Role != store.RoleAdmin {
		h.render(c, s, http.StatusForbidden, "error", "For clinicians only", view{SignedIn: u.Username,
			Data: map[string]string{"Message": "The demo EHR page opens any patient's record: only clinicians may use it.", "Detail": ""}})
		return nil
	}
	return u
}

// ehrPage is GET /ehr[?q=name][&patient=id].
func (h *Handler) ehrPage(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.ehrUser(c, s)
	if u == nil {
		return
	}
	h.renderEHR(c, s, u, http.StatusOK, "")
}

func (h *Handler) renderEHR(c *gin.Context, s *session, u *store.User, status int, problem string) {
	ctx := c.Request.Context()
	d := ehrData{Query: c.Query("q")}
	v := view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin, Error: problem}
	unreachable := func(err error) {
		h.Log.WarnContext(ctx, "EHR page: FHIR server", "err", err)
		v.Error, status = "The FHIR server cannot be reached right now. Try again in a moment.", http.StatusServiceUnavailable
	}
	var err error
	if d.Patients, err = h.Patients.Search(ctx, d.Query); err != nil {
		unreachable(err)
	}
	if id := c.Query("patient"); id != "" && err == nil {
		d.Patient, err = h.Patients.Get(ctx, id)
		switch {
		case errors.Is(err, fhirdir.ErrNotFound):
			v.Error, status = "There is no such patient.", http.StatusNotFound
		case err != nil:
			unreachable(err)
		default:
			if d.Encounters, err = h.Patients.Encounters(ctx, id); err != nil {
				unreachable(err)
			}
		}
	}
	if d.Apps, err = h.ehrApps(c); err != nil {
		unreachable(err)
	}
	v.Data = d
	h.render(c, s, status, "ehr", "Demo EHR", v)
}

// ehrApps are the clients an admin listed on the EHR page that can be
// launched now.
func (h *Handler) ehrApps(c *gin.Context) ([]*store.Client, error) {
	all, err := h.Store.ListClients(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(cl *store.Client) bool {
		return !cl.EHRLaunchable || !ehrListable(&clientDetail{Client: cl})
	}), nil
}

// ehrLaunch is POST /ehr/launch: creates the launch for the chosen
// patient, encounter and app, bound to the signed-in clinician, and
// sends the browser to <launch_uri>?iss=<FHIR base>&launch=<id>.
func (h *Handler) ehrLaunch(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired",
			"Nothing was launched. The form was not sent from this page, or it has expired. Reload the page and try again.", "")
		return
	}
	u := h.ehrUser(c, s)
	if u == nil {
		return
	}
	form := c.Request.PostForm
	ctx := c.Request.Context()
	app, err := h.flowClients().GetClient(ctx, form.Get("client_id"))
	if err != nil || !app.EHRLaunchable || !ehrListable(&clientDetail{Client: app}) {
		h.renderEHR(c, s, u, http.StatusBadRequest, "Choose one of the listed apps. Nothing was launched.")
		return
	}
	created, err := h.Launches.Create(ctx, EHRCreator, launch.Request{
		ClientID: app.ID, Patient: form.Get("patient"), Encounter: form.Get("encounter"),
		User: u.Username, NeedPatientBanner: new(false), // the EHR shows its own banner
	})
	if err != nil {
		e := oauth.Normalize(err)
		if e.Status >= 500 {
			h.Log.ErrorContext(ctx, "EHR page: create launch", "err", err)
			h.renderEHR(c, s, u, http.StatusServiceUnavailable, "The launch could not be created right now. Try again.")
			return
		}
		h.renderEHR(c, s, u, http.StatusBadRequest, "Nothing was launched: "+e.Description+".")
		return
	}
	to, err := url.Parse(app.LaunchURI)
	if err != nil {
		h.renderEHR(c, s, u, http.StatusBadRequest, "The app's launch URL is not valid. Nothing was launched.")
		return
	}
	q := to.Query()
	q.Set("iss", h.Audience)
	q.Set("launch", created.Launch)
	to.RawQuery = q.Encode()
	h.redirect(c, s, to.String())
}
