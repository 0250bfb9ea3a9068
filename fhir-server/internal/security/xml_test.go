package security_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/fhirxml"
	"github.com/smartgate/fhir-server/internal/fhirxml/xsdtest"
	"github.com/smartgate/fhir-server/internal/security"
)

// TestRefusalsInXML: what the security layer refuses (401 without or
// with a forged token, 403 for a scope, 404 outside the compartment, 503
// while the revocation feed is stale) answers an OperationOutcome in XML,
// with its headers, to a client that asked for XML; the
// CapabilityStatement with the SMART extension too. All validate against
// fhir-single.xsd.
func TestRefusalsInXML(t *testing.T) {
	stub := newFeedStub(t)
	feed, err := token.NewRevocationFeed(token.FeedConfig{URL: stub.URL, Interval: 10 * time.Second, MaxStaleness: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{feed: feed})
	docs := map[string][]byte{}
	get := func(name, path, tok string, status int, header string) {
		t.Helper()
		r := e.doWith(http.MethodGet, path, tok, "", "Accept", "application/fhir+xml")
		if r.status != status || r.header.Get("Content-Type") != "application/fhir+xml;charset=utf-8" || !strings.Contains(string(r.body), "<OperationOutcome") {
			t.Fatalf("%s: %d %q %s; want %d, an OperationOutcome in XML", name, r.status, r.header.Get("Content-Type"), r.body, status)
		}
		if header != "" && r.header.Get(header) == "" {
			t.Errorf("%s: no %s", name, header)
		}
		docs[name] = r.body
	}
	tok := e.token("user/Patient.read", "")
	get("503 stale feed", "/Patient/1", tok, http.StatusServiceUnavailable, "Retry-After")
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	get("401 no token", "/Patient/1", "", http.StatusUnauthorized, "WWW-Authenticate")
	get("401 forged token", "/Patient/1", "not-a-jwt", http.StatusUnauthorized, "WWW-Authenticate")
	get("403 scope", "/Observation/lab1", tok, http.StatusForbidden, "WWW-Authenticate")
	get("404 outside the compartment", "/Patient/2", e.token("patient/Patient.read", "1"), http.StatusNotFound, "")
	if r := e.doWith(http.MethodGet, "/Patient/1?_format=xml", tok, ""); r.status != 200 || !strings.Contains(string(r.body), `<Patient xmlns="http://hl7.org/fhir"><id value="1"/>`) {
		t.Errorf("allowed read as XML: %d %s", r.status, r.body)
	}

	sec, err := security.Capability("http://auth.test", []string{"token", "authorize", "introspect", "revoke", "manage=http://portal.test/apps"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := capability.Build(capability.Options{BaseURL: base, Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	if docs["CapabilityStatement"], err = fhirxml.Encode(cs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docs["CapabilityStatement"]), fmt.Sprintf(`<extension url="%s">`, capability.OAuthURIsExtension)) {
		t.Errorf("no oauth-uris extension: %s", docs["CapabilityStatement"])
	}
	xsdtest.Validate(t, docs)
}
