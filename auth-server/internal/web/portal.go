package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// The self-service portal: a signed-in person registers OAuth2 clients
// and manages the ones they own (an admin manages every client). Every
// change goes through the registration service, so the portal obeys the
// same RFC 7591 rules as POST /register, bounded by the scopes the
// person's role may give (Deps.PortalScopes).

// Registrar registers and manages clients (registration.Service).
type Registrar interface {
	Register(ctx context.Context, m registration.Metadata, a registration.Allowance) (*registration.Registered, error)
	Replace(ctx context.Context, c *store.Client, m registration.Metadata, a registration.Allowance) (*registration.Registered, error)
	RotateSecret(ctx context.Context, c *store.Client) (string, error)
	Delete(ctx context.Context, c *store.Client) error
	// IssueInitialToken is the one way initial access tokens are made
	// (the portal's admin page and "auth-server clients initial-token").
	IssueInitialToken(ctx context.Context, description, createdBy string, ttl time.Duration) (string, error)
	InitialTokens(ctx context.Context) ([]*store.InitialAccessToken, error)
	DeleteInitialToken(ctx context.Context, tokenHash string) error
	// Reassign gives a client to a new owner and enables it, returning
	// its new secret ("" when it has none).
	Reassign(ctx context.Context, c *store.Client, owner *store.User) (string, error)
}

var _ Registrar = (*registration.Service)(nil)

// PortalPath is the list of the signed-in user's clients ("Self-service
// client registration").
const PortalPath = "/portal/clients"

// portalRoutes adds the portal's pages to r (nothing without a
// registration service).
func (h *Handler) portalRoutes(r gin.IRouter) {
	if h.Registration == nil {
		return
	}
	r.GET(PortalPath, h.portalList)
	r.POST(PortalPath, h.portalCreate)
	r.GET(PortalPath+"/new", h.portalNew)
	r.GET(PortalPath+"/:id", h.portalView)
	r.POST(PortalPath+"/:id", h.portalUpdate)
	r.GET(PortalPath+"/:id/edit", h.portalEdit)
	r.POST(PortalPath+"/:id/secret", h.portalRotate)
	r.GET(PortalPath+"/:id/credentials", h.portalCredentials)
	r.GET(PortalPath+"/:id/delete", h.portalConfirmDelete)
	r.POST(PortalPath+"/:id/delete", h.portalDelete)
	r.POST(PortalPath+"/:id/reassign", h.portalReassign)
	r.POST(PortalPath+"/:id/ehr", h.portalEHRListing)
	r.GET(InitialTokensPath, h.initialTokens)
	r.POST(InitialTokensPath, h.issueInitialToken)
	r.POST(InitialTokensPath+"/delete", h.deleteInitialToken)
	r.GET(UsersPath, h.portalUsers)
	r.POST(UsersPath+"/unlock", h.portalUnlock)
}

// portalNextRe matches the portal pages a sign-in may return to.
var portalNextRe = regexp.MustCompile(`^(/portal/clients(/[A-Za-z0-9._~-]+(/edit|/delete|/credentials)?)?|/portal/initial-tokens|/portal/users)$`)

// portalNext reports whether next is a portal page (a safe place to go
// after sign-in: a path of ours, never another host).
func portalNext(next string) bool { return portalNextRe.MatchString(next) }

// portalUser returns the signed-in user; without one it sends the
// browser to the sign-in page, which comes back to this page.
func (h *Handler) portalUser(c *gin.Context, s *session) *store.User {
	u := h.currentUser(c, s)
	if u != nil && u.Role == "" {
		// An account made for an upstream identity, not yet given a
		// role by an administrator, registers nothing.
		h.render(c, s, http.StatusForbidden, "error", "Your account has no role yet", view{SignedIn: u.Username, Data: map[string]string{
			"Message": "An administrator must give your account a role before you can register clients.", "Detail": ""}})
		return nil
	}
	if u != nil {
		return u
	}
	next := c.Request.URL.Path
	if !portalNext(next) || c.Request.Method != http.MethodGet {
		next = PortalPath
	}
	h.redirect(c, s, h.link(LoginPath+"?"+url.Values{"next": {next}}.Encode()))
	return nil
}

