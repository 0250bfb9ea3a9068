package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
)

// flowState is the authorization in progress, kept in the session while
// the user signs in, picks a patient and consents. Tx names it in every
// form, so a stale tab cannot act on a newer request.
type flowState struct {
	Tx  string                 `json:"tx"`
	Req oauth.AuthorizeRequest `json:"req"`
	// For is the user the fields below belong to; they are forgotten
	// when someone else signs in during the same authorization.
	For string `json:"for,omitempty"`
	// Patient is the patient in context (see launchPatient), and
	// PatientName its name for the consent page.
	Patient     string `json:"patient,omitempty"`
	PatientName string `json:"patient_name,omitempty"`
	// Offered are the patient ids the picker last listed to For: the
	// only ones a choice may name.
	Offered []string `json:"offered,omitempty"`
	// Launch is the EHR launch this authorization redeemed (nil for a
	// standalone launch): its patient is the patient in context.
	Launch *flowLaunch `json:"launch,omitempty"`
}

// flowLaunch is what the flow keeps of a redeemed launch: only what the
// steps after it read, as the session cookie must stay small.
type flowLaunch struct {
	UserID      string              `json:"user_id,omitempty"`
	PatientName string              `json:"patient_name,omitempty"`
	Context     store.LaunchContext `json:"context"`
}

// authorize is GET and POST /authorize. The client, redirect URI, PKCE
// parameters and aud are checked before anything is shown; the request
// then waits in the session and the browser moves on to the next step.
func (h *Handler) authorize(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil {
		h.errorPage(c, s, http.StatusBadRequest, "Invalid request", "The request could not be read.", "")
		return
	}
	params := c.Request.URL.Query()
	if c.Request.Method == http.MethodPost {
		params = c.Request.PostForm
	}
	req, err := oauth.ParseAuthorize(c.Request.Context(), h.flowClients(), params, h.Audience)
	if err != nil {
		h.authorizeError(c, s, err)
		return
	}
	f := &flowState{Tx: rand.Text(), Req: *req}
	if params.Has("launch") {
		if f.Launch, err = h.redeemLaunch(c.Request.Context(), req, params.Get("launch")); err != nil {
			h.authorizeError(c, s, err)
			return
		}
	}
	s.setFlow(f)
	h.redirect(c, s, h.link(ContinuePath))
}

// authorizeError sends an error back to the client when its redirect URI
// is trusted, else shows it on our page.
func (h *Handler) authorizeError(c *gin.Context, s *session, err error) {
	var ae *oauth.AuthorizeError
	if !errors.As(err, &ae) {
		h.Log.ErrorContext(c.Request.Context(), "authorize", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The sign-in service is temporarily unavailable.", "")
		return
	}
	if ae.RedirectURI == "" {
		h.errorPage(c, s, http.StatusBadRequest, "This sign-in request cannot be accepted",
			"The application sent a request we cannot accept, so you have not been sent back to it.", ae.Err.Code+": "+ae.Err.Description)
		return
	}
	s.setFlow(nil)
	h.redirect(c, s, ae.Location())
}

// redirect saves the session and answers 303 See Other.
func (h *Handler) redirect(c *gin.Context, s *session, to string) {
	if err := s.save(c.Request, c.Writer); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "session save", "err", err)
	}
	securityHeaders(c.Writer)
	c.Redirect(http.StatusSeeOther, to)
}

