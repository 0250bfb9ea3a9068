package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/demo"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/fhirxml"
	"github.com/smartgate/fhir-server/internal/fhirxml/xsdtest"
	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/store"
)

const (
	acceptXML = "Accept: application/fhir+xml"
	sendXML   = "Content-Type: application/fhir+xml"
	admin     = "Authorization: Bearer admin"
)

// xmlOf renders a JSON value as the FHIR XML a client would send.
func xmlOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	x, err := fhirxml.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// xmlDocs collects the XML answers of a test, each checked to be FHIR XML
// of the type expected, for one validation against the schema.
type xmlDocs map[string][]byte

func (d xmlDocs) add(t *testing.T, name string, r *resp, status int, rootType string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", name, r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/fhir+xml;charset=utf-8" {
		t.Fatalf("%s: Content-Type %q: %s", name, ct, r.body)
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(r.body, &root); err != nil || root.XMLName.Local != rootType || root.XMLName.Space != fhirxml.NamespaceFHIR {
		t.Fatalf("%s: root %v (%v), want %s: %s", name, root.XMLName, err, rootType, r.body)
	}
	if strings.Contains(string(r.body), "goroutine") || strings.Contains(string(r.body), ".go:") {
		t.Errorf("%s leaks internals: %s", name, r.body)
	}
	m, err := fhirxml.Decode(r.body)
	if err != nil {
		t.Fatalf("%s: the answer does not parse back: %v", name, err)
	}
	d[name] = r.body
	return m
}

// TestXMLEveryInteraction asks for XML on every interaction, writes in
// XML, and checks every answer against the official schema.
func TestXMLEveryInteraction(t *testing.T) {
	g := &testGuard{}
	meta, err := capability.Build(capability.Options{BaseURL: base, Security: &capability.Security{
		CORS: true, Services: []capability.Coding{{System: "http://hl7.org/fhir/restful-security-service", Code: "SMART-on-FHIR"}},
		OAuth: capability.OAuthURIs{Token: "http://auth.test/token", Authorize: "http://auth.test/authorize"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	smart := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"http://auth.test"}`))
	})
	eachWith(t, func(o *api.Options) { o.Guard, o.Metadata, o.SmartConfiguration = g, meta, smart }, func(t *testing.T, e *env) {
		docs := xmlDocs{}

		// Writes in XML store what the same JSON stores.
		viaJSON := e.must(201, "POST", "Patient", patient("9000000200", "Same"), admin)
		p := patient("9000000200", "Same")
		p["_birthDate"] = map[string]any{"id": "bd", "extension": []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueDateTime": "1970-01-01T08:30:00+00:00"}}}
		p["text"] = map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml"><p>Same &amp; <b>only</b></p></div>`}
		created := docs.add(t, "create", e.do("POST", "Patient", xmlOf(t, p), sendXML, acceptXML, admin), 201, "Patient")
		id := created["id"].(string)
		stored := e.must(200, "GET", "Patient/"+id, nil, admin)
		for _, k := range []string{"id", "meta", "_birthDate", "text"} {
			delete(stored, k)
			delete(viaJSON, k)
		}
		if !reflect.DeepEqual(stored, viaJSON) {
			t.Errorf("XML create stored %v, JSON create %v", stored, viaJSON)
		}
		back := e.must(200, "GET", "Patient/"+id, nil, admin)
		if !reflect.DeepEqual(back["_birthDate"], jsonRound(p["_birthDate"])) || !reflect.DeepEqual(back["text"], p["text"]) {
			t.Errorf("primitive extension or narrative lost: %v %v", back["_birthDate"], back["text"])
		}

		obs := observation("Patient/"+id, "27113001", 0)
		obs["valueQuantity"].(map[string]any)["value"] = json.Number("70.50")
		o := docs.add(t, "create observation", e.do("POST", "Observation", xmlOf(t, obs), sendXML, acceptXML, admin), 201, "Observation")
		if v := o["valueQuantity"].(map[string]any)["value"]; v != json.Number("70.50") {
			t.Errorf("decimal %v, want 70.50 as written", v)
		}
		if r := e.do("GET", "Observation/"+o["id"].(string), nil, admin); !bytes.Contains(r.body, []byte(`"value":70.50`)) {
			t.Errorf("stored decimal lost its precision: %s", r.body)
		}

		p["id"] = id
		p["active"] = true
		docs.add(t, "update", e.do("PUT", "Patient/"+id, xmlOf(t, p), sendXML, acceptXML, admin), 200, "Patient")
		docs.add(t, "conditional create", e.do("POST", "Patient", xmlOf(t, patient("9000000200", "Same")), sendXML, acceptXML, admin,
			"If-None-Exist: identifier=https://fhir.nhs.uk/Id/nhs-number|9000000219"), 201, "Patient")
		docs.add(t, "create, Prefer OperationOutcome", e.do("POST", "Patient", xmlOf(t, patient("9000000235", "Outcome")), sendXML, acceptXML, admin,
			"Prefer: return=OperationOutcome"), 201, "OperationOutcome")

		// Reads, searches, histories.
		docs.add(t, "read", e.do("GET", "Patient/"+id, nil, acceptXML, admin), 200, "Patient")
		docs.add(t, "vread", e.do("GET", "Patient/"+id+"/_history/1", nil, acceptXML, admin), 200, "Patient")
		docs.add(t, "read _format=xml", e.do("GET", "Patient/"+id+"?_format=xml", nil, admin), 200, "Patient")
		docs.add(t, "read _summary", e.do("GET", "Patient/"+id+"?_summary=true", nil, acceptXML, admin), 200, "Patient")
		for name, q := range map[string]string{
			"search":             "Patient?family=Same",
			"search _include":    "Observation?_include=Observation:subject",
			"search _revinclude": "Patient?_revinclude=Observation:subject",
			"search _summary":    "Patient?_summary=true",
			"search _elements":   "Patient?_elements=name,birthDate",
			"search count":       "Patient?_summary=count",
			"search empty":       "Patient?family=Nobody",
			"history":            "Patient/" + id + "/_history",
			"type history":       "Patient/_history",
			"system history":     "_history",
		} {
			b := docs.add(t, name, e.do("GET", q, nil, acceptXML, admin), 200, "Bundle")
			if name == "search _include" && len(entries(b, "include")) != 1 {
				t.Errorf("_include: %v", b)
			}
		}

		docs.add(t, "search by POST", e.do("POST", "Patient/_search", []byte("family=Same"), "Content-Type: application/x-www-form-urlencoded", acceptXML, admin), 200, "Bundle")
		paged := docs.add(t, "search paged by _format", e.do("GET", "Patient?_count=1&_format=xml", nil, admin), 200, "Bundle")
		if next := link(paged, "next"); !strings.Contains(next, "_format=xml") {
			t.Errorf("the next page %q would leave XML", next)
		}

		// A deletion, in XML and in the history Bundles below.
		gone := e.must(201, "POST", "Patient", patient("9000000278", "Gone"), admin)["id"].(string)
		if r := e.do("DELETE", "Patient/"+gone, nil, acceptXML, admin); r.status >= 300 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		} else if len(r.body) > 0 {
			docs.add(t, "delete", r, r.status, "OperationOutcome")
		}
		docs.add(t, "read deleted", e.do("GET", "Patient/"+gone, nil, acceptXML, admin), 410, "OperationOutcome")
		docs.add(t, "history of deleted", e.do("GET", "Patient/"+gone+"/_history", nil, acceptXML, admin), 200, "Bundle")
		if r := e.do("HEAD", "Patient/"+id, nil, acceptXML, admin); r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Type") != "application/fhir+xml;charset=utf-8" {
			t.Errorf("HEAD: %d %q %d bytes", r.status, r.header.Get("Content-Type"), len(r.body))
		}

		// A Binary: its raw content is never converted, even when it is
		// FHIR JSON and the client's Accept names XML; as a resource it
		// is XML.
		content := []byte(`{"not":"a resource"}`)
		bin := e.must(201, "POST", "Binary", map[string]any{"resourceType": "Binary", "contentType": "application/fhir+json",
			"content": base64.StdEncoding.EncodeToString(content)}, admin)["id"].(string)
		if r := e.do("GET", "Binary/"+bin, nil, "Accept: application/xml", admin); r.status != 200 || !bytes.Equal(r.body, content) || r.header.Get("Content-Type") != "application/fhir+json" {
			t.Errorf("raw Binary read with Accept application/xml: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		docs.add(t, "Binary as a resource", e.do("GET", "Binary/"+bin, nil, acceptXML, admin), 200, "Binary")
		xmlBin := e.do("POST", "Binary", []byte(`<doc/>`), "Content-Type: text/xml", admin)
		if xmlBin.status != 201 {
			t.Fatalf("raw XML Binary: %d %s", xmlBin.status, xmlBin.body)
		}
		if r := e.do("GET", "Binary/"+xmlBin.json(t)["id"].(string), nil, "Accept: text/xml", admin); string(r.body) != `<doc/>` {
			t.Errorf("raw XML Binary read: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
		}

		// Batch and transaction Bundles in XML.
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"fullUrl": "urn:uuid:2b4f8e5c-3f1a-4c5d-9e6f-7a8b9c0d1e2f", "resource": patient("9000000243", "Tx"), "request": map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"resource": observation("urn:uuid:2b4f8e5c-3f1a-4c5d-9e6f-7a8b9c0d1e2f", "27113001", 71), "request": map[string]any{"method": "POST", "url": "Observation"}},
		}}
		txr := docs.add(t, "transaction", e.do("POST", "", xmlOf(t, tx), sendXML, acceptXML, admin), 200, "Bundle")
		if txr["type"] != "transaction-response" || len(txr["entry"].([]any)) != 2 {
			t.Errorf("transaction response %v", txr)
		}
		batch := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/" + id}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/missing"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient?family=Tx"}},
		}}
		docs.add(t, "batch", e.do("POST", "", xmlOf(t, batch), sendXML, acceptXML, admin), 200, "Bundle")
		docs["transaction request"], docs["batch request"] = xmlOf(t, tx), xmlOf(t, batch)

		// The CapabilityStatement, with the SMART extension.
		c := docs.add(t, "metadata", e.do("GET", "metadata", nil, acceptXML), 200, "CapabilityStatement")
		if !strings.Contains(fmt.Sprint(c["rest"]), capability.OAuthURIsExtension) {
			t.Errorf("CapabilityStatement lost the oauth-uris extension: %v", c["rest"])
		}
		if r := e.do("GET", "metadata", nil, acceptXML); !strings.Contains(r.header.Get("Vary"), "Accept") {
			t.Errorf("metadata Vary %q: a cache would hand JSON to an XML client", r.header.Get("Vary"))
		}

		// The SMART configuration is JSON, whatever the client asks.
		if r := e.do("GET", ".well-known/smart-configuration", nil, acceptXML); r.status != 200 || string(r.body) != `{"issuer":"http://auth.test"}` {
			t.Errorf("smart-configuration asked as XML: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
		}

		// Errors are OperationOutcomes in XML too.
		for _, c := range []struct {
			name         string
			method, path string
			body         []byte
			headers      []string
			status       int
		}{
			{"401", "GET", "Patient/" + id, nil, nil, 401},
			{"403", "POST", "Patient", xmlOf(t, patient("9000000251", "No")), []string{sendXML, "Authorization: Bearer readonly"}, 403},
			{"404", "GET", "Patient/missing", nil, []string{admin}, 404},
			{"404 type", "GET", "Spaceship/1", nil, []string{admin}, 404},
			{"412", "PUT", "Patient/" + id, xmlOf(t, p), []string{sendXML, admin, `If-Match: W/"1"`}, 412},
			{"413", "POST", "Patient", xmlOf(t, patient("9000000251", strings.Repeat("x", 70<<10))), []string{sendXML, admin}, 413},
			{"422", "POST", "Patient", []byte(`<Patient xmlns="http://hl7.org/fhir"><gender value="sometimes"/></Patient>`), []string{sendXML, admin}, 422},
			{"400 unknown element", "POST", "Patient", []byte(`<Patient xmlns="http://hl7.org/fhir"><favouriteColour value="blue"/></Patient>`), []string{sendXML, admin}, 400},
			{"400 DOCTYPE", "POST", "Patient", []byte(`<!DOCTYPE Patient [<!ENTITY x "y">]><Patient xmlns="http://hl7.org/fhir"/>`), []string{sendXML, admin}, 400},
			{"400 search", "GET", "Patient?birthdate=yesterday", nil, []string{admin}, 400},
			{"405", "DELETE", "Patient", nil, []string{admin}, 405},
		} {
			r := e.do(c.method, c.path, c.body, append(c.headers, acceptXML)...)
			oo := docs.add(t, "error "+c.name, r, c.status, "OperationOutcome")
			if c.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if c.name == "400 unknown element" && !strings.Contains(fmt.Sprint(oo), "favouriteColour") {
				t.Errorf("the outcome does not name the element: %v", oo)
			}
		}
		if n := e.total("Patient", "identifier=9000000251", admin); n != 0 {
			t.Errorf("refused writes stored %d patients", n)
		}
		xsdtest.Validate(t, docs)
	})
}

