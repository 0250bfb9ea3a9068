package smart

import "slices"

// AuditEvent is the one type a wildcard never includes: it needs a scope
// that names it.
const AuditEvent = "AuditEvent"

// Covers reports whether the registered scopes allow a client to request
// the scope requested.
//
// Other scopes are compared by equality. A resource scope is covered when
// the union of the permissions of the registered scopes that match it
// holds every permission it asks for. A registered scope matches when it
// has the same context; names the same type, or the wildcard (which never
// matches AuditEvent, and is the only thing that matches a requested
// wildcard); and its granular query, if any, is contained in the requested
// one (a request may be stricter than what was registered, never wider).
// v1 and v2 syntax mix freely: registered user/Patient.cruds covers
// user/Patient.read, and user/Patient.read covers user/Patient.rs.
// An unparseable request is never covered.
func Covers(registered []string, requested string) bool {
	req, err := ParseScope(requested)
	if err != nil {
		return false
	}
	if !req.IsResource() {
		return slices.Contains(registered, requested)
	}
	var have Permission
	for _, r := range registered {
		reg, err := ParseScope(r)
		if err != nil || reg.Context != req.Context || !typeCovers(reg.ResourceType, req.ResourceType) {
			continue
		}
		if !queryContains(req.Query, reg.Query) {
			continue
		}
		have |= reg.Permissions
	}
	return req.Permissions != None && have.Has(req.Permissions)
}

// Uncovered returns, in order, the requested scopes that Covers refuses.
// It returns nil when every requested scope is covered.
func Uncovered(registered, requested []string) []string {
	var out []string
	for _, r := range requested {
		if !Covers(registered, r) {
			out = append(out, r)
		}
	}
	return out
}

// typeCovers reports whether a scope on type have grants type want.
func typeCovers(have, want string) bool {
	if have == want {
		return true
	}
	return have == Wildcard && want != AuditEvent
}

// queryContains reports whether every param=value pair of sub is in super.
// An empty sub (no restriction) is contained in anything.
func queryContains(super, sub map[string][]string) bool {
	for k, vs := range sub {
		for _, v := range vs {
			if !slices.Contains(super[k], v) {
				return false
			}
		}
	}
	return true
}
