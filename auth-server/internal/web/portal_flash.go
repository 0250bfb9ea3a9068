package web

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// Post/redirect/get for the secrets the portal issues: a POST that
// issues a client secret or an initial access token keeps it in the
// session (the cookie is encrypted) as a flash and redirects (303) to a
// GET page, which shows it once and clears it. Reloading that page, or
// going back to it, never posts the form again and no longer shows the
// secret.

// keyFlash is the session value holding the just-issued secret (JSON).
const keyFlash = "flash"

// flash is a secret waiting to be shown once.
type flash struct {
	Kind     string `json:"k"`           // flashClient or flashInitialToken
	ClientID string `json:"c,omitempty"` // flashClient: the client
	Secret   string `json:"s,omitempty"` // the secret or token; "" for a client without one
	Title    string `json:"t,omitempty"` // the heading of the page that shows it
	Note     string `json:"n,omitempty"` // flashInitialToken: its description
	Expires  string `json:"e,omitempty"` // flashInitialToken: when it expires
}

const (
	flashClient       = "client"
	flashInitialToken = "initial-token"
)

func setFlash(s *session, f flash) {
	b, _ := json.Marshal(f)
	s.set(keyFlash, string(b))
}

// takeFlash returns the flash of the given kind (and client, for a
// client secret) and removes it from the session; nil when there is none.
// The page that shows it saves the session, so it is shown once.
func takeFlash(s *session, kind, clientID string) *flash {
	raw := s.get(keyFlash)
	if raw == "" {
		return nil
	}
	var f flash
	if json.Unmarshal([]byte(raw), &f) != nil {
		s.set(keyFlash, "")
		return nil
	}
	if f.Kind != kind || f.ClientID != clientID {
		return nil
	}
	s.set(keyFlash, "")
	return &f
}

// credentialsPath is the page that shows a client's id and, once, the
// secret just issued.
func credentialsPath(clientID string) string { return PortalPath + "/" + clientID + "/credentials" }

// showSecretOnce keeps a just-issued client secret for the credentials
// page and redirects there.
func (h *Handler) showSecretOnce(c *gin.Context, s *session, cl *store.Client, secret, title string) {
	setFlash(s, flash{Kind: flashClient, ClientID: cl.ID, Secret: secret, Title: title})
	h.redirect(c, s, h.link(credentialsPath(cl.ID)))
}

// portalCredentials is GET /portal/clients/:id/credentials: the client
// id and token URL with Copy buttons, and the secret when it was just
// issued (the first GET after the POST). Later GETs say it was shown once.
func (h *Handler) portalCredentials(c *gin.Context) {
	s, u, cl := h.clientRequest(c, false)
	if cl == nil {
		return
	}
	v := secretView{ClientID: cl.ID, Name: displayName(cl), TokenURL: h.link("/token"),
		Method: cl.TokenEndpointAuthMethod, HasSecret: registration.NeedsSecret(cl.TokenEndpointAuthMethod)}
	title := "Client credentials"
	if f := takeFlash(s, flashClient, cl.ID); f != nil {
		v.Secret, title = f.Secret, f.Title
	}
	h.render(c, s, http.StatusOK, "portal_secret", title, h.userView(u, copyScript, v))
}

// userView is the view of a portal page for u (the admin menu entry
// shows for admins).
func (h *Handler) userView(u *store.User, script string, data any) view {
	return view{SignedIn: u.Username, Admin: u.Role == store.RoleAdmin, Script: script, Data: data}
}
