package smart

import (
	"fmt"
	"net/url"
)

// Grant is one way a request is allowed: by one scope of the token.
type Grant struct {
	// Scope is the token scope that grants, as written in the token.
	Scope string
	// Context is the scope's context. ContextPatient means the resource
	// must be inside the compartment of the token's patient claim.
	Context Context
	// Query, when not nil, is a granular restriction: the resource must
	// match these search parameters (values of one parameter: any of them;
	// different parameters: all of them).
	Query url.Values
}

// Compartment reports whether the grant is limited to the patient's
// compartment.
func (g Grant) Compartment() bool { return g.Context == ContextPatient }

// Decision says whether a request is allowed, and under which restrictions.
type Decision struct {
	// Allowed is true when at least one grant applies.
	Allowed bool
	// Grants are the alternatives that allow the request: a resource may
	// be served when it satisfies at least one. Subsumed grants are
	// dropped: an unrestricted user/ or system/ grant stands alone, and a
	// patient/ grant without a query replaces patient/ grants with one.
	Grants []Grant
	// Missing names a scope that would allow the request, for the
	// scope="..." of an insufficient_scope answer. Empty when allowed, and
	// when the type is not in the table (no scope can allow it).
	Missing string
	// Reason explains a refusal in words safe to show a client.
	Reason string
}

// Unrestricted reports whether the request is allowed with no compartment
// and no query restriction.
func (d Decision) Unrestricted() bool {
	return d.Allowed && len(d.Grants) == 1 && !d.Grants[0].Compartment() && d.Grants[0].Query == nil
}

// CompartmentOnly reports whether every grant is a patient/ grant: the
// caller must restrict the request to the patient compartment.
func (d Decision) CompartmentOnly() bool {
	if !d.Allowed {
		return false
	}
	for _, g := range d.Grants {
		if !g.Compartment() {
			return false
		}
	}
	return true
}

// Decide evaluates a token's scopes for permission p on resourceType.
// hasPatient tells whether the token carries a patient claim; without one,
// patient/ scopes grant nothing. Unparseable and non-resource scopes are
// ignored. A type the table does not name is always refused.
func (t *Table) Decide(scopes []string, resourceType string, p Permission, hasPatient bool) Decision {
	return t.DecideScopes(ParseScopes(scopes), resourceType, p, hasPatient)
}

// DecideScopes is Decide for scopes parsed once with ParseScopes (a server
// can keep them with a cached token and skip the parsing per request).
func (t *Table) DecideScopes(scopes []Scope, resourceType string, p Permission, hasPatient bool) Decision {
	e, ok := t.entries[resourceType]
	if !ok {
		return Decision{Reason: fmt.Sprintf("access to %s is not permitted by this server's scope table", resourceType)}
	}
	if p == None {
		return Decision{Reason: "no permission requested"}
	}
	var grants []Grant
	patientIgnored := false
	for _, s := range scopes {
		if !s.IsResource() || !s.Permissions.Has(p) || !e.grantedBy(s.ResourceType) {
			continue
		}
		if s.Context == ContextPatient && !hasPatient {
			patientIgnored = true
			continue
		}
		grants = append(grants, Grant{Scope: s.Raw, Context: s.Context, Query: s.Query})
	}
	if len(grants) == 0 {
		d := Decision{Missing: t.missingScope(e, p, hasPatient)}
		d.Reason = fmt.Sprintf("%s on %s needs scope %s", p.verb(), resourceType, d.Missing)
		if patientIgnored {
			d.Reason += " (patient/ scopes grant nothing without a patient in context)"
		}
		return d
	}
	return Decision{Allowed: true, Grants: minimize(grants)}
}

// ParseScopes parses scopes, dropping those that do not parse (a token may
// carry scopes this server does not understand; they grant nothing).
func ParseScopes(scopes []string) []Scope {
	out := make([]Scope, 0, len(scopes))
	for _, raw := range scopes {
		if s, err := ParseScope(raw); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// minimize drops grants subsumed by a wider one.
func minimize(grants []Grant) []Grant {
	patientWhole := false
	for _, g := range grants {
		if g.Query == nil {
			if !g.Compartment() {
				return []Grant{g}
			}
			patientWhole = true
		}
	}
	out := grants[:0:0]
	for _, g := range grants {
		if patientWhole && g.Compartment() && g.Query != nil {
			continue
		}
		if patientWhole && g.Compartment() && containsPatientWhole(out) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func containsPatientWhole(gs []Grant) bool {
	for _, g := range gs {
		if g.Compartment() && g.Query == nil {
			return true
		}
	}
	return false
}

// missingScope names a scope that would grant p on the entry's type:
// the first published scope that does, else the standard v1 scope.
func (t *Table) missingScope(e Entry, p Permission, hasPatient bool) string {
	for _, raw := range e.Permitted {
		if s, err := ParseScope(raw); err == nil && s.Permissions.Has(p) {
			return raw
		}
	}
	ctx := ContextUser
	if hasPatient {
		ctx = ContextPatient
	}
	suffix := ".read"
	if !V1Read.Has(p) {
		suffix = ".write"
		if !V1Write.Has(p) {
			suffix = ".*"
		}
	}
	return string(ctx) + "/" + e.Type + suffix
}

// verb names a permission set for messages.
func (p Permission) verb() string {
	switch p {
	case Read:
		return "read"
	case Search:
		return "search"
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return "access (" + p.String() + ")"
}

// GrantsAny reports whether any of scopes grants some permission on some
// type of the table: false for a token holding only openid, profile,
// launch and the like, or only patient/ scopes without a patient in
// context. A server can refuse such a token a request that could only
// ask for resources (a batch Bundle) before reading its body.
func (t *Table) GrantsAny(scopes []Scope, hasPatient bool) bool {
	for _, s := range scopes {
		if !s.IsResource() || s.Permissions == None || s.Context == ContextPatient && !hasPatient {
			continue
		}
		for _, e := range t.entries {
			if e.grantedBy(s.ResourceType) {
				return true
			}
		}
	}
	return false
}
