// Package admin is the admin console at /admin: users, clients, grants
// and sessions, signing keys, the security events and a dashboard, for
// the role admin only (everyone else gets the 404 of a page that does not
// exist). Pages are server-rendered html/template in the portal's look,
// work without JavaScript, and every form carries the session's CSRF
// token. A destructive action is a GET confirmation page whose form posts
// it (then 303 to a GET page); it asks for the admin's password again
// when they last gave it more than ReauthWindow ago. Every action is
// recorded as a security event (who did what to whom).
package admin

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/keys"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/throttle"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/auth-server/internal/web"
)

// Path is where the console is mounted.
const Path = web.AdminPath

// ReauthWindow is how long a password given to the console authorizes
// destructive actions.
const ReauthWindow = 5 * time.Minute

// Store is what the console reads and writes directly.
type Store interface {
	store.UserStore
	store.ClientStore
	store.ConsentStore
	store.SessionStore
	ListRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*store.RefreshToken, error)
}

// Sessions reads a request's browser session (web.Handler).
type Sessions interface {
	Browser(c *gin.Context) *web.Browser
	StaticURL() string
}

// Patients finds patients on the FHIR server, as the patient picker
// does (fhirdir.FHIRDirectory).
type Patients interface {
	Search(ctx context.Context, q string) ([]fhirdir.Patient, error)
	Get(ctx context.Context, id string) (*fhirdir.Patient, error)
}

// Keys is the signing-key manager (keys.Manager).
type Keys interface {
	List(ctx context.Context) ([]keys.Info, error)
	Rotate(ctx context.Context) (string, error)
	Revoke(ctx context.Context, kid string) error
}

// Revoker revokes what a user granted a client, or one refresh-token
// family of it, with the access tokens issued beside (refresh.Families).
type Revoker interface {
	RevokeUserClient(ctx context.Context, userID, clientID string) error
	RevokeFamily(ctx context.Context, family string, also ...*store.RefreshToken) error
}

// Deps are the console's collaborators; the operator commands use the
// same services (users, registration, keys, throttle).
type Deps struct {
	Sessions     Sessions
	Store        Store
	Users        *users.Service
	Identities   *users.Identities
	Throttle     *throttle.Logins
	Registration *registration.Service
	Revoker      Revoker
	Keys         Keys
	Patients     Patients
	Events       *events.Recorder
	// AuditEvents reads the FHIR server's AuditEvents (nil: none
	// configured).
	AuditEvents *FHIRAudit
	// Activity counts tokens and failed sign-ins for the dashboard and
	// the clients' "last used" (nil: not shown).
	Activity *Activity
	// Upstreams are the ids of the configured OpenID providers an
	// identity may be linked at.
	Upstreams []string
	// FHIRBase is the FHIR base URL (fhir_user of a linked patient).
	FHIRBase string
	// KeyRetireDelay is how long after a key is retired early the FHIR
	// server may still accept its tokens: the auth-server's key reload
	// plus the FHIR server's JWKS refresh.
	KeyRetireDelay time.Duration
	Issuer         string
	Log            *slog.Logger
	Now            func() time.Time
}

// Handler serves the console.
type Handler struct {
	Deps
	pages map[string]*template.Template
}

//go:embed templates
var templates embed.FS

// pageNames are templates/*.html rendered inside templates/layout.html.
var pageNames = []string{"dashboard", "users", "user", "clients", "client", "keys", "audit", "fhiraudit", "confirm", "secret", "link"}

// New parses the templates.
func New(d Deps) (*Handler, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	h := &Handler{Deps: d, pages: map[string]*template.Template{}}
	for _, n := range pageNames {
		t, err := template.New("").Funcs(funcs).ParseFS(templates, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, err
		}
		h.pages[n] = t
	}
	public, err := template.ParseFS(templates, "templates/setpassword.html")
	if err != nil {
		return nil, err
	}
	h.pages["setpassword"] = public
	return h, nil
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04:05 MST")
	},
}