// portalPost checks a form post of the portal: parsed, CSRF-valid and by
// a signed-in user. It answers the request itself and returns nil
// otherwise.
func (h *Handler) portalPost(c *gin.Context, s *session) *store.User {
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired",
			"Nothing was changed. The form was not sent from this page, or it has expired. Reload the page and try again.", "")
		return nil
	}
	return h.portalUser(c, s)
}

// mayManage: the owner of a client, or an admin.
func mayManage(u *store.User, cl *store.Client) bool {
	return u.Role == store.RoleAdmin || (cl.Owner != "" && cl.Owner == u.ID)
}

// ownedClient loads the client of the :id path parameter when u may
// manage it. Another user's client and an unknown id both answer 404:
// the portal does not tell which client ids exist.
func (h *Handler) ownedClient(c *gin.Context, s *session, u *store.User) *store.Client {
	cl, err := h.Store.GetClient(c.Request.Context(), c.Param("id"))
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && !mayManage(u, cl)):
		h.render(c, s, http.StatusNotFound, "error", "Client not found", view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin,
			Data: map[string]string{"Message": "There is no client with this id among the clients you manage.", "Detail": ""}})
		return nil
	case err != nil:
		h.Log.ErrorContext(c.Request.Context(), "portal: get client", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The client cannot be read right now. Try again.", "")
		return nil
	}
	return cl
}

// clientRequest starts a portal request about the client of the :id path
// parameter: the session, the signed-in user (a CSRF-checked form post
// when post is true) and the client they may manage. A nil client means
// the request has already been answered.
func (h *Handler) clientRequest(c *gin.Context, post bool) (*session, *store.User, *store.Client) {
	s := h.Sessions.load(c.Request)
	u := h.portalUser
	if post {
		u = h.portalPost
	}
	user := u(c, s)
	if user == nil {
		return s, nil, nil
	}
	return s, user, h.ownedClient(c, s, user)
}

// portalAllowance is what u may give a client in the portal.
func (h *Handler) portalAllowance(u *store.User, owner string) registration.Allowance {
	return registration.Allowance{Scopes: h.PortalScopes[u.Role], Via: registration.ViaPortal, Owner: owner}
}

type clientRow struct {
	ID, Name, Method, Owner, Created string
	Grants                           []string
	Disabled                         bool
}

// portalList is GET /portal/clients: the user's clients (every client
// for an admin), with "+ New Client".
func (h *Handler) portalList(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.portalUser(c, s)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	all, err := h.Store.ListClients(ctx)
	if err != nil {
		h.Log.ErrorContext(ctx, "portal: list clients", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Your clients cannot be listed right now.", "")
		return
	}
	admin := u.Role == store.RoleAdmin
	owners := map[string]string{}
	var rows []clientRow
	for _, cl := range all {
		if !mayManage(u, cl) {
			continue
		}
		row := clientRow{ID: cl.ID, Name: displayName(cl), Method: methodLabel(cl.TokenEndpointAuthMethod),
			Grants: cl.GrantTypes, Created: cl.CreatedAt.Format("2 Jan 2006"), Disabled: cl.Disabled()}
		if admin {
			row.Owner = h.ownerName(ctx, owners, cl.Owner)
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	notice := ""
	if c.Query("deleted") != "" {
		notice = "The client was deleted. Apps using it can no longer get tokens."
	}
	h.render(c, s, http.StatusOK, "portal_list", "Self-service client registration", view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin,
		Data: map[string]any{"Clients": rows, "Admin": admin, "Notice": notice}})
}

// ownerName is the username of a client's owner (cached per request).
func (h *Handler) ownerName(ctx context.Context, cache map[string]string, id string) string {
	if id == "" {
		return "(operator)"
	}
	if n, ok := cache[id]; ok {
		return n
	}
	n := id
	if u, err := h.Store.GetUser(ctx, id); err == nil {
		n = u.Username
	}
	cache[id] = n
	return n
}
