package admin

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

type userRow struct {
	*store.User
	Locked bool
}

type usersView struct {
	Users []userRow
	Query string
	Form  users.Spec
}

// usersPage is GET /admin/users?q=: every user (or those whose username
// or name contains q), and the form that creates one.
func (h *Handler) usersPage(c *gin.Context) {
	h.renderUsers(c, http.StatusOK, "", users.Spec{Role: store.RoleClinician})
}

func (h *Handler) renderUsers(c *gin.Context, status int, problem string, form users.Spec) {
	ctx := c.Request.Context()
	list, err := h.Store.ListUsers(ctx)
	if err != nil {
		h.unavailable(c, "list users", err)
		return
	}
	q := strings.ToLower(strings.TrimSpace(c.Query("q")))
	v := usersView{Query: c.Query("q"), Form: form}
	for _, u := range list {
		if q != "" && !strings.Contains(strings.ToLower(u.Username), q) && !strings.Contains(strings.ToLower(u.Name), q) {
			continue
		}
		locked, err := h.Throttle.Locked(ctx, u.Username)
		if err != nil {
			h.unavailable(c, "read the sign-in throttle", err)
			return
		}
		v.Users = append(v.Users, userRow{User: u, Locked: locked})
	}
	h.render(c, browser(c), status, "users", "Users", page{Error: problem, Data: v})
}

// createUser is POST /admin/users: a local user with the password the
// admin sets (the rules of "auth-server users add").
func (h *Handler) createUser(c *gin.Context) {
	f := c.Request.PostForm
	spec := users.Spec{Username: strings.TrimSpace(f.Get("username")), Password: f.Get("password"),
		Role: f.Get("role"), PatientID: strings.TrimSpace(f.Get("patient_id")), Name: strings.TrimSpace(f.Get("name"))}
	byLink := f.Get("password_mode") == "link"
	if byLink {
		// Nobody knows this password; the link sets the real one.
		spec.Password = rand.Text() + rand.Text()
	}
	spec.FHIRUser = h.patientURL(spec.PatientID)
	invalid := spec.Validate()
	var u *store.User
	err := invalid
	if invalid == nil {
		u, err = h.Users.Add(c.Request.Context(), spec)
	}
	spec.Password = "" // never rendered back
	switch {
	case errors.Is(err, store.ErrConflict):
		h.renderUsers(c, http.StatusConflict, "That username is taken.", spec)
		return
	case invalid != nil:
		h.renderUsers(c, http.StatusBadRequest, invalid.Error(), spec)
		return
	case err != nil:
		h.unavailable(c, "create the user", err)
		return
	}
	h.record(c, "user.create", "user:"+u.Username, "role "+u.Role)
	if byLink {
		link, err := h.issueLink(c.Request.Context(), u)
		if err != nil {
			h.unavailable(c, "issue the set-password link", err)
			return
		}
		h.record(c, "user.link", "user:"+u.Username, "")
		browser(c).SetValue(keyLink, u.ID+" "+link)
		h.redirect(c, userPath(u.ID)+"/link")
		return
	}
	h.redirect(c, userPath(u.ID)+"?done=user-created")
}

func userPath(id string) string { return Path + "/users/" + id }

// patientURL is the fhir_user of a user linked to Patient/id.
func (h *Handler) patientURL(id string) string {
	if id == "" {
		return ""
	}
	return strings.TrimRight(h.FHIRBase, "/") + "/Patient/" + id
}

type grantRow struct {
	Client   string
	ID       string
	Scopes   []string
	Updated  string
	Families []familyRow
}

// familyRow is one refresh-token family: a sign-in's chain of refreshes.
type familyRow struct {
	ID, Started, LastIssued, Expires string
	Refreshes                        int
	Scopes                           []string
}