// Register mounts the console: the router hands every path under Path
// to the gate, which lets only a signed-in admin through to the
// console's own routes. (The router sees one catch-all route, so no
// path under /admin, with or without a trailing slash, answers other
// than 404 for anyone else.)
func (h *Handler) Register(r gin.IRouter) {
	// The set-password page is public: its link is the credential.
	r.GET(SetPasswordPath, h.setPasswordPage)
	r.POST(SetPasswordPath, h.setPassword)
	routes := gin.New()
	routes.RedirectTrailingSlash, routes.RedirectFixedPath = false, false
	routes.NoRoute(notFound)
	g := routes.Group(Path)
	g.GET("", h.dashboard)
	g.GET("/users", h.usersPage)
	g.POST("/users", h.createUser)
	g.GET("/users/:id", h.userPage)
	g.POST("/users/:id/role", h.setRole)
	g.POST("/users/:id/patient", h.linkPatient)
	g.POST("/users/:id/identities", h.linkIdentity)
	g.POST("/users/:id/unlock", h.unlock)
	g.GET("/users/:id/link", h.linkPage)
	g.GET("/clients", h.clientsPage)
	g.GET("/clients/:id", h.clientPage)
	g.POST("/clients/:id/scopes", h.editScopes)
	g.GET("/clients/:id/secret", h.secretPage)
	g.GET("/keys", h.keysPage)
	g.GET("/audit", h.auditPage)
	g.GET("/audit/fhir", h.fhirAuditPage)
	g.GET("/confirm/:action", h.confirmPage)
	g.POST("/confirm/:action", h.confirm)
	serve := func(c *gin.Context) {
		if h.gate(c) {
			routes.ServeHTTP(c.Writer, c.Request)
		}
	}
	r.Any(Path, serve)
	r.Any(Path+"/*path", serve)
}

// gated is what the gate found, carried to the console's routes in the
// request's context.
type gated struct {
	browser *web.Browser
	ip      string // the client address, as the server's router trusts proxies
}

type gatedKey struct{}

// gate lets only a signed-in admin through. Everyone else, signed out
// included, gets the router's own 404 (the console's existence is not
// disclosed). Form posts must carry the session's CSRF token (403).
func (h *Handler) gate(c *gin.Context) bool {
	b := h.Sessions.Browser(c)
	if b.User == nil || b.User.Role != store.RoleAdmin {
		notFound(c)
		return false
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), gatedKey{}, &gated{browser: b, ip: c.ClientIP()}))
	if c.Request.Method == http.MethodPost {
		if err := c.Request.ParseForm(); err != nil || !b.CheckCSRF(c.Request) {
			h.render(c, b, http.StatusForbidden, "confirm", "This form has expired", page{
				Error: "Nothing was changed. The form was not sent from this console, or it has expired. Reload the page and try again."})
			return false
		}
	}
	return true
}

// notFound is the answer of the router to a path it does not know.
func notFound(c *gin.Context) {
	c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
}

func browser(c *gin.Context) *web.Browser {
	return c.Request.Context().Value(gatedKey{}).(*gated).browser
}

// clientIP is the admin's address (as the server's router determined it).
func clientIP(c *gin.Context) string { return c.Request.Context().Value(gatedKey{}).(*gated).ip }

// admin is the signed-in admin.
func admin(c *gin.Context) *store.User { return browser(c).User }

// page is what every template receives.
type page struct {
	Product, Title, Base, Static, CSRF, SignedIn, Section string
	Error, Notice                                         string
	Data                                                  any
}

// render writes a page (saving the session first: it may hold a new
// CSRF token the forms carry, or a flash just shown).
func (h *Handler) render(c *gin.Context, b *web.Browser, status int, name, title string, p page) {
	p.Product, p.Title, p.Base, p.Static = web.ProductName, title, h.Issuer, h.Sessions.StaticURL()
	p.CSRF, p.SignedIn, p.Section = b.CSRF(), b.User.Username, name
	if p.Notice == "" {
		p.Notice = notices[c.Query("done")]
	}
	if err := b.Save(c); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "admin: session save", "err", err)
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "admin: render", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	web.SecurityHeaders(c.Writer)
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// unavailable answers 503 when a store or service fails.
func (h *Handler) unavailable(c *gin.Context, what string, err error) {
	h.Log.ErrorContext(c.Request.Context(), "admin: "+what, "err", err)
	h.render(c, browser(c), http.StatusServiceUnavailable, "confirm", "Temporarily unavailable", page{
		Error: "This cannot be done right now (" + what + "). Nothing was changed. Try again in a moment."})
}

// redirect ends a POST: 303 to a GET page (POST/redirect/GET).
func (h *Handler) redirect(c *gin.Context, path string) {
	if err := browser(c).Save(c); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "admin: session save", "err", err)
	}
	web.SecurityHeaders(c.Writer)
	c.Redirect(http.StatusSeeOther, h.Issuer+path)
}

// record appends an admin action to the security events.
func (h *Handler) record(c *gin.Context, typ, target, detail string) {
	h.Events.Record(c.Request.Context(), store.Event{Type: events.AdminPrefix + typ, Actor: admin(c).Username,
		Target: target, Address: clientIP(c), Detail: detail})
}

// recordFailure appends an admin action that was refused or failed.
func (h *Handler) recordFailure(c *gin.Context, typ, target, detail string) {
	h.Events.Record(c.Request.Context(), store.Event{Type: events.AdminPrefix + typ, Outcome: store.OutcomeFailure,
		Actor: admin(c).Username, Target: target, Address: clientIP(c), Detail: detail})
}
