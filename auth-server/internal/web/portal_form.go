package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/pkg/smart"
)

// clientForm is the new-client and edit form as the user filled it: kept
// verbatim so that a refused form comes back with the user's input.
type clientForm struct {
	Name, RedirectURIs, LaunchURI, Method    string
	JWKS, JWKSURI                            string
	Contacts, ClientURI, LogoURI             string
	SoftwareID, SoftwareVersion, ExtraScopes string
	Grants                                   []string
	Scopes                                   []string // the ticked scope checkboxes
}

// newClientForm is the empty form: client_secret_basic, no grant yet.
func newClientForm() clientForm {
	return clientForm{Method: registration.MethodSecretBasic}
}

// parseClientForm reads a posted form.
func parseClientForm(f url.Values) clientForm {
	return clientForm{
		Name:            strings.TrimSpace(f.Get("client_name")),
		RedirectURIs:    f.Get("redirect_uris"),
		LaunchURI:       strings.TrimSpace(f.Get("launch_uri")),
		Method:          f.Get("token_endpoint_auth_method"),
		JWKS:            f.Get("jwks"),
		JWKSURI:         strings.TrimSpace(f.Get("jwks_uri")),
		Contacts:        f.Get("contacts"),
		ClientURI:       strings.TrimSpace(f.Get("client_uri")),
		LogoURI:         strings.TrimSpace(f.Get("logo_uri")),
		SoftwareID:      strings.TrimSpace(f.Get("software_id")),
		SoftwareVersion: strings.TrimSpace(f.Get("software_version")),
		ExtraScopes:     f.Get("extra_scopes"),
		Grants:          f["grant_types"],
		Scopes:          f["scope"],
	}
}

// formOf fills the form from a stored client: the scopes the form offers
// as checkboxes are ticked, any other goes to the "other scopes" field.
func formOf(cl *store.Client, offered []string) clientForm {
	f := clientForm{
		Name: cl.Name, RedirectURIs: strings.Join(cl.RedirectURIs, "\n"), LaunchURI: cl.LaunchURI, Method: cl.TokenEndpointAuthMethod,
		JWKS: string(cl.JWKS), JWKSURI: cl.JWKSURI, Contacts: strings.Join(cl.Contacts, "\n"),
		ClientURI: cl.ClientURI, LogoURI: cl.LogoURI, SoftwareID: cl.SoftwareID, SoftwareVersion: cl.SoftwareVersion,
		Grants: cl.GrantTypes,
	}
	if f.Method == "" {
		f.Method = registration.MethodSecretBasic
	}
	var extra []string
	for _, s := range cl.Scopes {
		if slices.Contains(offered, s) {
			f.Scopes = append(f.Scopes, s)
		} else {
			extra = append(extra, s)
		}
	}
	f.ExtraScopes = strings.Join(extra, " ")
	return f
}

// metadata turns the form into RFC 7591 metadata, checking what only the
// form can get wrong; the registration service validates the rest.
func (f clientForm) metadata() (registration.Metadata, string) {
	if f.Name == "" {
		return registration.Metadata{}, "Give the client a name, so that you and the people who approve it recognise it."
	}
	if len(f.Grants) == 0 {
		return registration.Metadata{}, "Choose at least one grant type."
	}
	scopes := append(slices.Clone(f.Scopes), strings.Fields(f.ExtraScopes)...)
	slices.Sort(scopes)
	m := registration.Metadata{
		ClientName:              f.Name,
		RedirectURIs:            lines(f.RedirectURIs),
		LaunchURI:               f.LaunchURI,
		GrantTypes:              f.Grants,
		TokenEndpointAuthMethod: f.Method,
		Scope:                   strings.Join(slices.Compact(scopes), " "),
		Contacts:                lines(f.Contacts),
		ClientURI:               f.ClientURI,
		LogoURI:                 f.LogoURI,
		SoftwareID:              f.SoftwareID,
		SoftwareVersion:         f.SoftwareVersion,
	}
	if f.Method == registration.MethodPrivateKey {
		// Keys matter only to private_key_jwt; with another method the
		// fields (always visible, the page needs no script) are ignored.
		m.JWKSURI = f.JWKSURI
		if j := strings.TrimSpace(f.JWKS); j != "" {
			if !json.Valid([]byte(j)) {
				return m, "The JSON Web Key Set is not valid JSON."
			}
			m.JWKS = json.RawMessage(j)
		}
	}
	return m, ""
}

// lines splits a textarea into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// choice is one radio button or checkbox of the form.
type choice struct {
	ID, Value, Label, Help string
	Short                  string // the visible label in the compact scope grid (Label is read out)
	Checked                bool
}

// scopeGroup is the checkboxes of one context (patient/, user/,
// system/), one row per resource type.
type scopeGroup struct {
	Legend, Help string
	Rows         []scopeRow
}

type scopeRow struct {
	Resource string
	Choices  []choice
}

// portalResources are the resource types the form offers scopes for
// (the FHIR server's scope table, config/scopes.yaml), "*" first.
func portalResources() []string {
	return []string{smart.Wildcard, "Patient", "Observation", "Encounter", "Condition", "Procedure", "AllergyIntolerance",
		"MedicationRequest", "MedicationStatement", "Medication", "Immunization", "DocumentReference", "Binary",
		"Organization", "Practitioner", "Location"}
}

