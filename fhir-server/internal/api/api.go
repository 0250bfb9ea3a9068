package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Validator checks a resource (decoded JSON) against the STU3 base
// structure; *validate.Error answers 422 with its issues.
type Validator interface {
	Validate(resource any) error
}

// Options wires a Handler. Store and BaseURL are required.
type Options struct {
	Store store.Store
	// BaseURL is the public base ("http://localhost:8080/STU3"): links and
	// fullUrls are built from it, never from the Host header. Its path is
	// where the API is mounted.
	BaseURL string
	Guard   Guard // nil: AllowAll
	// Observers are told what each request did (audit); with any, every
	// response below the base is held until they have seen it.
	Observers []Observer
	Valid     Validator // nil: no schema validation (tests of other layers only)
	// Metadata is the CapabilityStatement served at [base]/metadata.
	Metadata []byte
	// Exports serves the bulk-data export routes (nil: they answer 404).
	Exports Exports
	// SmartConfiguration serves [base]/.well-known/smart-configuration
	// (nil: 404).
	SmartConfiguration http.Handler
	MaxBodyBytes       int64 // default 16 MiB
	DefaultCount       int   // default 20
	MaxCount           int   // default 500
	Logger             *slog.Logger
	Metrics            Metrics          // nil: counts nothing
	Now                func() time.Time // default time.Now
	NewID              func() string    // server-assigned ids; default random UUID

	// BundleMaxEntries bounds the entries of one batch or transaction
	// (default DefaultBundleMaxEntries); more answer 413.
	BundleMaxEntries int
	// SearchMaxParameters and SearchMaxValues bound the size of a search
	// (default DefaultSearchMaxParameters, DefaultSearchMaxValues); a
	// larger one answers 400.
	SearchMaxParameters int
	SearchMaxValues     int
}

// Defaults of the search size limits: every search within them runs on
// every store (SQLite refuses expressions more than 1,000 deep, and
// binds at most 32,766 values).
const (
	DefaultSearchMaxParameters = 100
	DefaultSearchMaxValues     = 1000
)

// Handler is the FHIR REST API as an http.Handler.
type Handler struct {
	store     store.Store
	base      string // BaseURL without trailing slash
	basePath  string
	guard     Guard
	observers []Observer
	valid     Validator
	metadata  []byte
	smart     http.Handler
	exports   Exports
	maxBody   int64
	maxEntry  int                 // most entries of a batch or transaction
	limits    search.ParseOptions // MaxParameters and MaxValues of every search
	defCount  int
	maxCount  int
	log       *slog.Logger
	metrics   Metrics
	now       func() time.Time
	newID     func() string
	engine    *gin.Engine
}

// New builds the Handler and its routes.
func New(o Options) (*Handler, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("api: no store")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("api: base URL %q is not an absolute URL", o.BaseURL)
	}
	h := &Handler{
		store: o.Store, base: strings.TrimRight(o.BaseURL, "/"), basePath: strings.TrimRight(u.Path, "/"),
		guard: o.Guard, observers: o.Observers, valid: o.Valid, metadata: o.Metadata, smart: o.SmartConfiguration, exports: o.Exports,
		maxBody: o.MaxBodyBytes, defCount: o.DefaultCount, maxCount: o.MaxCount,
		log: o.Logger, now: o.Now, newID: o.NewID, metrics: o.Metrics, maxEntry: o.BundleMaxEntries,
		limits: search.ParseOptions{MaxParameters: o.SearchMaxParameters, MaxValues: o.SearchMaxValues},
	}
	if h.metrics == nil {
		h.metrics = noMetrics{}
	}
	if h.guard == nil {
		h.guard = AllowAll{}
	}
	if h.maxBody <= 0 {
		h.maxBody = 16 << 20
	}
	if h.limits.MaxParameters <= 0 {
		h.limits.MaxParameters = DefaultSearchMaxParameters
	}
	if h.limits.MaxValues <= 0 {
		h.limits.MaxValues = DefaultSearchMaxValues
	}
	if h.maxEntry <= 0 {
		h.maxEntry = DefaultBundleMaxEntries
	}
	if h.defCount <= 0 {
		h.defCount = 20
	}
	if h.maxCount < h.defCount {
		h.maxCount = max(500, h.defCount)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.newID == nil {
		h.newID = randomUUID
	}
	h.engine = h.routes()
	return h, nil
}

// ServeHTTP serves r; every response says nosniff.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fhirerr.NoSniff(w.Header())
	h.engine.ServeHTTP(w, r)
}

func (h *Handler) routes() *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, rec any) {
		h.log.ErrorContext(c.Request.Context(), "panic serving request", "path", c.Request.URL.Path, "panic", fmt.Sprint(rec))
		writeError(c.Writer, fhirerr.Errorf(http.StatusInternalServerError, "exception", "internal server error"), nil)
		c.Abort()
	}))
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	if h.basePath == "" {
		e.NoRoute(h.serveFHIR)
	} else {
		e.Any(h.basePath, h.serveFHIR)
		e.Any(h.basePath+"/*path", h.serveFHIR)
		e.NoRoute(func(c *gin.Context) {
			if rt, _ := route.Parse(h.basePath, c.Request.Method, c.Request.URL.Path, ""); rt.Below {
				h.serveFHIR(c) // a method gin's Any does not route
				return
			}
			writeError(c.Writer, fhirerr.Errorf(http.StatusNotFound, "not-found", "no such path; the FHIR API is at %s", h.base), nil)
		})
	}
	return e
}

func (h *Handler) healthz(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", []byte(`{"status":"ok"}`))
}

func (h *Handler) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		h.log.WarnContext(ctx, "readiness: store unreachable", "err", err)
		h.metrics.StoreError(StoreUnreachable)
		c.Header("Retry-After", fhirerr.RetryAfter)
		c.Data(http.StatusServiceUnavailable, "application/json", []byte(`{"status":"unavailable","store":"unreachable"}`))
		return
	}
	c.Data(http.StatusOK, "application/json", []byte(`{"status":"ok","store":"ok"}`))
}

// randomUUID returns a UUID version 7 (RFC 9562): Unix milliseconds,
// then random bits. Ids that grow with time land at the end of the
// (type, id) indexes instead of on a random page each, and an
// AuditEvent's id tells the audit log where to look for it.
func randomUUID() string { return uuid.Must(uuid.NewV7()).String() }
