package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrNoAuditClient is returned when no client is configured for reading
// the FHIR server's AuditEvents.
var ErrNoAuditClient = errors.New("admin: no FHIR client configured for AuditEvents (AUTH_ADMIN_FHIR_CLIENT_ID)")

// AuditTokens gets an access token with system/AuditEvent.read for the
// configured client, and when it expires.
type AuditTokens func(ctx context.Context) (string, time.Time, error)

// FHIRAudit reads the FHIR server's AuditEvents through its REST API.
type FHIRAudit struct {
	base   string
	tokens AuditTokens
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewFHIRAudit reads AuditEvents at base (the FHIR API as the
// auth-server reaches it) with tokens.
func NewFHIRAudit(base string, tokens AuditTokens, client *http.Client, now func() time.Time) *FHIRAudit {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &FHIRAudit{base: strings.TrimRight(base, "/"), tokens: tokens, client: client, now: now}
}

func (f *FHIRAudit) bearer(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.token != "" && f.expires.Sub(f.now()) > 5*time.Minute {
		return f.token, nil
	}
	tok, exp, err := f.tokens(ctx)
	if err != nil {
		return "", err
	}
	f.token, f.expires = tok, exp
	return tok, nil
}

// AuditRow is one AuditEvent as the console lists it.
type AuditRow struct {
	ID, Recorded, Interaction, Outcome, Client, User, Address string
	Entities                                                  []string
}

// AuditPage is one page of a search; Next is the query of the next page
// ("" on the last).
type AuditPage struct {
	Rows []AuditRow
	Next string
}

// Search runs an AuditEvent search with the query q (search parameters
// and _count, or the query of a page's next link).
func (f *FHIRAudit) Search(ctx context.Context, q url.Values) (*AuditPage, error) {
	if f == nil {
		return nil, ErrNoAuditClient
	}
	tok, err := f.bearer(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/AuditEvent?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusBadRequest {
		var oo struct {
			Issue []struct {
				Diagnostics string `json:"diagnostics"`
			} `json:"issue"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&oo)
		msg := "the FHIR server refused the search"
		if len(oo.Issue) > 0 && oo.Issue[0].Diagnostics != "" {
			msg = oo.Issue[0].Diagnostics
		}
		return nil, badInput(msg)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("FHIR AuditEvent search: %s", resp.Status)
	}
	var b bundle
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&b); err != nil {
		return nil, fmt.Errorf("FHIR AuditEvent search: %w", err)
	}
	return b.page(), nil
}

type bundle struct {
	Link []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		Resource struct {
			ID       string `json:"id"`
			Recorded string `json:"recorded"`
			Outcome  string `json:"outcome"`
			Subtype  []struct {
				Code string `json:"code"`
			} `json:"subtype"`
			Agent []struct {
				AltID  string `json:"altId"`
				UserID struct {
					Value string `json:"value"`
				} `json:"userId"`
				Reference struct {
					Reference string `json:"reference"`
				} `json:"reference"`
				Requestor bool `json:"requestor"`
				Network   struct {
					Address string `json:"address"`
				} `json:"network"`
			} `json:"agent"`
			Entity []struct {
				Reference struct {
					Reference string `json:"reference"`
				} `json:"reference"`
			} `json:"entity"`
		} `json:"resource"`
	} `json:"entry"`
}

// outcomes name the AuditEvent outcome codes.
var outcomes = map[string]string{"0": "success", "4": "minor failure", "8": "serious failure", "12": "major failure"}

func (b bundle) page() *AuditPage {
	p := &AuditPage{}
	for _, l := range b.Link {
		if l.Relation == "next" {
			// Only the query is kept: the next request goes to our
			// configured base, never to a URL the response names.
			if u, err := url.Parse(l.URL); err == nil {
				p.Next = u.RawQuery
			}
		}
	}
	for _, e := range b.Entry {
		r := e.Resource
		row := AuditRow{ID: r.ID, Recorded: r.Recorded, Outcome: outcomes[r.Outcome]}
		if len(r.Subtype) > 0 {
			row.Interaction = r.Subtype[0].Code
		}
		for _, a := range r.Agent {
			if a.AltID != "" {
				row.Client = a.AltID
			}
			if a.Reference.Reference != "" {
				row.User = a.Reference.Reference
			} else if a.UserID.Value != "" && a.AltID == "" {
				row.User = a.UserID.Value
			}
			if a.Network.Address != "" {
				row.Address = a.Network.Address
			}
		}
		for _, en := range r.Entity {
			if en.Reference.Reference != "" && !slices.Contains(row.Entities, en.Reference.Reference) {
				row.Entities = append(row.Entities, en.Reference.Reference)
			}
		}
		p.Rows = append(p.Rows, row)
	}
	return p
}