var contextHelp = []struct{ prefix, legend, help string }{
	{"patient", "Patient context (patient/)", "Data of one patient only: the patient chosen when the app is launched, or the signed-in patient."},
	{"user", "User context (user/)", "Any data the person using the app is allowed to see. Only people with a clinical role can give these."},
	{"system", "System context (system/)", "Any data, for a backend service with no person signed in. Needs the private_key_jwt method."},
}

// launchScopes are the scopes that are not about resources.
func launchScopes() []string {
	return []string{"launch", "launch/patient", "launch/encounter", "openid", "fhirUser", "profile", "offline_access", "online_access"}
}

// scopeChoices builds the checkboxes the user's allowance covers, ticking
// the chosen ones; it also returns every offered scope.
func scopeChoices(allowed, chosen []string) (groups []scopeGroup, launch []choice, offered []string) {
	n := 0
	mk := func(scope, label, short string) choice {
		n++
		offered = append(offered, scope)
		return choice{ID: fmt.Sprintf("scope-%d", n), Value: scope, Label: label, Short: short, Checked: slices.Contains(chosen, scope)}
	}
	for _, ctx := range contextHelp {
		g := scopeGroup{Legend: ctx.legend, Help: ctx.help}
		for _, res := range portalResources() {
			row := scopeRow{Resource: res}
			if res == smart.Wildcard {
				row.Resource = "All resource types"
			}
			for _, perm := range []struct{ suffix, short string }{{"read", "Read"}, {"write", "Write"}} {
				s := ctx.prefix + "/" + res + "." + perm.suffix
				if smart.Covers(allowed, s) {
					row.Choices = append(row.Choices, mk(s, describe(s), perm.short))
				}
			}
			if len(row.Choices) > 0 {
				g.Rows = append(g.Rows, row)
			}
		}
		if len(g.Rows) > 0 {
			groups = append(groups, g)
		}
	}
	for _, s := range launchScopes() {
		if smart.Covers(allowed, s) {
			launch = append(launch, mk(s, describe(s), ""))
		}
	}
	return groups, launch, offered
}

// offeredScopes is every scope the form shows as a checkbox for allowed.
func offeredScopes(allowed []string) []string {
	_, _, offered := scopeChoices(allowed, nil)
	return offered
}

var authMethods = []struct{ value, label, help string }{
	{registration.MethodSecretBasic, "Client secret in the Authorization header (client_secret_basic)",
		"The usual choice for a server-side app or a script: the secret is sent as HTTP Basic authentication (Postman: “Send as Basic Auth header”)."},
	{registration.MethodSecretPost, "Client secret in the request body (client_secret_post)",
		"For tools that cannot send a Basic Authorization header."},
	{registration.MethodPrivateKey, "Signed assertion with your own key (private_key_jwt)",
		"SMART Backend Services: no secret is issued; give your public keys below, as a JSON Web Key Set or its https URL."},
	{registration.MethodNone, "None: a public app (none)",
		"A browser or mobile app that cannot keep a secret. It signs people in with the authorization-code grant and PKCE."},
}

var grantTypes = []struct{ value, label, help string }{
	{registration.GrantClientCredentials, "Client credentials (client_credentials)",
		"A program reads data on its own behalf; nobody signs in. Needs a secret or a key."},
	{registration.GrantAuthorizationCode, "Authorization code (authorization_code)",
		"A person signs in and approves the app (SMART app launch). Needs at least one redirect URI."},
	{registration.GrantRefreshToken, "Refresh token (refresh_token)",
		"The app may stay connected without asking the person again. Needs the authorization code grant."},
}

// formView is what templates/portal_form.html receives.
type formView struct {
	Form        clientForm
	Action      string // where the form posts
	ClientID    string // set when editing
	Methods     []choice
	Grants      []choice
	ScopeGroups []scopeGroup
	Launch      []choice
	Role        string
}

// formViewOf builds the form page for a user role's allowance.
func formViewOf(f clientForm, allowed []string, role, action, clientID string) formView {
	v := formView{Form: f, Action: action, ClientID: clientID, Role: role}
	for i, m := range authMethods {
		v.Methods = append(v.Methods, choice{ID: fmt.Sprintf("method-%d", i), Value: m.value, Label: m.label, Help: m.help, Checked: f.Method == m.value})
	}
	for i, g := range grantTypes {
		v.Grants = append(v.Grants, choice{ID: fmt.Sprintf("grant-%d", i), Value: g.value, Label: g.label, Help: g.help, Checked: slices.Contains(f.Grants, g.value)})
	}
	v.ScopeGroups, v.Launch, _ = scopeChoices(allowed, f.Scopes)
	return v
}

// methodLabel is a short name of an auth method for lists.
func methodLabel(m string) string {
	switch m {
	case registration.MethodSecretBasic, "":
		return "client secret (Basic)"
	case registration.MethodSecretPost:
		return "client secret (POST body)"
	case registration.MethodPrivateKey:
		return "private_key_jwt"
	case registration.MethodNone:
		return "public (none)"
	}
	return m
}
