package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// copyScript is the static script of the secret page's Copy buttons; the
// page's Content-Security-Policy allows scripts from our origin only.
const copyScript = "copy.js"

// portalNew is GET /portal/clients/new: the empty form.
func (h *Handler) portalNew(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.portalUser(c, s)
	if u == nil {
		return
	}
	h.renderForm(c, s, u, http.StatusOK, newClientForm(), "", "")
}

// renderForm shows the new-client form (clientID "") or the edit form,
// with problem as the error when the form was refused.
func (h *Handler) renderForm(c *gin.Context, s *session, u *store.User, status int, f clientForm, clientID, problem string) {
	title, action := "New client", h.link(PortalPath)
	if clientID != "" {
		title, action = "Edit client", h.link(PortalPath+"/"+clientID)
	}
	h.render(c, s, status, "portal_form", title, view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin, Error: problem,
		Data: formViewOf(f, h.PortalScopes[u.Role], u.Role, action, clientID)})
}

// portalCreate is POST /portal/clients: register, then redirect to the
// credentials page, which shows the client id and secret once.
func (h *Handler) portalCreate(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.portalPost(c, s)
	if u == nil {
		return
	}
	f := parseClientForm(c.Request.PostForm)
	m, problem := f.metadata()
	if problem != "" {
		h.renderForm(c, s, u, http.StatusBadRequest, f, "", problem)
		return
	}
	reg, err := h.Registration.Register(c.Request.Context(), m, h.portalAllowance(u, u.ID))
	if err != nil {
		h.formError(c, s, u, f, "", err)
		return
	}
	h.showSecretOnce(c, s, reg.Client, reg.Secret, "Client registered")
}

// formError shows a refused registration on the form, keeping the input.
func (h *Handler) formError(c *gin.Context, s *session, u *store.User, f clientForm, clientID string, err error) {
	var oe *oauth.Error
	if errors.As(err, &oe) && oe.Status == http.StatusBadRequest {
		h.renderForm(c, s, u, http.StatusBadRequest, f, clientID, "The client was not saved: "+readable(oe))
		return
	}
	h.Log.ErrorContext(c.Request.Context(), "portal: save client", "err", err)
	h.renderForm(c, s, u, http.StatusServiceUnavailable, f, clientID, "The client could not be saved right now. Try again.")
}

// readable is a registration error in a sentence.
func readable(e *oauth.Error) string {
	d := e.Description
	if d == "" {
		d = e.Code
	}
	return strings.ToUpper(d[:1]) + d[1:] + "."
}

// secretView is the credentials page (portal_secret.html): Secret is
// set only on the one GET that shows a just-issued secret.
type secretView struct {
	ClientID, Name, Secret, TokenURL, Method string
	HasSecret                                bool
}

type clientDetail struct {
	Client     *store.Client
	Name       string
	Method     string
	Scopes     []scopeText
	HasSecret  bool
	Owner      string
	Notice     string
	Registered string
	Updated    string
	// Owners are whom an admin may re-assign a disabled client to.
	Owners []*store.User
	// EHRListable: an admin may list the client on the demo EHR page.
	EHRListable bool
}

// portalView is GET /portal/clients/:id: the client's registration,
// never its secret.
func (h *Handler) portalView(c *gin.Context) {
	s, u, cl := h.clientRequest(c, false)
	if cl == nil {
		return
	}
	h.viewClient(c, s, u, cl, http.StatusOK, "")
}

