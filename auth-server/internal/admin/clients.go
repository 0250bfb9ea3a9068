package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

func clientPath(id string) string { return Path + "/clients/" + id }

type clientRow struct {
	*store.Client
	Owner, Kind, LastUsed string
	Tokens24h             int
}

type clientsView struct {
	Clients                 []clientRow
	Owner, Grant, Method    string
	Owners, Grants, Methods []string
}

// kind says how a client came to be.
func kind(c *store.Client) string {
	switch c.RegisteredVia {
	case registration.ViaPortal:
		return "portal"
	case registration.ViaOpen, registration.ViaToken:
		return "API-registered"
	}
	return "configured"
}

// clientsPage is GET /admin/clients?owner=&grant=&method=: every client
// (portal, API-registered, configured), filtered.
func (h *Handler) clientsPage(c *gin.Context) {
	ctx := c.Request.Context()
	all, err := h.Store.ListClients(ctx)
	if err != nil {
		h.unavailable(c, "list clients", err)
		return
	}
	v := clientsView{Owner: c.Query("owner"), Grant: c.Query("grant"), Method: c.Query("method"),
		Grants:  []string{registration.GrantAuthorizationCode, registration.GrantClientCredentials, registration.GrantRefreshToken},
		Methods: []string{registration.MethodSecretBasic, registration.MethodSecretPost, registration.MethodPrivateKey, registration.MethodNone}}
	names := map[string]string{}
	for _, cl := range all {
		owner := h.ownerName(c, names, cl.Owner)
		if !slices.Contains(v.Owners, owner) {
			v.Owners = append(v.Owners, owner)
		}
		if (v.Owner != "" && owner != v.Owner) || (v.Grant != "" && !slices.Contains(cl.GrantTypes, v.Grant)) ||
			(v.Method != "" && cl.TokenEndpointAuthMethod != v.Method) {
			continue
		}
		v.Clients = append(v.Clients, h.clientRow(cl, owner))
	}
	slices.Sort(v.Owners)
	h.render(c, browser(c), http.StatusOK, "clients", "Clients", page{Data: v})
}

func (h *Handler) clientRow(cl *store.Client, owner string) clientRow {
	last, n := h.Activity.Client(cl.ID)
	row := clientRow{Client: cl, Owner: owner, Kind: kind(cl), Tokens24h: n, LastUsed: "not since this server started"}
	if !last.IsZero() {
		row.LastUsed = last.UTC().Format("2 Jan 2006 15:04:05 MST")
	}
	return row
}

// ownerName is the username of a client's owner ("(operator)" for
// configured and API-registered clients).
func (h *Handler) ownerName(c *gin.Context, cache map[string]string, id string) string {
	if id == "" {
		return "(operator)"
	}
	if n, ok := cache[id]; ok {
		return n
	}
	n := id
	if u, err := h.Store.GetUser(c.Request.Context(), id); err == nil {
		n = u.Username
	}
	cache[id] = n
	return n
}

type clientView struct {
	clientRow
	HasSecret bool
	Scopes    string
}

// clientPage is GET /admin/clients/:id: the client's metadata, use and
// actions.
func (h *Handler) clientPage(c *gin.Context) {
	h.renderClient(c, http.StatusOK, "", "")
}

func (h *Handler) renderClient(c *gin.Context, status int, problem, scopes string) {
	cl, err := h.Store.GetClient(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c)
		return
	}
	if err != nil {
		h.unavailable(c, "read the client", err)
		return
	}
	if scopes == "" {
		scopes = strings.Join(cl.Scopes, " ")
	}
	v := clientView{clientRow: h.clientRow(cl, h.ownerName(c, map[string]string{}, cl.Owner)),
		HasSecret: registration.NeedsSecret(cl.TokenEndpointAuthMethod), Scopes: scopes}
	h.render(c, browser(c), status, "client", "Client "+displayName(cl), page{Error: problem, Data: v})
}

func displayName(cl *store.Client) string {
	if cl.Name != "" {
		return cl.Name
	}
	return cl.ID
}

// editScopes is POST /admin/clients/:id/scopes: the client's registered
// scopes, validated as an update of how it was registered. Refresh
// tokens keep only the scopes the client still has from their next use.
func (h *Handler) editScopes(c *gin.Context) {
	ctx := c.Request.Context()
	cl, err := h.Store.GetClient(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		notFound(c)
		return
	}
	if err != nil {
		h.unavailable(c, "read the client", err)
		return
	}
	scope := strings.Join(strings.Fields(c.Request.PostForm.Get("scope")), " ")
	var refused *oauth.Error
	if cl.RegisteredVia == "" {
		// A configured client is the operator's: any valid scope, as
		// in the clients file.
		err = h.setConfiguredScopes(c, cl, strings.Fields(scope))
	} else {
		// A registered one stays within the bounds of how it was
		// registered.
		m := registration.MetadataOf(cl)
		m.Scope = scope
		_, err = h.Registration.Replace(ctx, cl, m, h.Registration.AllowanceFor(cl))
	}
	var bad badInput
	switch {
	case errors.As(err, &refused):
		h.renderClient(c, http.StatusBadRequest, "Not saved: "+refused.Description, scope)
		return
	case errors.As(err, &bad):
		h.renderClient(c, http.StatusBadRequest, "Not saved: "+string(bad), scope)
		return
	case err != nil:
		h.unavailable(c, "save the scopes", err)
		return
	}
	h.record(c, "client.scopes", "client:"+cl.ID, scope)
	h.redirect(c, clientPath(cl.ID)+"?done=scopes-saved")
}

// setConfiguredScopes replaces a configured client's scopes, each of
// which must parse under the SMART grammar.
func (h *Handler) setConfiguredScopes(c *gin.Context, cl *store.Client, scopes []string) error {
	for _, sc := range scopes {
		if _, err := smart.ParseScope(sc); err != nil {
			return badInput(err.Error())
		}
	}
	updated := *cl
	updated.Scopes, updated.UpdatedAt = scopes, h.Now().UTC()
	return h.Store.UpdateClient(c.Request.Context(), &updated)
}

// keySecret keeps, in the session, a secret just rotated ("id secret")
// until the secret page shows it once.
const keySecret = "admin_secret"

// secretPage is GET /admin/clients/:id/secret: the secret just issued,
// once; later it says it was shown.
func (h *Handler) secretPage(c *gin.Context) {
	b := browser(c)
	id, secret, _ := cut(b.Value(keySecret))
	if id != c.Param("id") {
		secret = ""
	} else {
		b.SetValue(keySecret, "")
	}
	h.render(c, b, http.StatusOK, "secret", "Client secret", page{Data: map[string]string{"ID": c.Param("id"), "Secret": secret}})
}
