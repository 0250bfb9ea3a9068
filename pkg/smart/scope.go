package smart

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalidScope is returned (wrapped) for a string that is not a valid
// scope token, or that looks like a resource scope but breaks its grammar.
var ErrInvalidScope = errors.New("invalid scope")

// Context is the launch context of a resource scope.
type Context string

// The three SMART scope contexts. ContextNone marks an "other" scope.
const (
	ContextNone    Context = ""
	ContextPatient Context = "patient"
	ContextUser    Context = "user"
	ContextSystem  Context = "system"
)

// Wildcard is the resource type that stands for every type (but AuditEvent).
const Wildcard = "*"

// Suffix records which syntax a resource scope was written in.
type Suffix uint8

const (
	// SuffixNone is an "other" scope (openid, profile ...).
	SuffixNone Suffix = iota
	// SuffixV1 is .read, .write or .*.
	SuffixV1
	// SuffixV2 is an ordered subset of cruds, maybe with a ?query.
	SuffixV2
	// SuffixBare is the CCRI seed's form without a suffix
	// (user/DocumentReference): read and search only.
	SuffixBare
)

// Scope is one parsed scope. For an other scope only Raw is set.
type Scope struct {
	// Raw is the scope exactly as written.
	Raw string
	// Context is patient, user or system; ContextNone for other scopes.
	Context Context
	// ResourceType is a FHIR type name or Wildcard.
	ResourceType string
	// Permissions the scope grants on ResourceType.
	Permissions Permission
	// Query holds a SMART v2 granular restriction (?category=laboratory);
	// nil when the scope has none.
	Query url.Values
	// V2 is true for the v2 suffix syntax.
	V2 bool
	// Suffix tells which syntax the scope used.
	Suffix Suffix
}

// IsResource reports whether s is a patient/, user/ or system/ scope.
func (s Scope) IsResource() bool { return s.Context != ContextNone }

// String returns the scope in canonical form: v1 and bare scopes as
// written, v2 scopes with canonical letters and a sorted query, other
// scopes as written.
func (s Scope) String() string {
	if !s.IsResource() {
		return s.Raw
	}
	base := string(s.Context) + "/" + s.ResourceType
	switch s.Suffix {
	case SuffixBare:
		return base
	case SuffixV1:
		switch s.Permissions {
		case V1Read:
			return base + ".read"
		case V1Write:
			return base + ".write"
		default:
			return base + ".*"
		}
	}
	out := base + "." + s.Permissions.String()
	if len(s.Query) > 0 {
		out += "?" + s.Query.Encode()
	}
	return out
}

// ParseScope parses one scope token.
func ParseScope(s string) (Scope, error) {
	if !validScopeToken(s) {
		return Scope{}, fmt.Errorf("%w: %q is not a scope token", ErrInvalidScope, s)
	}
	ctxName, rest, ok := strings.Cut(s, "/")
	ctx := Context(ctxName)
	if !ok || (ctx != ContextPatient && ctx != ContextUser && ctx != ContextSystem) {
		return Scope{Raw: s}, nil
	}
	sc := Scope{Raw: s, Context: ctx}
	typ, suffix, hasSuffix := strings.Cut(rest, ".")
	if !hasSuffix {
		// user/DocumentReference: the seed's suffix-less form.
		if strings.Contains(typ, "?") {
			return Scope{}, fmt.Errorf("%w: %q: a query needs a v2 permission suffix", ErrInvalidScope, s)
		}
		if !validType(typ) {
			return Scope{}, fmt.Errorf("%w: %q: bad resource type %q", ErrInvalidScope, s, typ)
		}
		sc.ResourceType, sc.Permissions, sc.Suffix = typ, V1Read, SuffixBare
		return sc, nil
	}
	if !validType(typ) {
		return Scope{}, fmt.Errorf("%w: %q: bad resource type %q", ErrInvalidScope, s, typ)
	}
	sc.ResourceType = typ
	perms, rawQuery, hasQuery := strings.Cut(suffix, "?")
	if v1, ok := v1Permissions(perms); ok {
		if hasQuery {
			return Scope{}, fmt.Errorf("%w: %q: a granular query needs v2 syntax", ErrInvalidScope, s)
		}
		sc.Suffix, sc.Permissions = SuffixV1, v1
		return sc, nil
	}
	p, ok := parseV2Permissions(perms)
	if !ok {
		return Scope{}, fmt.Errorf("%w: %q: permissions must be read, write, * or an ordered subset of cruds", ErrInvalidScope, s)
	}
	sc.Permissions, sc.V2, sc.Suffix = p, true, SuffixV2
	if hasQuery {
		q, err := parseQuery(rawQuery)
		if err != nil {
			return Scope{}, fmt.Errorf("%w: %q: %v", ErrInvalidScope, s, err)
		}
		sc.Query = q
	}
	return sc, nil
}

// v1Permissions maps the SMART v1 suffixes to permission sets.
func v1Permissions(suffix string) (Permission, bool) {
	switch suffix {
	case "read":
		return V1Read, true
	case "write":
		return V1Write, true
	case "*":
		return All, true
	}
	return None, false
}

// parseQuery parses a granular query: one or more param=value pairs.
func parseQuery(raw string) (url.Values, error) {
	if raw == "" {
		return nil, errors.New("empty query")
	}
	q := url.Values{}
	for _, pair := range strings.Split(raw, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("query part %q is not param=value", pair)
		}
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(v)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("query part %q: %v", pair, err)
		}
		q.Add(uk, uv)
	}
	return q, nil
}

// validScopeToken checks RFC 6749 section 3.3:
// scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// validType accepts the wildcard or a FHIR type name: a letter followed
// by letters and digits.
func validType(t string) bool {
	if t == Wildcard {
		return true
	}
	if t == "" || !isLetter(t[0]) {
		return false
	}
	for i := 1; i < len(t); i++ {
		if !isLetter(t[i]) && (t[i] < '0' || t[i] > '9') {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// Split splits a space-separated scope string into its scopes.
func Split(s string) []string { return strings.Fields(s) }
