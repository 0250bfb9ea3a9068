package fhirxml

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

const ns = ` xmlns="http://hl7.org/fhir"`

func TestDecodeValues(t *testing.T) {
	m, err := Decode([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<Observation` + ns + ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir observation.xsd">
  <id value="o1"/>
  <status value="final"/>
  <code><text value="weight"/></code>
  <valueQuantity id="q"><value value="70.50"/><unit value="kg"/></valueQuantity>
  <component><code><text value="a"/></code><valueString value="yes"/></component>
  <component><code><text value="b"/></code><valueTime value="10:00:00"/></component>
</Observation>`))
	if err != nil {
		t.Fatal(err)
	}
	want := decodeJSON(t, []byte(`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"weight"},
		"valueQuantity":{"id":"q","value":70.50,"unit":"kg"},
		"component":[{"code":{"text":"a"},"valueString":"yes"},{"code":{"text":"b"},"valueTime":"10:00:00"}]}`))
	if d := difference(m, want, "Observation"); d != "" {
		t.Error(d)
	}
	if v := m["valueQuantity"].(map[string]any)["value"]; v.(interface{ String() string }).String() != "70.50" {
		t.Errorf("decimal %v: precision lost", v)
	}
}

// TestDecodeRefuses checks each malformed or hostile document is a 400
// OperationOutcome naming what is wrong.
func TestDecodeRefuses(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP-SECRET-MARKER"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, doc, mention string }{
		{"XXE", `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file://` + secret + `">]><Patient` + ns + `><name><family value="&xxe;"/></name></Patient>`, "DOCTYPE"},
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Patient` + ns + `><name><family value="&lol3;"/></name></Patient>`, "DOCTYPE"},
		{"external DTD", `<!DOCTYPE Patient SYSTEM "http://attacker.invalid/x.dtd"><Patient` + ns + `/>`, "DOCTYPE"},
		{"undeclared entity", `<Patient` + ns + `><name><family value="&xxe;"/></name></Patient>`, "well-formed"},
		{"HTML entity in narrative", `<Patient` + ns + `><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">a&nbsp;b</div></text></Patient>`, "well-formed"},
		{"XInclude", `<Patient` + ns + `><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://` + secret + `" parse="text"/></Patient>`, "Patient.include"},
		{"not XML", `{"resourceType":"Patient"}`, "root element"},
		{"empty", ``, "no resource"},
		{"unclosed", `<Patient` + ns + `><active value="true"/>`, "well-formed"},
		{"no namespace", `<Patient><active value="true"/></Patient>`, "namespace"},
		{"wrong namespace", `<Patient xmlns="http://hl7.org/fhir/other"/>`, "namespace"},
		{"child in wrong namespace", `<Patient` + ns + `><active xmlns="urn:x" value="true"/></Patient>`, "Patient.active"},
		{"unknown type", `<Spaceship` + ns + `/>`, "Spaceship"},
		{"unknown element", `<Patient` + ns + `><favouriteColour value="blue"/></Patient>`, "Patient.favouriteColour"},
		{"unknown nested element", `<Patient` + ns + `><name><middle value="x"/></name></Patient>`, "Patient.name.middle"},
		{"unknown attribute", `<Patient` + ns + `><active value="true" colour="red"/></Patient>`, "colour"},
		{"attribute element as child", `<Patient` + ns + `><extension><url value="http://x"/></extension></Patient>`, "Patient.extension.url"},
		{"bad boolean", `<Patient` + ns + `><active value="yes"/></Patient>`, "boolean"},
		{"bad decimal", `<Observation` + ns + `><valueQuantity><value value="1,5"/></valueQuantity></Observation>`, "decimal"},
		{"hex number", `<Patient` + ns + `><multipleBirthInteger value="0x10"/></Patient>`, "integer"},
		{"negative as integer", `<Patient` + ns + `><multipleBirthInteger value="-03"/></Patient>`, "integer"},
		{"text in element", `<Patient` + ns + `><active value="true">yes</active></Patient>`, "Patient.active"},
		{"repeated single", `<Patient` + ns + `><active value="true"/><active value="false"/></Patient>`, "once"},
		{"two choice types", `<Patient` + ns + `><deceasedBoolean value="true"/><deceasedDateTime value="2018"/></Patient>`, "deceased[x]"},
		{"primitive without value", `<Patient` + ns + `><active/></Patient>`, "Patient.active"},
		{"contained without resource", `<Patient` + ns + `><contained/></Patient>`, "Patient.contained"},
		{"contained with two", `<Patient` + ns + `><contained><Patient/><Patient/></contained></Patient>`, "more than one"},
		{"two roots", `<Patient` + ns + `/><Patient` + ns + `/>`, ""},
		{"narrative outside XHTML", `<Patient` + ns + `><text><status value="generated"/><div>x</div></text></Patient>`, "Patient.text.div"},
		{"too deep", `<Patient` + ns + `>` + strings.Repeat(`<extension url="http://x">`, MaxDepth) + strings.Repeat(`</extension>`, MaxDepth) + `</Patient>`, "deeper"},
		{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><Patient` + ns + `/>`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode([]byte(c.doc))
			var e *fhirerr.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %v; want an *fhirerr.Error", m, err)
			}
			if e.Status != 400 {
				t.Errorf("status %d", e.Status)
			}
			if d := fhirerr.Describe(e); !strings.Contains(d, c.mention) || strings.Contains(d, "TOP-SECRET") {
				t.Errorf("diagnostics %q do not mention %q", d, c.mention)
			}
		})
	}
}

// TestEncodeCharactersXMLCannotCarry: JSON may hold control characters
// that XML 1.0 cannot; the document stays well-formed.
func TestEncodeCharactersXMLCannotCarry(t *testing.T) {
	x, err := Encode([]byte(`{"resourceType":"Patient","name":[{"family":"a\u0001b\uffffc","text":"tab\there"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(x)
	if err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, x)
	}
	name := m["name"].([]any)[0].(map[string]any)
	if name["family"] != "a\uFFFDb\uFFFDc" || name["text"] != "tab\there" {
		t.Errorf("got %q %q", name["family"], name["text"])
	}
}

func TestEncodeRefusesUnknownKeys(t *testing.T) {
	for _, doc := range []string{
		`{"resourceType":"Patient","":"x"}`,
		`{"resourceType":"Patient","colour":"red"}`,
		`{"resourceType":"Patient","name":[{"middle":"x"}]}`,
		`{"resourceType":"Patient","_birthDate":{"colour":"red"}}`,
		`{"resourceType":"Spaceship"}`,
		`{"resourceType":"Patient","active":{"nested":true}}`,
	} {
		if x, err := Encode([]byte(doc)); err == nil {
			t.Errorf("%s encoded as %s", doc, x)
		}
	}
}
