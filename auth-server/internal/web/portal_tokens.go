package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
)

// The admin page of initial access tokens (RFC 7591 section 3): the
// tokens a program sends as Bearer to POST /register. An admin lists
// them (never the tokens themselves: only their hashes are stored),
// issues one, which is shown once, and deletes them. Everyone else gets
// 404, as for a page that does not exist.

// InitialTokensPath is the admin page of initial access tokens.
const InitialTokensPath = "/portal/initial-tokens"

// tokenLifetimes are the lifetimes the form offers (0: never expires).
var tokenLifetimes = []struct {
	Value, Label string
	TTL          time.Duration
}{
	{"1h", "1 hour", time.Hour},
	{"24h", "1 day", 24 * time.Hour},
	{"168h", "7 days", 7 * 24 * time.Hour},
	{"720h", "30 days", 30 * 24 * time.Hour},
	{"0", "Never expires", 0},
}

// defaultLifetime is the preselected lifetime (as the operator command's
// -ttl default).
const defaultLifetime = "168h"

// maxDescription bounds a token's description.
const maxDescription = 200

type tokenRow struct {
	Hash, Description, CreatedBy, Created, Expires string
}

type tokensView struct {
	Tokens    []tokenRow
	Lifetimes any
	Default   string
	Issued    *flash // the token just issued, shown once
	Notice    string
}

// adminUser is the signed-in admin; anyone else (signed in) gets 404.
func (h *Handler) adminUser(c *gin.Context, s *session) *store.User {
	u := h.portalUser(c, s)
	if u == nil {
		return nil
	}
	if u.Role != store.RoleAdmin {
		h.render(c, s, http.StatusNotFound, "error", "Page not found", h.userView(u, "",
			map[string]string{"Message": "There is no such page.", "Detail": ""}))
		return nil
	}
	return u
}

// adminPost checks a form post of the admin page: by a signed-in admin
// (else 404, whatever the form holds), CSRF-valid (else 403).
func (h *Handler) adminPost(c *gin.Context, s *session) *store.User {
	formErr := c.Request.ParseForm()
	u := h.adminUser(c, s)
	if u == nil {
		return nil
	}
	if formErr != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired",
			"Nothing was changed. The form was not sent from this page, or it has expired. Reload the page and try again.", "")
		return nil
	}
	return u
}

// initialTokens is GET /portal/initial-tokens: the list, the form, and
// the token just issued (once, right after the POST).
func (h *Handler) initialTokens(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminUser(c, s)
	if u == nil {
		return
	}
	h.renderTokens(c, s, u, http.StatusOK, "")
}

func (h *Handler) renderTokens(c *gin.Context, s *session, u *store.User, status int, problem string) {
	ctx := c.Request.Context()
	list, err := h.Registration.InitialTokens(ctx)
	if err != nil {
		h.Log.ErrorContext(ctx, "portal: list initial access tokens", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The initial access tokens cannot be listed right now.", "")
		return
	}
	v := tokensView{Lifetimes: tokenLifetimes, Default: defaultLifetime}
	names := map[string]string{}
	for _, t := range list {
		row := tokenRow{Hash: t.TokenHash, Description: t.Description, CreatedBy: h.ownerName(ctx, names, t.CreatedBy),
			Created: t.CreatedAt.Format("2 Jan 2006 15:04 MST"), Expires: "Never"}
		if !t.ExpiresAt.IsZero() {
			row.Expires = t.ExpiresAt.Format("2 Jan 2006 15:04 MST")
		}
		v.Tokens = append(v.Tokens, row)
	}
	script := ""
	if v.Issued = takeFlash(s, flashInitialToken, ""); v.Issued != nil {
		script = copyScript
	}
	if c.Query("deleted") != "" {
		v.Notice = "The token was deleted. POST /register no longer accepts it."
	}
	pv := h.userView(u, script, v)
	pv.Error = problem
	h.render(c, s, status, "portal_tokens", "Initial access tokens", pv)
}

// issueInitialToken is POST /portal/initial-tokens: a new token, kept
// in the session and shown once on the GET page it redirects to.
func (h *Handler) issueInitialToken(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminPost(c, s)
	if u == nil {
		return
	}
	description := strings.TrimSpace(c.Request.PostForm.Get("description"))
	if len(description) > maxDescription {
		h.renderTokens(c, s, u, http.StatusBadRequest, "The description is too long (at most 200 characters).")
		return
	}
	lifetime := c.Request.PostForm.Get("lifetime")
	ttl, ok := time.Duration(0), false
	for _, l := range tokenLifetimes {
		if l.Value == lifetime {
			ttl, ok = l.TTL, true
		}
	}
	if !ok {
		h.renderTokens(c, s, u, http.StatusBadRequest, "Choose one of the lifetimes offered.")
		return
	}
	ctx := c.Request.Context()
	token, err := h.Registration.IssueInitialToken(ctx, description, u.ID, ttl)
	if err != nil {
		h.Log.ErrorContext(ctx, "portal: issue initial access token", "err", err)
		h.renderTokens(c, s, u, http.StatusServiceUnavailable, "The token could not be issued right now. Try again.")
		return
	}
	expires := "Never"
	if ttl > 0 {
		expires = h.Now().Add(ttl).UTC().Format("2 Jan 2006 15:04 MST")
	}
	setFlash(s, flash{Kind: flashInitialToken, Secret: token, Note: description, Expires: expires})
	h.redirect(c, s, h.link(InitialTokensPath))
}

// deleteInitialToken is POST /portal/initial-tokens/delete: the token
// (named by its hash) is no longer accepted by POST /register.
func (h *Handler) deleteInitialToken(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminPost(c, s)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	err := h.Registration.DeleteInitialToken(ctx, c.Request.PostForm.Get("hash"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.ErrorContext(ctx, "portal: delete initial access token", "err", err)
		h.renderTokens(c, s, u, http.StatusServiceUnavailable, "The token could not be deleted right now. Try again.")
		return
	}
	h.redirect(c, s, h.link(InitialTokensPath+"?deleted=1"))
}
