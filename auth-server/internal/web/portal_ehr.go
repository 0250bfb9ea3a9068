package web

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/launch"
)

// ehrListable reports whether a client can be launched from the EHR
// page: a launch URI, the authorization-code grant and the launch scope.
func ehrListable(c *clientDetail) bool {
	cl := c.Client
	return cl.LaunchURI != "" && clients.HasGrant(cl, "authorization_code") && slices.Contains(cl.Scopes, launch.Scope) && !cl.Disabled()
}

// portalEHRListing is POST /portal/clients/:id/ehr (admins only; 404 for
// anyone else): list the client on the demo EHR page (listed=1), or take
// it off. Its owner cannot list it: the EHR page sends clinicians to the
// client's launch URI, which an admin has looked at.
func (h *Handler) portalEHRListing(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminPost(c, s)
	if u == nil {
		return
	}
	cl := h.ownedClient(c, s, u)
	if cl == nil {
		return
	}
	listed := c.Request.PostForm.Get("listed") == "1"
	if listed && !ehrListable(&clientDetail{Client: cl}) {
		h.viewClient(c, s, u, cl, http.StatusBadRequest,
			"Only an enabled client with a launch URL, the authorization code grant and the launch scope can be listed on the EHR page. Nothing was changed.")
		return
	}
	updated := *cl
	updated.EHRLaunchable = listed
	if err := h.Store.UpdateClient(c.Request.Context(), &updated); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "portal: EHR listing", "err", err)
		h.viewClient(c, s, u, cl, http.StatusServiceUnavailable, "The change could not be saved right now. Try again.")
		return
	}
	h.redirect(c, s, h.link(PortalPath+"/"+cl.ID+"?saved=1"))
}
