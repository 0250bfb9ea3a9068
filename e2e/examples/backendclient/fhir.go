package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// fhirClient sends FHIR requests; its http.Client adds the Bearer token.
type fhirClient struct {
	base string
	http *http.Client
}

// bundle is the part of a searchset Bundle the example reads.
type bundle struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		Resource struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			Issue        []struct {
				Severity    string `json:"severity"`
				Diagnostics string `json:"diagnostics"`
			} `json:"issue"`
		} `json:"resource"`
		Search struct {
			Mode string `json:"mode"` // match, include, or outcome (the server's warnings)
		} `json:"search"`
	} `json:"entry"`
}

func (b *bundle) next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

// searchAll runs search (relative to the base) and follows "next" links,
// calling page for each Bundle. It returns the entries and pages seen.
func (c *fhirClient) searchAll(ctx context.Context, search string, maxPages int, page func(int, *bundle)) (entries, pages int, err error) {
	url := c.base + "/" + strings.TrimPrefix(search, "/")
	for url != "" && pages < maxPages {
		var b bundle
		if err := c.get(ctx, url, &b); err != nil {
			return entries, pages, err
		}
		if b.ResourceType != "Bundle" {
			return entries, pages, fmt.Errorf("GET %s: expected a Bundle, got %q", url, b.ResourceType)
		}
		pages++
		for _, e := range b.Entry {
			if e.Search.Mode != "outcome" {
				entries++
			}
		}
		page(pages, &b)
		url = b.next()
		// The token goes with every request: never follow a link that
		// leaves the FHIR server we were configured with.
		if url != "" && !strings.HasPrefix(url, c.base+"/") {
			return entries, pages, fmt.Errorf("refusing to follow next link %q: it is not under %s", url, c.base)
		}
	}
	return entries, pages, nil
}

func (c *fhirClient) get(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err // includes token endpoint errors (*oauth2.RetrieveError)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: reading the answer: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return newRequestError(req, resp, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// requestError is a refused FHIR request, with what the server said why.
type requestError struct {
	Method, URL string
	Status      string
	Challenge   map[string]string // WWW-Authenticate parameters (error, error_description, scope)
	Issues      []string          // OperationOutcome issues: "severity code: diagnostics"
	Hint        string
}

func newRequestError(req *http.Request, resp *http.Response, body []byte) *requestError {
	e := &requestError{Method: req.Method, URL: req.URL.String(), Status: resp.Status,
		Challenge: parseChallenge(resp.Header.Get("WWW-Authenticate"))}
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity    string `json:"severity"`
			Code        string `json:"code"`
			Diagnostics string `json:"diagnostics"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) == nil && oo.ResourceType == "OperationOutcome" {
		for _, i := range oo.Issue {
			e.Issues = append(e.Issues, fmt.Sprintf("%s %s: %s", i.Severity, i.Code, i.Diagnostics))
		}
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Hint = "the FHIR server did not accept the token: check that it comes from the issuer the server trusts, for this server's base URL (aud), and has not expired or been revoked"
	case http.StatusForbidden:
		e.Hint = "the token is valid but its scopes do not allow this request: ask for a client with the scope named above"
	}
	return e
}

func (e *requestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", e.Method, e.URL, e.Status)
	if code := e.Challenge["error"]; code != "" {
		fmt.Fprintf(&b, "\n  WWW-Authenticate error: %s", code)
		if d := e.Challenge["error_description"]; d != "" {
			fmt.Fprintf(&b, " (%s)", d)
		}
		if s := e.Challenge["scope"]; s != "" {
			fmt.Fprintf(&b, "\n  scope needed: %s", s)
		}
	}
	for _, i := range e.Issues {
		fmt.Fprintf(&b, "\n  OperationOutcome: %s", i)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n  %s", e.Hint)
	}
	return b.String()
}

var challengeParam = regexp.MustCompile(`([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"`)

// parseChallenge reads the parameters of a `Bearer k="v", ...` challenge.
func parseChallenge(h string) map[string]string {
	params := map[string]string{}
	if !strings.HasPrefix(strings.ToLower(h), "bearer") {
		return params
	}
	for _, m := range challengeParam.FindAllStringSubmatch(h, -1) {
		params[m[1]] = strings.ReplaceAll(m[2], `\"`, `"`)
	}
	return params
}