// viewClient renders a client's page, with problem as its error.
func (h *Handler) viewClient(c *gin.Context, s *session, u *store.User, cl *store.Client, status int, problem string) {
	d := clientDetail{Client: cl, Name: displayName(cl), Method: methodLabel(cl.TokenEndpointAuthMethod),
		Scopes: describeAll(cl.Scopes), HasSecret: registration.NeedsSecret(cl.TokenEndpointAuthMethod),
		Registered: cl.CreatedAt.Format("2 January 2006 15:04 MST"), Updated: cl.UpdatedAt.Format("2 January 2006 15:04 MST")}
	if u.Role == store.RoleAdmin {
		d.Owner = h.ownerName(c.Request.Context(), map[string]string{}, cl.Owner)
		if cl.Disabled() {
			d.Owners = h.owners(c)
		}
		d.EHRListable = ehrListable(&d)
	}
	switch {
	case c.Query("saved") != "":
		d.Notice = "Your changes were saved."
	case c.Query("reassigned") != "":
		d.Notice = "The client was re-assigned and is enabled again."
	}
	v := view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin, Error: problem, Data: d}
	h.render(c, s, status, "portal_view", d.Name, v)
}

// portalEdit is GET /portal/clients/:id/edit: the form, filled.
func (h *Handler) portalEdit(c *gin.Context) {
	s, u, cl := h.clientRequest(c, false)
	if cl == nil {
		return
	}
	h.renderForm(c, s, u, http.StatusOK, formOf(cl, offeredScopes(h.PortalScopes[u.Role])), cl.ID, "")
}

// portalUpdate is POST /portal/clients/:id: a full replacement of the
// registration. A client that moves to a secret-based method gets a
// secret, shown once on the credentials page.
func (h *Handler) portalUpdate(c *gin.Context) {
	s, u, cl := h.clientRequest(c, true)
	if cl == nil {
		return
	}
	f := parseClientForm(c.Request.PostForm)
	m, problem := f.metadata()
	if problem != "" {
		h.renderForm(c, s, u, http.StatusBadRequest, f, cl.ID, problem)
		return
	}
	reg, err := h.Registration.Replace(c.Request.Context(), cl, m, h.portalAllowance(u, cl.Owner))
	if err != nil {
		h.formError(c, s, u, f, cl.ID, err)
		return
	}
	if reg.Secret != "" {
		h.showSecretOnce(c, s, reg.Client, reg.Secret, "Client updated: new secret")
		return
	}
	h.redirect(c, s, h.link(PortalPath+"/"+cl.ID+"?saved=1"))
}

// portalRotate is POST /portal/clients/:id/secret: a new secret, shown
// once on the credentials page; the old one stops working at once.
func (h *Handler) portalRotate(c *gin.Context) {
	s, _, cl := h.clientRequest(c, true)
	if cl == nil {
		return
	}
	secret, err := h.Registration.RotateSecret(c.Request.Context(), cl)
	var oe *oauth.Error
	switch {
	case errors.As(err, &oe) && oe.Status == http.StatusBadRequest:
		h.errorPage(c, s, http.StatusBadRequest, "No secret to rotate", "This client does not authenticate with a secret.", "")
		return
	case err != nil:
		h.Log.ErrorContext(c.Request.Context(), "portal: rotate secret", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The secret could not be changed right now. Try again.", "")
		return
	}
	h.showSecretOnce(c, s, cl, secret, "New client secret")
}

// portalConfirmDelete is GET /portal/clients/:id/delete: are you sure?
func (h *Handler) portalConfirmDelete(c *gin.Context) {
	s, u, cl := h.clientRequest(c, false)
	if cl == nil {
		return
	}
	h.render(c, s, http.StatusOK, "portal_delete", "Delete client?", view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin,
		Data: map[string]string{"ID": cl.ID, "Name": displayName(cl)}})
}

// portalDelete is POST /portal/clients/:id/delete: the client is removed
// and its refresh tokens revoked.
func (h *Handler) portalDelete(c *gin.Context) {
	s, _, cl := h.clientRequest(c, true)
	if cl == nil {
		return
	}
	if err := h.Registration.Delete(c.Request.Context(), cl); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.ErrorContext(c.Request.Context(), "portal: delete client", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The client could not be deleted right now. Try again.", "")
		return
	}
	h.redirect(c, s, h.link(PortalPath+"?deleted=1"))
}
