// Package fhirdir reads the FHIR server's patients and encounters through
// its REST API, for the patient picker, the launch contexts a trusted EHR
// creates and the demo EHR page. It authenticates with access tokens the
// auth server signs for itself.
package fhirdir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Patient is one row of the patient picker.
type Patient struct {
	ID        string
	Name      string
	BirthDate string
	Gender    string
}

// ErrNotFound is returned for an unknown patient or encounter id.
var ErrNotFound = errors.New("fhirdir: no such record")

// TokenSource signs an access token for the auth server itself
// (oauth.Minter).
type TokenSource interface {
	SelfToken(ctx context.Context, clientID, scope string) (string, time.Time, error)
}

// SelfClientID is the client id in the auth server's own tokens.
const SelfClientID = "smartgate-auth-server"

// FHIRDirectory reads the FHIR server's patients and encounters through
// its REST API (at AUTH_FHIR_INTERNAL_URL) with tokens of the auth
// server's own, scoped system/<Type>.read, each reused until shortly
// before it expires.
type FHIRDirectory struct {
	base   string
	tokens TokenSource
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	byScope map[string]selfToken
}

type selfToken struct {
	token   string
	expires time.Time
}

// NewFHIRDirectory returns a directory over the FHIR API at base.
func NewFHIRDirectory(base string, tokens TokenSource, client *http.Client, now func() time.Time) *FHIRDirectory {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &FHIRDirectory{base: strings.TrimRight(base, "/"), tokens: tokens, client: client, now: now, byScope: map[string]selfToken{}}
}

func (d *FHIRDirectory) bearer(ctx context.Context, scope string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.byScope[scope]; t.token != "" && t.expires.Sub(d.now()) > 5*time.Minute {
		return t.token, nil
	}
	tok, exp, err := d.tokens.SelfToken(ctx, SelfClientID, scope)
	if err != nil {
		return "", err
	}
	d.byScope[scope] = selfToken{tok, exp}
	return tok, nil
}

// get reads path with a token scoped to read resourceType.
func (d *FHIRDirectory) get(ctx context.Context, resourceType, path string, out any) error {
	tok, err := d.bearer(ctx, "system/"+resourceType+".read")
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("FHIR %s: %s", path, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out)
}

// fhirPatient is the part of an STU3 Patient the picker shows.
type fhirPatient struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	BirthDate    string `json:"birthDate"`
	Gender       string `json:"gender"`
	Name         []struct {
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
		Prefix []string `json:"prefix"`
	} `json:"name"`
}

func (p fhirPatient) row() Patient {
	name := "(no name)"
	if len(p.Name) > 0 {
		n := p.Name[0]
		switch {
		case n.Text != "":
			name = n.Text
		default:
			name = strings.TrimSpace(strings.Join(append(append([]string{}, n.Given...), n.Family), " "))
		}
	}
	return Patient{ID: p.ID, Name: name, BirthDate: p.BirthDate, Gender: p.Gender}
}

// Search implements PatientDirectory.
func (d *FHIRDirectory) Search(ctx context.Context, q string) ([]Patient, error) {
	v := url.Values{"_count": {"20"}}
	if q = strings.TrimSpace(q); q != "" {
		v.Set("name", q)
	}
	var bundle struct {
		Entry []struct {
			Resource fhirPatient `json:"resource"`
		} `json:"entry"`
	}
	if err := d.get(ctx, "Patient", "/Patient?"+v.Encode(), &bundle); err != nil {
		return nil, err
	}
	out := make([]Patient, 0, len(bundle.Entry))
	for _, e := range bundle.Entry {
		if e.Resource.ResourceType == "Patient" && e.Resource.ID != "" {
			out = append(out, e.Resource.row())
		}
	}
	return out, nil
}

// Get implements PatientDirectory.
func (d *FHIRDirectory) Get(ctx context.Context, id string) (*Patient, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	var p fhirPatient
	if err := d.get(ctx, "Patient", "/Patient/"+url.PathEscape(id), &p); err != nil {
		return nil, err
	}
	if p.ResourceType != "Patient" {
		return nil, ErrNotFound
	}
	r := p.row()
	return &r, nil
}
