package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
)

// The admin page of users: every local login with its role and whether
// sign-in throttling has locked it to the addresses it signed in from
// before, with an Unlock button (as "auth-server users unlock").
// Everyone but an admin gets 404.

// UsersPath is the admin page of users.
const UsersPath = "/portal/users"

type userRow struct {
	Username, Role, Name string
	Locked               bool
}

// portalUsers is GET /portal/users.
func (h *Handler) portalUsers(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminUser(c, s)
	if u == nil {
		return
	}
	h.renderUsers(c, s, u, http.StatusOK, "")
}

func (h *Handler) renderUsers(c *gin.Context, s *session, u *store.User, status int, problem string) {
	ctx := c.Request.Context()
	list, err := h.Store.ListUsers(ctx)
	if err != nil {
		h.Log.ErrorContext(ctx, "portal: list users", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The users cannot be listed right now.", "")
		return
	}
	rows := make([]userRow, 0, len(list))
	for _, x := range list {
		locked, err := h.Throttle.Locked(ctx, x.Username)
		if err != nil {
			h.Log.ErrorContext(ctx, "portal: login throttle", "err", err)
			h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "The users cannot be listed right now.", "")
			return
		}
		rows = append(rows, userRow{Username: x.Username, Role: x.Role, Name: x.Name, Locked: locked})
	}
	notice := ""
	if n := c.Query("unlocked"); n != "" {
		notice = n + " was unlocked: it may sign in from any address again."
	}
	v := h.userView(u, "", map[string]any{"Users": rows, "Notice": notice})
	v.Error = problem
	h.render(c, s, status, "portal_users", "Users", v)
}

// portalUnlock is POST /portal/users/unlock: the user's consecutive
// failed sign-ins are forgotten, so any address may try again.
func (h *Handler) portalUnlock(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	u := h.adminPost(c, s)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	target, err := h.Store.GetUserByUsername(ctx, c.Request.PostForm.Get("username"))
	if errors.Is(err, store.ErrNotFound) {
		h.renderUsers(c, s, u, http.StatusBadRequest, "There is no such user. Nothing was changed.")
		return
	}
	if err == nil {
		err = h.Throttle.Unlock(ctx, target.Username)
	}
	if err != nil {
		h.Log.ErrorContext(ctx, "portal: unlock user", "err", err)
		h.renderUsers(c, s, u, http.StatusServiceUnavailable, "The user could not be unlocked right now. Try again.")
		return
	}
	h.Log.InfoContext(ctx, "user unlocked", "user_id", target.ID, "by", u.ID)
	h.redirect(c, s, h.link(UsersPath+"?"+url.Values{"unlocked": {target.Username}}.Encode()))
}
