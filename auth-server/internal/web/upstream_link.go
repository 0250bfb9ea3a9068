package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/upstream"
	"github.com/smartgate/auth-server/internal/users"
)

// A signed-in user links an identity at a provider to their account from
// /manage: they sign in at the provider (a fresh sign-in, so the identity
// is theirs now) and then confirm the link on our page, with a CSRF
// token, so a link is never made by a response alone.

// linking is a verified identity waiting for For to confirm the link.
type linking struct {
	For      string `json:"for"`
	Provider string `json:"provider"`
	Name     string `json:"name"` // the provider's display name
	Subject  string `json:"subject"`
	Label    string `json:"label"`
}

func (s *session) linking() *linking {
	var l linking
	if raw := s.get(keyLinking); raw == "" || json.Unmarshal([]byte(raw), &l) != nil {
		return nil
	}
	return &l
}

// manageForm checks a /manage form: CSRF and a signed-in user.
func (h *Handler) manageForm(c *gin.Context) (*session, *store.User, bool) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired", "Nothing was changed. Reload the page and try again.", "")
		return nil, nil, false
	}
	user := h.currentUser(c, s)
	if user == nil {
		h.redirect(c, s, h.link(LoginPath+"?next="+ManagePath))
		return nil, nil, false
	}
	return s, user, true
}

// startLink is POST /manage/link: sign in at the provider to link.
func (h *Handler) startLink(c *gin.Context) {
	s, user, ok := h.manageForm(c)
	if !ok {
		return
	}
	h.beginUpstream(c, s, c.Request.PostForm.Get("provider"), "", user.ID)
}

// askToLink shows the confirmation of a link, after the provider signed
// the person in; only the user who asked sees it.
func (h *Handler) askToLink(c *gin.Context, s *session, linkFor string, id *upstream.Identity, providerName string) {
	user := h.currentUser(c, s)
	if user == nil || user.ID != linkFor {
		h.errorPage(c, s, http.StatusForbidden, "Sign in again",
			"You are no longer signed in as the account that asked for this link. Nothing was linked.", "")
		return
	}
	l := linking{For: user.ID, Provider: id.Provider, Name: providerName, Subject: id.Subject, Label: id.Label()}
	s.setJSON(keyLinking, l)
	h.render(c, s, http.StatusOK, "link", "Link your "+providerName+" account?", view{SignedIn: user.Username, Data: l})
}

// confirmLink is POST /manage/link/confirm.
func (h *Handler) confirmLink(c *gin.Context) {
	s, user, ok := h.manageForm(c)
	if !ok {
		return
	}
	l := s.linking()
	s.set(keyLinking, "")
	if l == nil || l.For != user.ID {
		h.errorPage(c, s, http.StatusBadRequest, "No link waiting", "There is no account waiting to be linked in this browser. Nothing was linked.", "")
		return
	}
	if c.Request.PostForm.Get("decision") != "link" {
		h.redirect(c, s, h.link(ManagePath))
		return
	}
	ctx := c.Request.Context()
	err := h.Identities.LinkUser(ctx, user.ID, l.Provider, l.Subject)
	switch {
	case errors.Is(err, users.ErrLinkedElsewhere):
		h.errorPage(c, s, http.StatusConflict, "Already linked to another account",
			"Your "+l.Name+" account is linked to another account here. Nothing was changed; an administrator can unlink it.", "")
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "link identity", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The account could not be linked right now. Try again.", "")
		return
	}
	h.Log.InfoContext(ctx, "user linked an upstream identity", "user_id", user.ID, "provider", l.Provider)
	h.redirect(c, s, h.link(ManagePath+"?linked=1"))
}

// unlink is POST /manage/unlink: the user removes one of their links.
func (h *Handler) unlink(c *gin.Context) {
	s, user, ok := h.manageForm(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	form := c.Request.PostForm
	err := h.Identities.UnlinkUser(ctx, user.ID, form.Get("provider"), form.Get("subject"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.ErrorContext(ctx, "unlink identity", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The account could not be unlinked right now. Try again.", "")
		return
	}
	h.Log.InfoContext(ctx, "user unlinked an upstream identity", "user_id", user.ID, "provider", form.Get("provider"))
	h.redirect(c, s, h.link(ManagePath+"?unlinked=1"))
}

// linkedAccount is one of the user's links on /manage.
type linkedAccount struct {
	Provider, Name, Subject string
}

// linkedAccounts are the user's links, named for people.
func (h *Handler) linkedAccounts(c *gin.Context, userID string) ([]linkedAccount, error) {
	links, err := h.Identities.Links(c.Request.Context(), userID)
	if err != nil {
		return nil, err
	}
	out := make([]linkedAccount, 0, len(links))
	for _, l := range links {
		name := l.Provider
		if p := h.Upstreams.Get(l.Provider); p != nil {
			name = p.Name()
		}
		out = append(out, linkedAccount{Provider: l.Provider, Name: name, Subject: l.Subject})
	}
	return out, nil
}
