// Package capability builds the server's STU3 CapabilityStatement from
// what is registered (the resource types and search parameters of package
// search, the interactions of package api) and from the security section
// the security layer provides. There is no hand-written JSON.
package capability

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// FHIRVersion is the FHIR version this server speaks.
const FHIRVersion = "3.0.2"

// Options describe the server the statement is about.
type Options struct {
	BaseURL         string // implementation.url
	SoftwareName    string // default "smartgate fhir-server"
	SoftwareVersion string // default "dev"
	Publisher       string
	Date            time.Time // default now
	Security        *Security // rest[0].security; nil: no section
	// Operations are rest[0].operation: the operations served on the
	// base and on types (bulk-data $export).
	Operations []Operation
}

// Operation is one rest.operation: its name (without $) and the
// canonical URL of its OperationDefinition.
type Operation struct {
	Name       string
	Definition string
}

// ExportOperations are the bulk-data export operations (HL7 Bulk Data
// Access 2.0) with their OperationDefinitions.
var ExportOperations = []Operation{
	{Name: "export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"},
	{Name: "patient-export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"},
	{Name: "group-export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"},
}

// Security is the rest.security section, filled by the security layer.
type Security struct {
	CORS        bool
	Services    []Coding // e.g. restful-security-service SMART-on-FHIR
	Description string
	// OAuth lists the authorization server's endpoints, rendered as the
	// SMART oauth-uris extension; empty URIs are left out.
	OAuth OAuthURIs
}

// OAuthURIs are the endpoints of the SMART oauth-uris extension.
type OAuthURIs struct {
	Token, Authorize, Register, Manage, Introspect, Revoke string
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// OAuthURIsExtension is the SMART extension that carries OAuthURIs.
const OAuthURIsExtension = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"

// typeInteractions are the interactions api serves on every type.
var typeInteractions = []string{"read", "vread", "update", "delete", "history-instance", "history-type", "create", "search-type"}

// systemInteractions are the interactions api serves on the base.
var systemInteractions = []string{"transaction", "batch", "history-system"}

// Build renders the CapabilityStatement as JSON.
func Build(o Options) ([]byte, error) {
	if o.BaseURL == "" {
		return nil, fmt.Errorf("capability: no base URL")
	}
	if o.SoftwareName == "" {
		o.SoftwareName = "smartgate fhir-server"
	}
	if o.SoftwareVersion == "" {
		o.SoftwareVersion = "dev"
	}
	if o.Date.IsZero() {
		o.Date = time.Now()
	}
	rest := map[string]any{
		"mode":        "server",
		"resource":    resources(),
		"interaction": codes(systemInteractions),
	}
	if o.Security != nil {
		rest["security"] = o.Security.render()
	}
	if len(o.Operations) > 0 {
		ops := make([]any, 0, len(o.Operations))
		for _, op := range o.Operations {
			ops = append(ops, map[string]any{"name": op.Name, "definition": map[string]any{"reference": op.Definition}})
		}
		rest["operation"] = ops
	}
	cs := map[string]any{
		"resourceType":   "CapabilityStatement",
		"status":         "active",
		"date":           o.Date.UTC().Format(time.RFC3339),
		"kind":           "instance",
		"software":       map[string]any{"name": o.SoftwareName, "version": o.SoftwareVersion},
		"implementation": map[string]any{"description": "SMART on FHIR STU3 server (Care Connect resource types)", "url": o.BaseURL},
		"fhirVersion":    FHIRVersion,
		"acceptUnknown":  "no",
		"format":         []string{"application/fhir+json", "json", "application/fhir+xml", "xml"},
		"rest":           []any{rest},
	}
	if o.Publisher != "" {
		cs["publisher"] = o.Publisher
	}
	return json.Marshal(cs)
}

// resources describes every registered type.
func resources() []any {
	var out []any
	for _, t := range search.Types() {
		var params, includes []any
		for _, p := range search.Params(t) {
			sp := map[string]any{"name": p.Code, "type": string(p.Kind)}
			if p.URL != "" {
				sp["definition"] = p.URL
			}
			if p.Description != "" {
				sp["documentation"] = p.Description
			}
			params = append(params, sp)
			if p.Kind == search.KindReference {
				includes = append(includes, t+":"+p.Code)
			}
		}
		r := map[string]any{
			"type":              t,
			"interaction":       codes(typeInteractions),
			"versioning":        "versioned",
			"readHistory":       true,
			"updateCreate":      true,
			"conditionalCreate": true,
			"conditionalRead":   "not-supported",
			"conditionalUpdate": false,
			"conditionalDelete": "not-supported",
			"searchParam":       params,
		}
		if len(includes) > 0 {
			r["searchInclude"] = includes
		}
		if t == "AuditEvent" {
			// The audit trail is append-only (package audit).
			r["interaction"] = codes(slices.DeleteFunc(slices.Clone(typeInteractions), func(c string) bool { return c == "update" || c == "delete" }))
			r["updateCreate"] = false
			r["documentation"] = "The server's audit trail: append-only (create, never update or delete), searched newest first; _sort takes _lastUpdated only, and chained parameters are not supported."
		}
		out = append(out, r)
	}
	return out
}

func codes(cs []string) []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = map[string]any{"code": c}
	}
	return out
}

func (s *Security) render() map[string]any {
	sec := map[string]any{"cors": s.CORS}
	if len(s.Services) > 0 {
		sec["service"] = []any{map[string]any{"coding": s.Services}}
	}
	if s.Description != "" {
		sec["description"] = s.Description
	}
	var ext []any
	for _, u := range []struct{ name, uri string }{
		{"token", s.OAuth.Token}, {"authorize", s.OAuth.Authorize}, {"register", s.OAuth.Register},
		{"manage", s.OAuth.Manage}, {"introspect", s.OAuth.Introspect}, {"revoke", s.OAuth.Revoke},
	} {
		if u.uri != "" {
			ext = append(ext, map[string]any{"url": u.name, "valueUri": u.uri})
		}
	}
	if len(ext) > 0 {
		sec["extension"] = []any{map[string]any{"url": OAuthURIsExtension, "extension": ext}}
	}
	return sec
}