// families groups live refresh tokens by family, in order of start.
func families(rts []*store.RefreshToken) []familyRow {
	var out []familyRow
	at := map[string]int{}
	for _, rt := range rts {
		i, ok := at[rt.FamilyID]
		if !ok {
			i = len(out)
			at[rt.FamilyID] = i
			out = append(out, familyRow{ID: rt.FamilyID, Started: rt.IssuedAt.UTC().Format("2 Jan 2006 15:04 MST"), Refreshes: -1})
		}
		f := &out[i]
		f.Refreshes++
		f.LastIssued, f.Expires, f.Scopes = rt.IssuedAt.UTC().Format("2 Jan 2006 15:04 MST"), rt.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST"), rt.Scopes
	}
	return out
}

type sessionRow struct {
	Hash, Created, Expires string
	Current                bool
}

type userView struct {
	User       *store.User
	Locked     bool
	Links      []*store.IdentityLink
	Providers  []string
	Grants     []grantRow
	Sessions   []sessionRow
	PatientQ   string
	Patients   []fhirdir.Patient
	PatientErr string
	Roles      []string
}

// userPage is GET /admin/users/:id: the user, their role and links,
// approved apps, sessions, and the actions on them.
func (h *Handler) userPage(c *gin.Context) {
	h.renderUser(c, http.StatusOK, "")
}

func (h *Handler) renderUser(c *gin.Context, status int, problem string) {
	ctx := c.Request.Context()
	u, err := h.Store.GetUser(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c)
		return
	}
	if err != nil {
		h.unavailable(c, "read the user", err)
		return
	}
	v := userView{User: u, Providers: h.Upstreams, PatientQ: c.Query("patient_q"),
		Roles: []string{store.RoleClinician, store.RolePatient, store.RoleAdmin}}
	if v.Locked, err = h.Throttle.Locked(ctx, u.Username); err == nil {
		v.Links, err = h.Identities.Links(ctx, u.ID)
	}
	var consents []*store.Consent
	if err == nil {
		consents, err = h.Store.ListConsents(ctx, u.ID)
	}
	var sessions []*store.Session
	if err == nil {
		sessions, err = h.Store.ListSessionsByUser(ctx, u.ID)
	}
	if err != nil {
		h.unavailable(c, "read the user", err)
		return
	}
	for _, cs := range consents {
		name := cs.ClientID
		if cl, err := h.Store.GetClient(ctx, cs.ClientID); err == nil && cl.Name != "" {
			name = cl.Name
		}
		rts, err := h.Store.ListRefreshTokensByUserClient(ctx, u.ID, cs.ClientID)
		if err != nil {
			h.unavailable(c, "read the user's refresh tokens", err)
			return
		}
		v.Grants = append(v.Grants, grantRow{Client: name, ID: cs.ClientID, Scopes: cs.Scopes,
			Updated: cs.UpdatedAt.UTC().Format("2 Jan 2006 15:04 MST"), Families: families(rts)})
	}
	mine := browser(c).SessionIDHash()
	for _, s := range sessions {
		v.Sessions = append(v.Sessions, sessionRow{Hash: s.IDHash, Current: s.IDHash == mine,
			Created: s.CreatedAt.UTC().Format("2 Jan 2006 15:04 MST"), Expires: s.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST")})
	}
	if v.PatientQ != "" && h.Patients != nil {
		if v.Patients, err = h.Patients.Search(ctx, v.PatientQ); err != nil {
			h.Log.WarnContext(ctx, "admin: patient search", "err", err)
			v.PatientErr = "The FHIR server cannot be searched right now."
		}
	}
	h.render(c, browser(c), status, "user", "User "+u.Username, page{Error: problem, Data: v})
}

// targetUser loads the user of the :id path parameter (404 when none).
func (h *Handler) targetUser(c *gin.Context) *store.User {
	u, err := h.Store.GetUser(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c)
		return nil
	}
	if err != nil {
		h.unavailable(c, "read the user", err)
		return nil
	}
	return u
}

