package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
)

//go:embed templates static
var embedded embed.FS

// pageNames are the templates/*.html that render a whole page inside
// templates/layout.html.
var pageNames = []string{"error", "login", "picker", "consent", "manage", "link",
	"portal_list", "portal_form", "portal_view", "portal_secret", "portal_delete", "portal_tokens", "portal_users", "ehr"}

type pages struct {
	byName map[string]*template.Template
	static fs.FS
}

func parsePages(assets fs.FS) (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range pageNames {
		t, err := template.ParseFS(assets, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, err
		}
		p.byName[n] = t
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	p.static = static
	return p, nil
}

// retryUnavailable is the Retry-After, in seconds, of a page answered
// 503 (a store or the patient directory out of reach for a moment).
const retryUnavailable = "5"

// view is what every page template receives.
type view struct {
	Product  string
	Title    string
	Base     string // the issuer: every link and form action is absolute under it
	Static   string
	CSRF     string
	SignedIn string // username when signed in
	Admin    bool   // the signed-in user is an admin (portal menu)
	Error    string
	Script   string // a static script the page loads (allowed by its CSP), "" for none
	Data     any
}

// render writes a page. The session is saved first (it may hold a new
// CSRF token the page's forms carry).
func (h *Handler) render(c *gin.Context, s *session, status int, name, title string, v view) {
	v.Product, v.Title, v.Base, v.Static = ProductName, title, h.issuer, h.issuer+StaticPath
	if s != nil {
		v.CSRF = s.csrf()
		if err := s.save(c.Request, c.Writer); err != nil {
			h.Log.ErrorContext(c.Request.Context(), "session save", "err", err)
		}
	}
	var buf bytes.Buffer
	if err := h.pages.byName[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	securityHeaders(c.Writer)
	if status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", retryUnavailable)
	}
	if v.Script != "" {
		c.Header("Content-Security-Policy", cspWithScript)
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage shows a problem on our own page (never redirected).
func (h *Handler) errorPage(c *gin.Context, s *session, status int, title, message, detail string) {
	h.render(c, s, status, "error", title, view{Data: map[string]string{"Message": message, "Detail": detail}})
}

// static serves the stylesheet.
func (h *Handler) static(c *gin.Context) {
	name := path.Clean("/" + c.Param("file"))[1:]
	b, err := fs.ReadFile(h.pages.static, name)
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("X-Content-Type-Options", "nosniff")
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".js":
		ct = "text/javascript; charset=utf-8"
	}
	c.Data(http.StatusOK, ct, b)
}
