package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
)

type approvedApp struct {
	ClientID string
	Name     string
	Approved string
	Scopes   []scopeText
}

// manage is GET /manage: the apps the user approved, each with a revoke
// button (the "manage" URI of the discovery documents).
func (h *Handler) manage(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	user := h.currentUser(c, s)
	if user == nil {
		h.redirect(c, s, h.link(LoginPath+"?"+url.Values{"next": {ManagePath}}.Encode()))
		return
	}
	consents, err := h.Store.ListConsents(c.Request.Context(), user.ID)
	if err != nil {
		h.Log.ErrorContext(c.Request.Context(), "list consents", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Your approved apps cannot be listed right now.", "")
		return
	}
	apps := make([]approvedApp, 0, len(consents))
	for _, cs := range consents {
		name := cs.ClientID
		if cl, err := h.Store.GetClient(c.Request.Context(), cs.ClientID); err == nil {
			name = displayName(cl)
		}
		apps = append(apps, approvedApp{ClientID: cs.ClientID, Name: name, Approved: cs.UpdatedAt.Format("2 January 2006 15:04 MST"), Scopes: describeAll(cs.Scopes)})
	}
	linked, err := h.linkedAccounts(c, user.ID)
	if err != nil {
		h.Log.ErrorContext(c.Request.Context(), "list linked identities", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Your linked accounts cannot be listed right now.", "")
		return
	}
	notice := ""
	switch {
	case c.Query("revoked") != "":
		notice = "Access revoked."
	case c.Query("linked") != "":
		notice = "Account linked."
	case c.Query("unlinked") != "":
		notice = "Account unlinked."
	}
	h.render(c, s, http.StatusOK, "manage", "Your approved apps", view{SignedIn: user.Username, Data: map[string]any{
		"Apps": apps, "Notice": notice, "Linked": linked, "Providers": h.providerButtons(""),
	}})
}

// revoke is POST /manage/revoke: forget the approval and revoke the
// app's refresh tokens (and the access tokens issued beside them).
func (h *Handler) revoke(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired", "Nothing was changed. Reload the page and try again.", "")
		return
	}
	user := h.currentUser(c, s)
	if user == nil {
		h.redirect(c, s, h.link(LoginPath+"?next="+ManagePath))
		return
	}
	ctx := c.Request.Context()
	clientID := c.Request.PostForm.Get("client_id")
	if err := h.Store.DeleteConsent(ctx, user.ID, clientID); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.ErrorContext(ctx, "delete consent", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Access could not be revoked right now. Try again.", "")
		return
	}
	if err := h.Revoker.RevokeUserClient(ctx, user.ID, clientID); err != nil {
		h.Log.ErrorContext(ctx, "revoke refresh tokens", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Access could not be fully revoked right now. Try again.", "")
		return
	}
	h.Log.InfoContext(ctx, "user revoked app", "user_id", user.ID, "client_id", clientID)
	h.redirect(c, s, h.link(ManagePath+"?revoked=1"))
}
