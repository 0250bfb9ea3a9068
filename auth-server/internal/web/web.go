// Package web serves the pages a person sees: the authorization endpoint
// of the SMART authorization-code flow (login, patient picker, consent),
// sign-out, and the page that lists approved apps and revokes them.
// Pages are server-rendered html/template with one embedded stylesheet,
// work without JavaScript and load nothing from elsewhere. The browser
// session is a gorilla/sessions cookie, authenticated and encrypted, whose
// session id names a record in the store that logout deletes; every
// form carries a CSRF token.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/throttle"
	"github.com/smartgate/auth-server/internal/upstream"
)

// ProductName appears on every page.
const ProductName = "SmartGate"

// Store is what the pages read and write.
type Store interface {
	store.ClientStore
	store.UserStore
	store.ConsentStore
	store.SessionStore
}

// Authenticator checks a username and password (users.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (*store.User, error)
}

// Revoker revokes what a user granted a client (refresh.Families).
type Revoker interface {
	RevokeUserClient(ctx context.Context, userID, clientID string) error
}

// Deps are the collaborators of the pages.
type Deps struct {
	Store    Store
	Users    Authenticator
	Codes    *oauth.Codes
	Revoker  Revoker
	Patients PatientDirectory
	// Launches redeems EHR launches at /authorize and creates the demo
	// EHR page's.
	Launches *launch.Service
	Sessions *Sessions
	Issuer   string // the configured issuer: base of every link
	Audience string // FHIR base URL (aud)
	// Throttle decides which sign-ins may check a password.
	Throttle *throttle.Logins
	// Registration registers and manages the clients of the
	// self-service portal (registration.Service); nil leaves the portal
	// out. PortalScopes bound, per user role, the scopes a person may
	// give the clients they register there.
	Registration Registrar
	PortalScopes map[string][]string
	// Upstreams are the OpenID providers people may sign in through
	// (nil: none), and Identities the links of their identities to
	// local users.
	Upstreams  *upstream.Set
	Identities Identities
	// Events records sign-ins, failed sign-ins and throttling (nil:
	// not recorded).
	Events *events.Recorder
	// Assets overrides the embedded templates and static files (a
	// directory holding templates/ and static/); nil uses the embedded.
	Assets fs.FS
	Log    *slog.Logger
	Now    func() time.Time
}

// Handler serves the pages.
type Handler struct {
	Deps
	pages  *pages
	issuer string
}

// New builds the pages (parsing every template once).
func New(d Deps) (*Handler, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	assets := d.Assets
	if assets == nil {
		assets = embedded
	}
	p, err := parsePages(assets)
	if err != nil {
		return nil, err
	}
	return &Handler{Deps: d, pages: p, issuer: strings.TrimRight(d.Issuer, "/")}, nil
}

// Paths of the pages (ManagePath is the "manage" URI the discovery
// documents advertise).
const (
	AuthorizePath = "/authorize"
	ContinuePath  = "/authorize/continue"
	PatientPath   = "/authorize/patient"
	ConsentPath   = "/authorize/consent"
	LoginPath     = "/login"
	LogoutPath    = "/logout"
	ManagePath    = "/manage"
	StaticPath    = "/static"
)

// Register adds the pages to r.
func (h *Handler) Register(r gin.IRouter) {
	r.GET(AuthorizePath, h.authorize)
	r.POST(AuthorizePath, h.authorize)
	r.GET(ContinuePath, h.continueFlow)
	r.GET(PatientPath, h.continueFlow)
	r.POST(PatientPath, h.pickPatient)
	r.POST(ConsentPath, h.consent)
	r.GET(LoginPath, h.loginPage)
	r.POST(LoginPath, h.login)
	r.POST(LogoutPath, h.logout)
	r.GET(LoginPath+"/:provider", h.upstreamLogin)
	r.GET(LoginPath+"/:provider/callback", h.upstreamCallback)
	r.GET(ManagePath, h.manage)
	r.POST(ManagePath+"/revoke", h.revoke)
	r.POST(ManagePath+"/link", h.startLink)
	r.POST(ManagePath+"/link/confirm", h.confirmLink)
	r.POST(ManagePath+"/unlink", h.unlink)
	r.GET(StaticPath+"/*file", h.static)
	if h.Launches != nil {
		r.GET(EHRPath, h.ehrPage)
		r.POST(EHRPath+"/launch", h.ehrLaunch)
	}
	// The home page a person opens first (the CCRI guide's "log in, then
	// Self-service client registration") is the portal; it asks for a
	// login when there is no session.
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, PortalPath) })
	h.portalRoutes(r)
}

// link is an absolute URL under the configured issuer.
func (h *Handler) link(path string) string { return h.issuer + path }

// securityHeaders are set on every page.
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// cspWithScript is the policy of a page that loads a script of ours
// (the Copy buttons): scripts from our origin only, never inline.
const cspWithScript = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