// jsonRound is v as it reads back from JSON.
func jsonRound(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// failingObserver answers every write with written, and every request
// with finished.
type failingObserver struct{ written, finished error }

func (f failingObserver) Written(context.Context, store.Tx, *outcome.Outcome, []store.Write) error {
	return f.written
}
func (f failingObserver) Finished(context.Context, *outcome.Outcome) error { return f.finished }

// TestXMLErrorsFromObservers: a conflict met while writing (409) and an
// answer withheld by the audit (503, with Retry-After) are XML too.
func TestXMLErrorsFromObservers(t *testing.T) {
	docs := xmlDocs{}
	for _, c := range []struct {
		name   string
		obs    failingObserver
		status int
	}{
		{"409", failingObserver{written: store.ErrConflict}, 409},
		{"503", failingObserver{finished: fhirerr.Errorf(503, "transient", "the audit trail is unavailable")}, 503},
	} {
		s := backends()[0].open(t)
		e := newEnv(t, s, func(o *api.Options) { o.Observers = []api.Observer{c.obs} })
		e.t = t
		r := e.do("POST", "Patient", xmlOf(t, patient("9000000260", "Obs")), sendXML, acceptXML)
		docs.add(t, c.name, r, c.status, "OperationOutcome")
		if c.status == 503 && r.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
	xsdtest.Validate(t, docs)
}

// TestXMLRefusesHostileDocuments: XXE and billion-laughs documents are
// refused with 400 before anything is read or stored.
func TestXMLRefusesHostileDocuments(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP-SECRET-MARKER"), 0o600); err != nil {
		t.Fatal(err)
	}
	laughs := `<!ENTITY lol "lol">`
	for i := 1; i <= 9; i++ {
		laughs += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%s;", map[bool]string{true: "", false: fmt.Sprint(i - 1)}[i == 1]), 10))
	}
	each(t, func(t *testing.T, e *env) {
		for _, c := range []struct{ name, path, doc string }{
			{"XXE file", "Patient", `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file://` + secret + `">]><Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>`},
			{"XXE parameter entity", "Patient", `<!DOCTYPE Patient [<!ENTITY % p SYSTEM "file://` + secret + `"> %p;]><Patient xmlns="http://hl7.org/fhir"/>`},
			{"billion laughs", "Patient", `<?xml version="1.0"?><!DOCTYPE Patient [` + laughs + `]><Patient xmlns="http://hl7.org/fhir"><name><family value="&lol9;"/></name></Patient>`},
			{"XXE in a transaction", "", `<!DOCTYPE Bundle [<!ENTITY xxe SYSTEM "file://` + secret + `">]><Bundle xmlns="http://hl7.org/fhir"><type value="transaction"/></Bundle>`},
			{"entity without DTD", "Patient", `<Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>`},
		} {
			t.Run(c.name, func(t *testing.T) {
				for _, accept := range []string{"Accept: application/fhir+json", acceptXML} {
					r := e.do("POST", c.path, []byte(c.doc), sendXML, accept)
					if r.status != 400 || bytes.Contains(r.body, []byte("TOP-SECRET")) || bytes.Contains(r.body, []byte("lollol")) {
						t.Fatalf("%d: %s", r.status, r.body)
					}
				}
			})
		}
		if n := e.total("Patient", ""); n != 0 {
			t.Errorf("hostile documents stored %d patients", n)
		}
	})
}

// TestXMLDemoDataset reads every resource of the demo dataset as XML, as
// stored (meta included), checks each against the schema, and that its
// XML parses back to the JSON the server answers for it.
func TestXMLDemoDataset(t *testing.T) {
	s := backends()[0].open(t)
	e := newEnv(t, s, func(*api.Options) {})
	if err := e.h.Load(context.Background(), demo.Dataset()); err != nil {
		t.Fatal(err)
	}
	docs := xmlDocs{}
	for _, raw := range demo.Dataset() {
		var head struct{ ResourceType, ID string }
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		path := head.ResourceType + "/" + head.ID
		fromXML := docs.add(t, path, e.do("GET", path, nil, acceptXML), 200, head.ResourceType)
		asJSON := e.do("GET", path, nil)
		if want := decodeNumbers(t, asJSON.body); !reflect.DeepEqual(fromXML, want) {
			t.Errorf("%s: XML reads back as %v, JSON is %s", path, fromXML, asJSON.body)
		}
	}
	docs.add(t, "searchset with _include", e.do("GET", "DocumentReference?patient=4&_include=DocumentReference:binary", nil, acceptXML), 200, "Bundle")
	docs.add(t, "searchset of 100", e.do("GET", "Observation?_count=100", nil, acceptXML), 200, "Bundle")
	xsdtest.Validate(t, docs)
}

// decodeNumbers decodes JSON as the codec does: numbers as written.
func decodeNumbers(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}
