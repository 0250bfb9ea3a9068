package security

import (
	"fmt"
	"slices"
	"strings"

	"github.com/smartgate/pkg/smart"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
)

// auditEvent is the type no wildcard and no patient/ scope reaches.
const auditEvent = "AuditEvent"

// need is one permission an interaction requires on one type. reached
// marks types reached through _include, _revinclude or a chain, on which
// a granular scope's conditions cannot be applied.
type need struct {
	typ     string
	perm    smart.Permission
	reached bool
}

// decide maps an access to the permissions it needs and the grant that
// results. Every type and permission must be allowed; the grant narrows
// to the patient compartment when any of them is allowed only there.
func (g *Guard) decide(c *token.Claims, a access.Access) (access.Grant, error) {
	switch a.Interaction {
	case route.Batch, route.Transaction:
		// A Bundle's entries are authorized one by one; the Bundle itself
		// only needs a token that could be allowed some entry.
		return g.bundle(c)
	case route.Capabilities:
		return access.Grant{}, nil
	case route.HistorySystem:
		return g.systemHistory(c)
	case route.Operation:
		return g.export(c, a)
	}
	perm, ok := smart.InteractionPermission(string(a.Interaction))
	if !ok || a.Type == "" {
		return access.Grant{}, insufficientScope(g.realm, "", fmt.Sprintf("interaction %q is not permitted", a.Interaction))
	}
	needs := []need{{typ: a.Type, perm: perm}}
	if a.Query != nil {
		if a.Interaction == route.Create {
			// Conditional create searches before it writes.
			needs = append(needs, need{typ: a.Type, perm: smart.Search})
		}
		needs = append(needs, reached(a.Query)...)
	}
	scopes := g.scopes.get(c.Scope)
	var grant access.Grant
	compartment := false
	for _, n := range needs {
		r, err := g.decideType(scopes, c, n)
		if err != nil {
			return access.Grant{}, err
		}
		compartment = compartment || r.compartment
		grant.Clauses = append(grant.Clauses, r.clauses...)
	}
	if compartment {
		grant.Compartment = &search.Compartment{Type: "Patient", ID: c.Patient}
	}
	return grant, nil
}

// restriction is how one allowed type is narrowed.
type restriction struct {
	compartment bool
	clauses     []search.Clause
}

// decideType decides one need from the scope table.
func (g *Guard) decideType(scopes []smart.Scope, c *token.Claims, n need) (restriction, error) {
	if !g.table.Has(n.typ) {
		return restriction{}, insufficientScope(g.realm, "", fmt.Sprintf("access to %s is not permitted by this server's scope table", n.typ))
	}
	d := g.table.DecideScopes(scopes, n.typ, n.perm, c.HasPatient())
	grants := d.Grants
	if n.typ == auditEvent {
		grants = slices.DeleteFunc(slices.Clone(grants), smart.Grant.Compartment)
	}
	if !d.Allowed || len(grants) == 0 {
		return restriction{}, g.refusal(n, d)
	}
	// Decision.Grants are alternatives; a Grant holds one restriction, so
	// take the widest single one (a whole patient/ grant before a
	// granular one). Never wider than the scopes allow.
	slices.SortStableFunc(grants, func(a, b smart.Grant) int {
		return boolRank(a.Query != nil) - boolRank(b.Query != nil)
	})
	var last error
	for _, gr := range grants {
		if gr.Compartment() && !compartmentBound(n.typ) && smart.V1Write&n.perm != 0 {
			// Readable under a patient/ scope, but a write there would
			// leave a resource outside the patient's compartment.
			last = insufficientScope(g.realm, "", fmt.Sprintf("%s lies outside the patient compartment: a patient/ scope (%s) does not permit writing it", n.typ, gr.Scope))
			continue
		}
		r := restriction{compartment: gr.Compartment() && compartmentBound(n.typ)}
		if gr.Query != nil {
			if n.reached {
				last = insufficientScope(g.realm, "", fmt.Sprintf("%s is granted only with conditions (%s), which cannot apply to resources reached through _include, _revinclude or a chained parameter", n.typ, gr.Scope))
				continue
			}
			q, _, err := search.Parse(n.typ, gr.Query, search.ParseOptions{Strict: true, BaseURL: g.base})
			if err != nil {
				last = insufficientScope(g.realm, "", fmt.Sprintf("the conditions of scope %s cannot be applied: %v", gr.Scope, err))
				continue
			}
			r.clauses = q.Clauses
		}
		return r, nil
	}
	return restriction{}, last
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refusal is the 403 for a need no scope allows.
func (g *Guard) refusal(n need, d smart.Decision) error {
	missing, reason := d.Missing, d.Reason
	if n.typ == auditEvent {
		missing = "system/AuditEvent.read"
		if !smart.V1Read.Has(n.perm) {
			missing = "system/AuditEvent.write"
		}
		reason = "AuditEvent is reachable only through a user/ or system/ scope that names it"
	}
	if reason == "" {
		reason = fmt.Sprintf("access to %s is not permitted", n.typ)
	}
	if n.reached {
		reason += " (reached through _include, _revinclude or a chained parameter)"
	}
	return insufficientScope(g.realm, missing, reason)
}

// compartmentBound reports whether the patient compartment limits a type
// (false for Organization, Practitioner, Location, Medication, which lie
// outside the CompartmentDefinition and are readable under a patient/
// scope for the type without restriction).
func compartmentBound(typ string) bool {
	_, restricted := search.CompartmentParams(typ)
	return restricted
}

// reached lists the types a search reaches besides its matches: the
// targets of _include (read), the sources of _revinclude (read), and the
// targets of chained parameters (searched). The source of an _include is
// the searched type or a type an earlier include reached, authorized
// already.
func reached(q *search.Query) []need {
	var out []need
	add := func(t string, p smart.Permission) {
		for _, n := range out {
			if n.typ == t && n.perm == p {
				return
			}
		}
		out = append(out, need{typ: t, perm: p, reached: true})
	}
	for _, inc := range q.Includes {
		for _, t := range includeTargets(inc) {
			add(t, smart.Read)
		}
	}
	for _, inc := range q.RevIncludes {
		add(inc.SourceType, smart.Read)
	}
	for _, cl := range q.Clauses {
		if cl.Chain != nil && cl.TargetType != "" {
			add(cl.TargetType, smart.Search)
		}
	}
	return out
}

// includeTargets are the stored types an _include can return.
func includeTargets(inc search.Include) []string {
	if inc.TargetType != "" {
		return []string{inc.TargetType}
	}
	def, _ := search.Param(inc.SourceType, inc.Param)
	if len(def.Targets) == 0 {
		return search.Types()
	}
	var out []string
	for _, t := range def.Targets {
		if search.KnownType(t) {
			out = append(out, t)
		}
	}
	return out
}

// systemHistory allows [base]/_history only to a token that may search
// every type without restriction (it returns versions of every type,
// AuditEvents included).
func (g *Guard) systemHistory(c *token.Claims) (access.Grant, error) {
	scopes := g.scopes.get(c.Scope)
	for _, t := range search.Types() {
		if !g.table.Has(t) {
			return access.Grant{}, insufficientScope(g.realm, "", "the history of the whole system includes "+t+", which this server's scope table does not permit")
		}
		d := g.table.DecideScopes(scopes, t, smart.Search, c.HasPatient())
		if !d.Unrestricted() {
			missing := "system/" + t + ".read"
			return access.Grant{}, insufficientScope(g.realm, missing,
				"the history of the whole system needs unrestricted search on every type ("+strings.TrimSuffix(missing, ".read")+" among them)")
		}
	}
	return access.Grant{}, nil
}
