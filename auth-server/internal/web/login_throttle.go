package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/throttle"
)

// reasonBusy: every password-check slot of the server is taken.
const reasonBusy = "busy"

// tooMany answers a sign-in that may not check its password now: 429,
// Retry-After, and what the person can do. None of the messages depends
// on whether the account exists.
func (h *Handler) tooMany(c *gin.Context, s *session, data loginData, reason string, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	var msg string
	switch reason {
	case throttle.ReasonAccount:
		msg = "Too many failed sign-in attempts for this account. It can now be used only from a device that has " +
			"signed in to it before, until an administrator unlocks it."
	case throttle.ReasonAddress:
		msg = "Too many failed sign-in attempts to different accounts from your network. Wait " + waitText(secs) + ", then try again."
	case reasonBusy:
		msg = "The server is busy signing people in. Wait a moment, then try again."
	default:
		msg = "Too many failed sign-in attempts for this account from your network. Wait " + waitText(secs) + ", then try again."
	}
	c.Header("Retry-After", strconv.Itoa(secs))
	h.render(c, s, http.StatusTooManyRequests, "login", "Sign in", view{Error: msg, Data: data})
}

// waitText writes a wait of secs seconds for a person.
func waitText(secs int) string {
	switch {
	case secs < 90:
		return fmt.Sprintf("%d seconds", secs)
	case secs < 90*60:
		return fmt.Sprintf("%d minutes", (secs+59)/60)
	case secs < 48*3600:
		return fmt.Sprintf("%d hours", (secs+3599)/3600)
	}
	return fmt.Sprintf("%d days", (secs+86399)/86400)
}