// setRole is POST /admin/users/:id/role: the clients the user owns that
// the new role does not allow are disabled (as "users set-role").
func (h *Handler) setRole(c *gin.Context) {
	u := h.targetUser(c)
	if u == nil {
		return
	}
	role, patient := c.Request.PostForm.Get("role"), u.PatientID
	if u.ID == admin(c).ID && role != store.RoleAdmin {
		h.renderUser(c, http.StatusBadRequest, string(errSelf))
		return
	}
	fhirUser := u.FHIRUser
	if role != store.RolePatient {
		patient = ""
		if u.Role == store.RolePatient {
			fhirUser = ""
		}
	}
	h.changeRole(c, u, role, patient, fhirUser, "role-set")
}

// linkPatient is POST /admin/users/:id/patient: the user becomes a
// patient user linked to the patient picked (from the FHIR server's
// search, as the patient picker shows them).
func (h *Handler) linkPatient(c *gin.Context) {
	u := h.targetUser(c)
	if u == nil {
		return
	}
	id := c.Request.PostForm.Get("patient_id")
	if u.ID == admin(c).ID {
		h.renderUser(c, http.StatusBadRequest, string(errSelf))
		return
	}
	if h.Patients != nil {
		if _, err := h.Patients.Get(c.Request.Context(), id); err != nil {
			if errors.Is(err, fhirdir.ErrNotFound) {
				h.renderUser(c, http.StatusBadRequest, "There is no such patient on the FHIR server.")
				return
			}
			h.unavailable(c, "read the patient", err)
			return
		}
	}
	h.changeRole(c, u, store.RolePatient, id, h.patientURL(id), "patient-linked")
}

func (h *Handler) changeRole(c *gin.Context, u *store.User, role, patient, fhirUser, done string) {
	_, err := h.Users.SetRole(c.Request.Context(), u.Username, role, patient, fhirUser)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(c)
		return
	case err != nil && role != store.RoleClinician && role != store.RolePatient && role != store.RoleAdmin,
		err != nil && role == store.RolePatient && patient == "":
		h.renderUser(c, http.StatusBadRequest, "Choose clinician, patient or admin; a patient user needs a linked patient (pick one below).")
		return
	case err != nil:
		h.unavailable(c, "change the role", err)
		return
	}
	detail := "role " + role
	if patient != "" {
		detail += ", Patient/" + patient
	}
	h.record(c, "user.role", "user:"+u.Username, detail)
	h.redirect(c, userPath(u.ID)+"?done="+done)
}

// linkIdentity is POST /admin/users/:id/identities: the identity
// (provider, subject) signs in as the user (as "users link").
func (h *Handler) linkIdentity(c *gin.Context) {
	u := h.targetUser(c)
	if u == nil {
		return
	}
	f := c.Request.PostForm
	provider, subject := f.Get("provider"), strings.TrimSpace(f.Get("subject"))
	known := false
	for _, p := range h.Upstreams {
		known = known || p == provider
	}
	if !known || subject == "" {
		h.renderUser(c, http.StatusBadRequest, "Choose a configured provider and give the identity's subject (the ID token's sub).")
		return
	}
	err := h.Identities.LinkUser(c.Request.Context(), u.ID, provider, subject)
	if errors.Is(err, users.ErrLinkedElsewhere) {
		h.renderUser(c, http.StatusConflict, "That identity is already linked to another user.")
		return
	}
	if err != nil {
		h.unavailable(c, "link the identity", err)
		return
	}
	h.record(c, "identity.link", "user:"+u.Username, provider+" "+subject)
	h.redirect(c, userPath(u.ID)+"?done=identity-linked")
}

// unlock is POST /admin/users/:id/unlock: the user's failed sign-ins are
// forgotten (as "users unlock").
func (h *Handler) unlock(c *gin.Context) {
	u := h.targetUser(c)
	if u == nil {
		return
	}
	if err := h.Throttle.Unlock(c.Request.Context(), u.Username); err != nil {
		h.unavailable(c, "unlock the user", err)
		return
	}
	h.record(c, "user.unlock", "user:"+u.Username, "")
	h.redirect(c, userPath(u.ID)+"?done=user-unlocked")
}
