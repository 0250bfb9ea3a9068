package security

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// SmartConfiguration serves [base]/.well-known/smart-configuration: the
// auth server's own SMART configuration document, fetched from it (over
// the internal URL, which differs from the issuer inside docker-compose)
// and cached. The auth server is the authority on what it supports
// (grant types, auth methods, endpoints as they land), so the document is
// relayed rather than rebuilt here where it would drift. While the auth
// server is unreachable the last good copy is served; before any copy was
// fetched the answer is 503.
type SmartConfiguration struct {
	url    string
	issuer string
	ttl    time.Duration
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	body    []byte
	fetched time.Time
}

// SmartConfigurationOptions configure NewSmartConfiguration. URL and
// Issuer are required.
type SmartConfigurationOptions struct {
	// URL of the auth server's /.well-known/smart-configuration.
	URL string
	// Issuer the document must name (a document of another issuer is
	// refused, never relayed).
	Issuer     string
	TTL        time.Duration // default 5 minutes
	HTTPClient *http.Client  // default: 5 s timeout
	Logger     *slog.Logger
	Now        func() time.Time
}

// NewSmartConfiguration builds the handler. It fetches nothing until the
// first request.
func NewSmartConfiguration(o SmartConfigurationOptions) (*SmartConfiguration, error) {
	if o.URL == "" || o.Issuer == "" {
		return nil, errors.New("security: smart configuration needs a URL and an issuer")
	}
	s := &SmartConfiguration{url: o.URL, issuer: o.Issuer, ttl: o.TTL, client: o.HTTPClient, log: o.Logger, now: o.Now}
	if s.ttl <= 0 {
		s.ttl = 5 * time.Minute
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 5 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func (s *SmartConfiguration) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fhirerr.Write(w, fhirerr.Errorf(http.StatusMethodNotAllowed, "not-supported", "%s is not supported on [base]/.well-known/smart-configuration", r.Method))
		return
	}
	body, err := s.document(r.Context())
	if err != nil {
		fhirerr.Write(w, fhirerr.Errorf(http.StatusServiceUnavailable, "transient", "the authorization server's SMART configuration is unavailable; try again later"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// document returns the cached document, refetching it when older than
// the TTL (and keeping the old one when the refetch fails).
func (s *SmartConfiguration) document(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.body != nil && s.now().Sub(s.fetched) < s.ttl {
		return s.body, nil
	}
	body, err := s.fetch(ctx)
	if err != nil {
		s.log.Warn("smart configuration: fetch failed", "url", s.url, "err", err)
		if s.body != nil {
			return s.body, nil
		}
		return nil, err
	}
	s.body, s.fetched = body, s.now()
	return body, nil
}

func (s *SmartConfiguration) fetch(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if doc.Issuer != s.issuer {
		return nil, fmt.Errorf("document names issuer %q, not %q", doc.Issuer, s.issuer)
	}
	return body, nil
}
