package web

import (
	"strings"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/pkg/smart"
)

// scopeText is a scope and its plain-language meaning.
type scopeText struct {
	Scope string
	Text  string
}

var otherScopes = map[string]string{
	"openid":           "Confirm who you are to the app",
	"fhirUser":         "Know which person you are in the health record",
	"profile":          "See your name and username",
	"launch/patient":   "Know which patient's record is open",
	"launch":           "Open with the record currently in context",
	"launch/encounter": "Know which encounter is open",
	"offline_access":   "Stay connected when you are not using it, until you revoke access",
	"online_access":    "Stay connected while you are signed in",
}

// describe turns a scope into a sentence a patient or clinician reads.
func describe(scope string) string {
	if t, ok := otherScopes[scope]; ok {
		return t
	}
	s, err := smart.ParseScope(scope)
	if err != nil || !s.IsResource() {
		return "Use the permission “" + scope + "”"
	}
	what := "all records"
	if s.ResourceType != smart.Wildcard {
		what = splitCamel(s.ResourceType) + " records"
	}
	var verbs []string
	if s.Permissions.Has(smart.Read) || s.Permissions.Has(smart.Search) {
		verbs = append(verbs, "read")
	}
	if s.Permissions.Has(smart.Create) || s.Permissions.Has(smart.Update) {
		verbs = append(verbs, "change")
	}
	if s.Permissions.Has(smart.Delete) {
		verbs = append(verbs, "delete")
	}
	whose := ""
	switch s.Context {
	case smart.ContextPatient:
		whose = " of the selected patient"
	case smart.ContextUser:
		whose = " that you can see"
	case smart.ContextSystem:
		whose = " on the whole system"
	}
	verb := strings.Join(verbs, " and ")
	if verb == "" {
		verb = "use"
	}
	text := strings.ToUpper(verb[:1]) + verb[1:] + " " + what + whose
	if s.Query != nil {
		text += " (only where " + s.Query.Encode() + ")"
	}
	return text
}

func describeAll(scopes []string) []scopeText {
	out := make([]scopeText, len(scopes))
	for i, s := range scopes {
		out[i] = scopeText{Scope: s, Text: describe(s)}
	}
	return out
}

// splitCamel writes MedicationRequest as "medication request".
func splitCamel(t string) string {
	var b strings.Builder
	for i, r := range t {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// grantable is users.Grantable: what the user's role may grant.
func grantable(u *store.User, requested []string) (ok, refused []string) {
	return users.Grantable(u, requested)
}
