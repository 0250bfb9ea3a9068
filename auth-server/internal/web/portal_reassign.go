package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// A client whose owner was deleted or lost the role that allowed its
// scopes is disabled (registration.Service.OwnerChanged): its page says
// so, and an admin may re-assign it there to a person whose role allows
// its scopes, which enables it with new credentials.

// owners are the users an admin may re-assign a client to.
func (h *Handler) owners(c *gin.Context) []*store.User {
	list, err := h.Store.ListUsers(c.Request.Context())
	if err != nil {
		h.Log.WarnContext(c.Request.Context(), "portal: list users", "err", err)
	}
	return list
}

// portalReassign is POST /portal/clients/:id/reassign (admins only; 404
// for anyone else): the client goes to the user named by "owner". A new
// secret is shown once on the credentials page.
func (h *Handler) portalReassign(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminPost(c, s)
	if u == nil {
		return
	}
	cl := h.ownedClient(c, s, u)
	if cl == nil {
		return
	}
	ctx := c.Request.Context()
	owner, err := h.Store.GetUserByUsername(ctx, c.Request.PostForm.Get("owner"))
	if errors.Is(err, store.ErrNotFound) {
		h.viewClient(c, s, u, cl, http.StatusBadRequest, "Choose a user to give the client to. Nothing was changed.")
		return
	}
	secret := ""
	if err == nil {
		secret, err = h.Registration.Reassign(ctx, cl, owner)
	}
	switch {
	case errors.Is(err, registration.ErrOwnerNotAllowed):
		h.viewClient(c, s, u, cl, http.StatusBadRequest, "The client was not re-assigned: "+err.Error()+".")
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "portal: reassign client", "err", err)
		h.viewClient(c, s, u, cl, http.StatusServiceUnavailable, "The client could not be re-assigned right now. Try again.")
		return
	}
	if secret != "" {
		h.showSecretOnce(c, s, cl, secret, "Client re-assigned: new secret")
		return
	}
	h.redirect(c, s, h.link(PortalPath+"/"+cl.ID+"?reassigned=1"))
}