// continueFlow shows the next step of the authorization in progress:
// sign-in, then the patient picker (clinicians, when launch/patient is
// asked), then consent, unless the user already approved all of it.
func (h *Handler) continueFlow(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	f := s.flow()
	if f == nil {
		h.errorPage(c, s, http.StatusBadRequest, "No sign-in in progress",
			"There is no app waiting for your approval in this browser.", "")
		return
	}
	client, err := h.flowClients().GetClient(c.Request.Context(), f.Req.ClientID)
	if err != nil {
		h.authorizeError(c, s, f.Req.Refuse(oauth.ErrServerError.WithDescription("the client is no longer available")))
		return
	}
	user := h.currentUser(c, s)
	if user == nil {
		h.render(c, s, http.StatusOK, "login", "Sign in", view{Data: loginData{ClientName: displayName(client), Providers: h.providerButtons("")}})
		return
	}
	if user.Role == "" {
		h.authorizeError(c, s, f.Req.Refuse(oauth.ErrAccessDenied.WithDescription("the user's account has no role yet")))
		return
	}
	f.bind(user)
	s.setFlow(f)
	if f.Launch != nil {
		// An EHR launch: no picker, the launch's patient if this user
		// may have it.
		p, ok := launchPatient(f, user)
		if !ok {
			h.authorizeError(c, s, f.Req.Refuse(oauth.ErrAccessDenied.WithDescription("the signed-in user may not open this launch's patient")))
			return
		}
		f.Patient, f.PatientName = p, f.Launch.PatientName
		s.setFlow(f)
	} else if f.Req.Has("launch/patient") {
		switch {
		case user.Role == store.RolePatient && user.PatientID != "":
			f.Patient, f.PatientName = user.PatientID, user.Name
			s.setFlow(f)
		case user.Role == store.RolePatient:
			h.authorizeError(c, s, f.Req.Refuse(oauth.ErrAccessDenied.WithDescription("the user has no linked patient")))
			return
		default:
			if _, ok := launchPatient(f, user); !ok {
				h.picker(c, s, f, client, user)
				return
			}
		}
	}
	offered, refused := grantable(user, f.Req.Scopes)
	prev, err := h.Store.GetConsent(c.Request.Context(), user.ID, client.ID)
	switch {
	case err == nil && len(refused) == 0 && covers(prev.Scopes, offered):
		h.finish(c, s, f, user, offered)
		return
	case err != nil && !errors.Is(err, store.ErrNotFound):
		// Not "no consent": asking again would hide the failure from the user.
		h.Log.ErrorContext(c.Request.Context(), "read consent", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Your earlier approval cannot be read right now. Try again.", "")
		return
	}
	h.render(c, s, http.StatusOK, "consent", "Allow access?", view{SignedIn: user.Username, Data: consentData{
		Tx: f.Tx, ClientName: displayName(client), Scopes: describeAll(offered), Refused: refused, Patient: patientLabel(f),
		Encounter: launchEncounter(f),
	}})
}

type consentData struct {
	Tx         string
	ClientName string
	Scopes     []scopeText
	Refused    []string
	Patient    string
	Encounter  string // an EHR launch's encounter id
}

// consent is POST /authorize/consent: the user approves a subset of the
// offered scopes (remembered for this app) or denies.
func (h *Handler) consent(c *gin.Context) {
	s, f, user, ok := h.formStep(c)
	if !ok {
		return
	}
	if c.Request.PostForm.Get("decision") != "approve" {
		h.authorizeError(c, s, f.Req.Refuse(oauth.ErrAccessDenied.WithDescription("the user denied the request")))
		return
	}
	offered, _ := grantable(user, f.Req.Scopes)
	var approved []string
	for _, sc := range c.Request.PostForm["scope"] {
		if slices.Contains(offered, sc) && !slices.Contains(approved, sc) {
			approved = append(approved, sc)
		}
	}
	if len(approved) == 0 {
		h.authorizeError(c, s, f.Req.Refuse(oauth.ErrAccessDenied.WithDescription("the user approved no scope")))
		return
	}
	now := h.Now().UTC()
	err := h.Store.PutConsent(c.Request.Context(), &store.Consent{UserID: user.ID, ClientID: f.Req.ClientID, Scopes: approved, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		h.authorizeError(c, s, err)
		return
	}
	h.finish(c, s, f, user, approved)
}

// finish issues the code and sends the browser back to the client. The
// patient in context is derived again here, from the user and the flow
// state, whatever the forms before said.
func (h *Handler) finish(c *gin.Context, s *session, f *flowState, user *store.User, scopes []string) {
	lc, ok := launchContext(f, user, scopes)
	if !ok {
		h.authorizeError(c, s, f.Req.Refuse(oauth.ErrAccessDenied.WithDescription("no patient in context")))
		return
	}
	code, err := h.Codes.Issue(c.Request.Context(), &f.Req, oauth.Approval{
		UserID: user.ID, Scopes: scopes, Launch: lc, AuthTime: s.authTime(),
	})
	if err != nil {
		h.Log.ErrorContext(c.Request.Context(), "issue code", "err", err)
		h.authorizeError(c, s, f.Req.Refuse(oauth.ErrServerError))
		return
	}
	s.setFlow(nil)
	h.redirect(c, s, f.Req.SuccessLocation(code))
}

// formStep checks what every POST of the flow needs: a valid CSRF token,
// the authorization in progress named by tx, a signed-in user.
func (h *Handler) formStep(c *gin.Context) (*session, *flowState, *store.User, bool) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired",
			"The form was not sent from this sign-in page, or it has expired. Nothing was changed.", "")
		return nil, nil, nil, false
	}
	f := s.flow()
	if f == nil || f.Tx != c.Request.PostForm.Get("tx") {
		h.errorPage(c, s, http.StatusBadRequest, "No sign-in in progress",
			"This page belongs to a sign-in that is no longer in progress.", "")
		return nil, nil, nil, false
	}
	user := h.currentUser(c, s)
	if user == nil || user.Role == "" {
		h.redirect(c, s, h.link(ContinuePath))
		return nil, nil, nil, false
	}
	f.bind(user)
	s.setFlow(f)
	return s, f, user, true
}

// flowClients are the clients an authorization may be for: a disabled
// client is as absent as a deleted one.
func (h *Handler) flowClients() store.ClientStore { return clients.EnabledOnly{ClientStore: h.Store} }

// currentUser is the signed-in user, or nil: the session must have a
// live record in the store (see sessionUserID) and the user must exist.
func (h *Handler) currentUser(c *gin.Context, s *session) *store.User {
	id := h.sessionUserID(c.Request.Context(), s)
	if id == "" {
		return nil
	}
	u, err := h.Store.GetUser(c.Request.Context(), id)
	if err != nil || u.Disabled() {
		return nil
	}
	return u
}

// covers reports whether every scope of want is in have.
func covers(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func displayName(c *store.Client) string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// patientLabel names the patient in context for the consent page.
func patientLabel(f *flowState) string {
	if f.Patient == "" {
		return ""
	}
	if f.PatientName != "" {
		return f.PatientName + " (Patient/" + f.Patient + ")"
	}
	return "Patient/" + f.Patient
}
