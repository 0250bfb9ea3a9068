package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

// An action is a destructive change: GET /admin/confirm/NAME?id=..&arg=..
// shows what it will do, and its form posts it to the same URL. The
// target comes from the form, so the confirmation page and the action
// name the same thing.
type action struct {
	Title string // heading of the confirmation page
	Verb  string // the button
	// NewPassword asks for the new password on the confirmation page.
	NewPassword bool
	// target loads what the action acts on; store.ErrNotFound is 404.
	target func(ctx context.Context, h *Handler, id, arg string) (*target, error)
	// do acts and returns where to go next, with the notice key.
	do func(c *gin.Context, h *Handler, t *target) (string, error)
}

// target is what an action acts on.
type target struct {
	Label    string // shown: "user bob", "client abc"
	Event    string // recorded: user:bob, client:abc, key:kid
	Describe string // what will happen
	Back     string // the page the confirmation returns to
	user     *store.User
	client   *store.Client
	id, arg  string
}

// keyReauth keeps, in the session, when the admin last gave their password.
const keyReauth = "admin_reauth"

func (h *Handler) reauthFresh(c *gin.Context) bool {
	n, _ := strconv.ParseInt(browser(c).Value(keyReauth), 10, 64)
	at := h.Now().Unix() - n
	return n > 0 && at >= 0 && at < int64(ReauthWindow.Seconds())
}

type confirmView struct {
	Name, ID, Arg, Describe, Label, Verb, Back string
	NewPassword, Reauth                        bool
}

func (h *Handler) loadAction(c *gin.Context, id, arg string) (*action, *target, bool) {
	a, ok := actions[c.Param("action")]
	if !ok {
		notFound(c)
		return nil, nil, false
	}
	t, err := a.target(c.Request.Context(), h, id, arg)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(c)
		return nil, nil, false
	case err != nil:
		h.unavailable(c, "read the target", err)
		return nil, nil, false
	}
	return a, t, true
}

func (h *Handler) renderConfirm(c *gin.Context, status int, a *action, t *target, problem string) {
	h.render(c, browser(c), status, "confirm", a.Title, page{Error: problem, Data: confirmView{
		Name: c.Param("action"), ID: t.id, Arg: t.arg, Describe: t.Describe, Label: t.Label, Verb: a.Verb, Back: t.Back,
		NewPassword: a.NewPassword, Reauth: !h.reauthFresh(c)}})
}

// confirmPage is GET /admin/confirm/:action.
func (h *Handler) confirmPage(c *gin.Context) {
	a, t, ok := h.loadAction(c, c.Query("id"), c.Query("arg"))
	if !ok {
		return
	}
	h.renderConfirm(c, http.StatusOK, a, t, "")
}

// confirm is POST /admin/confirm/:action: re-authentication when due,
// then the action, its event, and a redirect.
func (h *Handler) confirm(c *gin.Context) {
	form := c.Request.PostForm
	a, t, ok := h.loadAction(c, form.Get("id"), form.Get("arg"))
	if !ok {
		return
	}
	if !h.reauthFresh(c) {
		if ok := h.reauthenticate(c, form.Get("current_password")); !ok {
			if c.Writer.Written() {
				return
			}
			h.renderConfirm(c, http.StatusUnauthorized, a, t, "Your password is incorrect. Nothing was changed.")
			return
		}
	}
	typ := strings.ReplaceAll(c.Param("action"), "-", ".")
	next, err := a.do(c, h, t)
	var bad badInput
	switch {
	case errors.As(err, &bad):
		h.recordFailure(c, typ, t.Event, string(bad))
		h.renderConfirm(c, http.StatusBadRequest, a, t, string(bad)+" Nothing was changed.")
		return
	case err != nil:
		h.recordFailure(c, typ, t.Event, "not completed")
		h.unavailable(c, a.Title, err)
		return
	}
	h.record(c, typ, t.Event, "")
	h.redirect(c, next)
}

// badInput is a refusal the admin can fix on the same page.
type badInput string

func (b badInput) Error() string { return string(b) }

// reauthenticate checks the admin's password under the sign-in
// throttle; on success the session remembers the time. It answers
// 429/503 itself (then c.Writer.Written()).
func (h *Handler) reauthenticate(c *gin.Context, password string) bool {
	ctx, u, addr := c.Request.Context(), admin(c), clientIP(c)
	refusal, err := h.Throttle.Reserve(ctx, u.Username, addr)
	if err != nil {
		h.unavailable(c, "check your password", err)
		return false
	}
	if refusal != nil {
		c.Header("Retry-After", strconv.Itoa(int(refusal.Wait.Seconds())+1))
		h.render(c, browser(c), http.StatusTooManyRequests, "confirm", "Too many attempts", page{
			Error: "Too many failed password checks. Nothing was changed. Wait a moment and try again."})
		return false
	}
	if _, err := h.Users.Authenticate(ctx, u.Username, password); err != nil {
		if !errors.Is(err, users.ErrBadCredentials) {
			h.unavailable(c, "check your password", err)
			return false
		}
		h.Events.Record(ctx, store.Event{Type: "admin.reauth", Outcome: store.OutcomeFailure, Actor: u.Username, Address: addr})
		return false
	}
	if err := h.Throttle.Succeeded(ctx, u.Username, addr); err != nil {
		h.Log.WarnContext(ctx, "admin: login throttle: record success", "err", err)
	}
	browser(c).SetValue(keyReauth, strconv.FormatInt(h.Now().Unix(), 10))
	return true
}

// confirmURL is the confirmation page of an action.
func confirmURL(name, id, arg string) string {
	q := url.Values{"id": {id}}
	if arg != "" {
		q.Set("arg", arg)
	}
	return Path + "/confirm/" + name + "?" + q.Encode()
}

// notices are the messages a redirect's ?done= names.
var notices = map[string]string{
	"user-created":      "The user was created.",
	"user-deleted":      "The user was deleted: their sessions ended and their clients were disabled.",
	"user-disabled":     "The user was disabled: they cannot sign in, their sessions ended, their grants and their clients' tokens were revoked.",
	"user-enabled":      "The user was enabled: they may sign in again.",
	"user-password":     "The password was reset and the user's sessions ended.",
	"user-unlocked":     "The user was unlocked: any address may try to sign in again.",
	"role-set":          "The role was saved.",
	"patient-linked":    "The user was linked to the patient.",
	"identity-linked":   "The identity was linked.",
	"identity-unlinked": "The identity was unlinked.",
	"grant-revoked":     "The app's access was revoked: its refresh tokens and the access tokens issued with them no longer work.",
	"grants-revoked":    "Every app's access was revoked.",
	"family-revoked":    "The refresh-token family was revoked: its refresh tokens and the access tokens issued with them no longer work.",
	"session-ended":     "The session was ended.",
	"client-disabled":   "The client was disabled: its tokens were revoked and it gets no new ones.",
	"client-enabled":    "The client was enabled.",
	"client-deleted":    "The client was deleted and its tokens revoked.",
	"scopes-saved":      "The scopes were saved. Refresh tokens keep only the scopes the client still has, from their next use.",
	"key-rotated":       "A new key signs new tokens; the previous one stays published until its tokens have expired.",
	"key-retired":       "The key was retired: it is no longer published.",
}
