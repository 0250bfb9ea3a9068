package search_test

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// matchQueries are hand-written searches; generated ones follow.
var matchQueries = []string{
	// _id and _lastUpdated
	"AuditEvent?_id=a1", "AuditEvent?_id=a1,a3,zz", "AuditEvent?_id:not=a1", "AuditEvent?_id:missing=true", "AuditEvent?_id:missing=false",
	"Patient?_id=4", "Patient?_id=p-8", "AuditEvent?_id=x|a2", "AuditEvent?_id=|a2", "AuditEvent?_id:text=A1",
	"AuditEvent?_lastUpdated=2023-05-01", "AuditEvent?_lastUpdated=gt2023-05-01T10:00:00Z", "AuditEvent?_lastUpdated=lt2023-05-01T10:05:00Z",
	"AuditEvent?_lastUpdated=ge2023-05-01T10:00:00.000Z", "AuditEvent?_lastUpdated=le2023-05-01T10:00:00.000Z",
	"AuditEvent?_lastUpdated=ne2023-05-01T10:00:00.000Z", "AuditEvent?_lastUpdated=sa2023-05-01T10:01", "AuditEvent?_lastUpdated=eb2023-05-01T10:01",
	"AuditEvent?_lastUpdated=ap2023-05-01", "AuditEvent?_lastUpdated=ap2020", "AuditEvent?_lastUpdated:missing=true", "AuditEvent?_lastUpdated:missing=false",
	"AuditEvent?_lastUpdated=ge2023-05-01T10:00:00Z&_lastUpdated=lt2023-05-01T10:03:00Z",
	"AuditEvent?_lastUpdated=2023-05-01T10:00,2023-05-01T10:02", "AuditEvent?_lastUpdated=eb2023-05-01T10:00:00.0005Z",
	"AuditEvent?_lastUpdated=gt2023-05-01T10:00:00.0000000001Z", "AuditEvent?_lastUpdated=sa2023-05-01T10:01:00.333Z",
	// token
	"AuditEvent?outcome=0", "AuditEvent?outcome=0,4", "AuditEvent?outcome:not=0", "AuditEvent?outcome:not=0,4", "AuditEvent?outcome:missing=true",
	"AuditEvent?outcome:missing=false", "AuditEvent?type=110110", "AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110110",
	"AuditEvent?type=|rest", "AuditEvent?type=|110110", "AuditEvent?type=urn:other|", "AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|",
	"AuditEvent?type:not=http://dicom.nema.org/resources/ontology/DCM|110110", "AuditEvent?type:text=patient", "AuditEvent?type:text=QUE",
	"AuditEvent?subtype=read", "AuditEvent?subtype=read&subtype=vread", "AuditEvent?subtype:not=read", "AuditEvent?subtype:missing=true",
	"AuditEvent?user=alice", "AuditEvent?user=urn:users|alice", "AuditEvent?user=|bob", "AuditEvent?user=Alice", "AuditEvent?user:text=alice",
	"AuditEvent?agent-role=doctor", "AuditEvent?agent-role:text=physician", "AuditEvent?agent-role:text=nurse on", "AuditEvent?agent-role:text=Doctor",
	"AuditEvent?agent-role=urn:roles|", "AuditEvent?altid=alt-1", "AuditEvent?altid=ALT-2", "AuditEvent?site=site-A", "AuditEvent?site=Site-A",
	"AuditEvent?source=urn:src|srv1", "AuditEvent?source=srv2", "AuditEvent?source=|srv2", "AuditEvent?entity-type=Patient",
	"AuditEvent?entity-role=urn:erole|1,urn:erole|4", "AuditEvent?entity-id=urn:ids|E-100", "AuditEvent?entity-id=E-200",
	"AuditEvent?action=R", "AuditEvent?action=r", "AuditEvent?action:missing=true", "AuditEvent?_tag=urn:tags|batch", "AuditEvent?_tag:missing=false",
	"AuditEvent?_security=HTEST", "AuditEvent?_security:not=HTEST", "AuditEvent?type=110110&outcome=0", "AuditEvent?type=110110,110112&outcome:not=0",
	"Observation?code=2339-0", "Observation?code=http://loinc.org|2339-0", "Observation?code=urn:local|GLU", "Observation?code=|8867-4",
	"Observation?code:text=glucose", "Observation?code:text=blood", "Observation?code:text=free", "Observation?code:text=heart",
	"Observation?code:not=http://loinc.org|2339-0", "Observation?status=final,amended", "Observation?identifier=OBS-1",
	"Observation?value-concept=http://snomed.info/sct|260385009", "Observation?value-concept:text=negative", "Observation?component-code=8480-6",
	"Patient?identifier=MRN-4", "Patient?identifier=urn:mrn|MRN-4", "Patient?identifier:text=medical", "Patient?identifier:not=urn:mrn|MRN-4",
	"Patient?gender=male", "Patient?gender:not=male", "Patient?gender:missing=true", "Patient?active=true", "Patient?active:not=true",
	"Patient?active:missing=true", "Patient?telecom=555", "Patient?phone=%2B49 30 1234", "Patient?phone=%2B49%2030%201234", "Patient?email=hans@example.org", "Patient?email:missing=false",
	"Encounter?class=AMB", "Encounter?class=http://hl7.org/fhir/v3/ActCode|AMB", "Encounter?class=|AMB", "Encounter?status:not=finished",
	"Immunization?notgiven=true", "Immunization?notgiven=false", "Immunization?vaccine-code:text=unknown",
	// string
	"Patient?name=mul", "Patient?name=Mül", "Patient?name=MUELLER", "Patient?name=hans", "Patient?name=hans mueller", "Patient?name=Zoe",
	"Patient?name=emil", "Patient?name:exact=Müller", "Patient?name:exact=müller", "Patient?name:exact=Muller", "Patient?name:contains=ller",
	"Patient?name:contains=LÜD", "Patient?name:contains=ue", "Patient?name:missing=true", "Patient?name:missing=false", "Patient?family=Mu",
	"Patient?family=Mu&given=anna", "Patient?family=mu&given=hans,anna", "Patient?given=pet", "Patient?given:exact=Peter",
	"Patient?address=haupt", "Patient?address-city=Ber", "Patient?address-city=bern", "Patient?address-city:exact=Bern", "Patient?address-postalcode=101",
	"AuditEvent?agent-name=alice", "AuditEvent?agent-name=jose", "AuditEvent?agent-name=josé ñ", "AuditEvent?agent-name:contains=nand",
	"AuditEvent?agent-name:exact=Alice Émile", "AuditEvent?agent-name:exact=Alice Emile", "AuditEvent?entity-name=patient record",
	"AuditEvent?entity-name:contains=unic", "AuditEvent?entity-name:contains=record&entity-name=patient", "AuditEvent?address=10.0.0.",
	"AuditEvent?address=10.0.0.2", "AuditEvent?address:missing=true", "Observation?value-string=positive", "Observation?value-string:contains=arger",
	"Immunization?lot-number=lot", "Immunization?lot-number:exact=LOT-1",
	// uri
	"AuditEvent?policy=http://policy.example/a", "AuditEvent?policy=urn:policy:b", "AuditEvent?policy=http://policy.example/",
	"AuditEvent?policy:missing=true", "AuditEvent?policy=http://policy.example/a,http://policy.example/a/b",
	"AuditEvent?_profile=http://example.org/StructureDefinition/audit", "AuditEvent?_profile:missing=false",
	// date
	"AuditEvent?date=2023-05-01", "AuditEvent?date=2023-05", "AuditEvent?date=2023", "AuditEvent?date=2023-05-01T10:00:00Z",
	"AuditEvent?date=2023-05-01T10:00", "AuditEvent?date=2023-05-02T06:30:00Z", "AuditEvent?date=2023-05-02", "AuditEvent?date=2023-05-02T08:30:00%2B02:00", "AuditEvent?date=ge2023-05-02T08:30:00%2B02:00",
	"AuditEvent?date=gt2023-05-01", "AuditEvent?date=ge2023-05-01", "AuditEvent?date=lt2023-05-01", "AuditEvent?date=le2023-05-01",
	"AuditEvent?date=ne2023-05-01", "AuditEvent?date=sa2023-05-01", "AuditEvent?date=eb2023-05-01", "AuditEvent?date=ap2023-05-01",
	"AuditEvent?date=ap2023-06", "AuditEvent?date=ap2022-12-31T23:59:59Z", "AuditEvent?date=ge2023-01-01&date=lt2024", "AuditEvent?date=lt2023,gt2024",
	"AuditEvent?date=2023-06-15T12:00:00.123Z", "AuditEvent?date=2023-06-15T12:00:00.12Z", "AuditEvent?date=2023-06-15T12:00:00Z",
	"AuditEvent?date=2024-02-29", "AuditEvent?date:missing=true", "AuditEvent?date=le2023-05-01T10:00:00-05:00",
	"Observation?date=2023-01", "Observation?date=2023-01-15", "Observation?date=2023", "Observation?date=gt2023-01-15", "Observation?date=ge2023-01-15",
	"Observation?date=lt2023-01-15", "Observation?date=le2023-01-15", "Observation?date=sa2023-01-01", "Observation?date=eb2023-01-01",
	"Observation?date=ne2023-01", "Observation?date=ap2023-01-15", "Observation?date=2023-01-01", "Observation?date=2022", "Observation?date=lt2022",
	"Observation?date=gt2030", "Observation?date=ge2023-03-01T10:00:00Z", "Observation?date=2021-05", "Observation?date:missing=true",
	"Observation?date=2023-01-15T07:00:00.250Z", "Observation?date=2023-01-15T07:00:00Z",
	"Encounter?date=2023-01-01", "Encounter?date=2023-01-01T11:00:00Z", "Encounter?date=gt2023-01-01", "Encounter?date=ge2023-01-01",
	"Encounter?date=lt2023-01-01", "Encounter?date=le2023-01-01", "Encounter?date=sa2022-12-31", "Encounter?date=eb2023-01-02",
	"Encounter?date=ne2023-01-01", "Encounter?date=ap2023-01-01", "Encounter?date=2023", "Encounter?date=2022-12-31", "Encounter?date:missing=true",
	"Encounter?date=gt2099", "Encounter?date=lt1900",
	"Patient?birthdate=1970", "Patient?birthdate=1970-06", "Patient?birthdate=1970-06-15", "Patient?birthdate=ge1970-06",
	"Patient?birthdate=gt1970-06", "Patient?birthdate=lt1970-06-15", "Patient?birthdate=le1970-06-15", "Patient?birthdate=ne1970",
	"Patient?birthdate=sa1969", "Patient?birthdate=eb1970-06-15", "Patient?birthdate=ap1970-06-15", "Patient?birthdate=ap1960",
	"Patient?birthdate:missing=true", "Patient?death-date=2020", "Patient?death-date:missing=false", "Immunization?date=2021-03",
	"Immunization?date=lt2021-03-01", "Immunization?date=ge2021-03-01",
	// number
	"Encounter?length=120", "Encounter?length=120.0", "Encounter?length=1.2e2", "Encounter?length=1e2", "Encounter?length=45.5", "Encounter?length=45",
	"Encounter?length=46", "Encounter?length=gt100", "Encounter?length=ge100", "Encounter?length=lt100", "Encounter?length=le100",
	"Encounter?length=ne100", "Encounter?length=sa100", "Encounter?length=eb120", "Encounter?length=ap110", "Encounter?length=ap130",
	"Encounter?length=ap1300", "Encounter?length:missing=true", "Encounter?length=gt50&length=lt200", "Encounter?length=45.5,1440",
	"Encounter?length=1.44e3", "Encounter?length=100.4", "Encounter?length=99.5", "Encounter?length=0.5e3",
	"Immunization?dose-sequence=2", "Immunization?dose-sequence=gt1", "Immunization?dose-sequence=lt2", "Immunization?dose-sequence:missing=true",
	"Immunization?dose-sequence=ne1",
	// quantity
	"Observation?value-quantity=100", "Observation?value-quantity=100.0", "Observation?value-quantity=1e2", "Observation?value-quantity=99.6",
	"Observation?value-quantity=100||mg/dL", "Observation?value-quantity=100|http://unitsofmeasure.org|mg/dL", "Observation?value-quantity=100|urn:x|mg/dL",
	"Observation?value-quantity=100|http://unitsofmeasure.org|", "Observation?value-quantity=5.4||mmol/L", "Observation?value-quantity=5||mmol/L",
	"Observation?value-quantity=gt99.6", "Observation?value-quantity=ge99.6", "Observation?value-quantity=lt100", "Observation?value-quantity=le100",
	"Observation?value-quantity=ne100", "Observation?value-quantity=sa100", "Observation?value-quantity=eb100", "Observation?value-quantity=ap100",
	"Observation?value-quantity=ap95||mg/dL", "Observation?value-quantity=0", "Observation?value-quantity=ne0", "Observation?value-quantity=1000",
	"Observation?value-quantity=1e3", "Observation?value-quantity=gt1e2", "Observation?value-quantity:missing=true",
	"Observation?component-value-quantity=-80.25", "Observation?component-value-quantity=lt0", "Observation?component-value-quantity=120||mm[Hg]",
	"Observation?component-value-quantity=ap-80", "Observation?combo-value-quantity=120",
	// reference
	"Observation?subject=Patient/4", "Observation?subject=4", "Observation?subject:Patient=4", "Observation?subject:Patient=g1",
	"Observation?subject=Group/g1", "Observation?subject=g1", "Observation?subject=http://example.org/fhir/Patient/4", "Observation?patient=4",
	"Observation?patient=Patient/5,Patient/6", "Observation?subject:missing=true", "Observation?performer=Practitioner/p1",
	"Observation?performer=http://example.org/fhir/Practitioner/p1", "Observation?performer=http://other.org/fhir/Practitioner/x",
	"Observation?performer=x", "Observation?performer:Practitioner=x", "Observation?performer:missing=true",
	"AuditEvent?agent=Practitioner/p1", "AuditEvent?agent=p1", "AuditEvent?agent:Practitioner=p1", "AuditEvent?agent:Patient=4",
	"AuditEvent?agent=Patient/4,Device/d1", "AuditEvent?agent:missing=true", "AuditEvent?entity=Patient/4", "AuditEvent?entity=4",
	"AuditEvent?entity=Patient/5", "AuditEvent?entity=http://example.org/fhir/Patient/5", "AuditEvent?entity=http://other.org/fhir/Patient/9",
	"AuditEvent?entity=9", "AuditEvent?entity:Patient=9", "AuditEvent?entity=Patient/4/_history/2", "AuditEvent?entity:Observation=o1",
	"AuditEvent?entity:missing=true", "AuditEvent?entity=Encounter/e1&entity=Patient/4", "AuditEvent?patient=4", "AuditEvent?patient=Patient/5",
	"AuditEvent?patient:missing=true", "AuditEvent?patient=http://example.org/fhir/Patient/4",
	"Patient?general-practitioner=Practitioner/p1", "Patient?general-practitioner=org1", "Patient?general-practitioner:Organization=org1",
	"Patient?organization=org1", "Patient?link=5", "Patient?link:missing=false", "Encounter?patient=4", "Encounter?subject=4", "Encounter?subject:Patient=g1",
	"Encounter?patient:missing=true", "Immunization?patient=Patient/4,Patient/6",
	// mixed
	"AuditEvent?agent=Practitioner/p1&type=110110&date=ge2023&outcome:not=4", "AuditEvent?user=alice&_lastUpdated=gt2000",
	"Observation?subject=Patient/4&code=2339-0&value-quantity=gt50", "Observation?code:not=2339-0&status=final",
	"Patient?name=mu&birthdate=1970&gender:missing=false",
}

// generatedQueries derives searches from the index rows themselves: for
// every row, its value in each form and under each prefix and modifier.
func generatedQueries(entries map[string]map[string][]search.IndexEntry) []string {
	seen := map[string]bool{}
	var out []string
	add := func(typ, param, value string) {
		q := typ + "?" + url.Values{param: {value}}.Encode()
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	prefixes := []string{"", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"}
	types := make([]string, 0, len(entries))
	for typ := range entries {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		ids := make([]string, 0, len(entries[typ]))
		for id := range entries[typ] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			for _, e := range entries[typ][id] {
				p := e.Param
				add(typ, p+":missing", "true")
				switch e.Kind {
				case search.KindToken:
					code := esc(e.Code)
					add(typ, p, code)
					add(typ, p, esc(e.System)+"|"+code)
					add(typ, p+":not", esc(e.System)+"|"+code)
					if e.System == "" {
						add(typ, p, "|"+code)
					} else {
						add(typ, p, esc(e.System)+"|")
					}
					if len(e.Text) > 3 {
						add(typ, p+":text", esc(strings.ToUpper(e.Text[1:4])))
					}
				case search.KindString:
					add(typ, p, esc(e.Exact))
					add(typ, p+":exact", esc(e.Exact))
					if r := []rune(e.Exact); len(r) > 3 {
						add(typ, p, esc(string(r[:3])))
						add(typ, p+":contains", esc(string(r[1:4])))
					}
				case search.KindURI:
					add(typ, p, esc(e.Value))
				case search.KindReference:
					if e.RefID != "" {
						add(typ, p, e.RefID)
						add(typ, p, e.RefType+"/"+e.RefID)
						if search.KnownType(e.RefType) {
							add(typ, p+":"+e.RefType, e.RefID)
						}
						add(typ, p, matchBase+"/"+e.RefType+"/"+e.RefID)
					} else if strings.Contains(e.URL, "://") {
						add(typ, p, e.URL)
					}
				case search.KindDate:
					for _, b := range []time.Time{e.Low, e.High.Add(-time.Millisecond)} {
						if b.Year() < 1900 || b.Year() > 2100 {
							continue
						}
						for _, layout := range []string{"2006", "2006-01", "2006-01-02", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000000000Z07:00"} {
							for _, pre := range prefixes {
								add(typ, p, pre+b.UTC().Format(layout))
							}
						}
					}
				case search.KindNumber, search.KindQuantity:
					n := e.Number
					for _, v := range []string{strconv.FormatFloat(n, 'f', -1, 64), strconv.FormatFloat(n, 'f', 1, 64),
						strconv.FormatFloat(n, 'e', 0, 64), strconv.FormatFloat(n+1, 'f', 0, 64)} {
						for _, pre := range prefixes {
							add(typ, p, pre+v)
						}
						if e.Kind == search.KindQuantity && e.Code != "" {
							add(typ, p, v+"||"+esc(e.Code))
							add(typ, p, v+"|"+esc(e.System)+"|"+esc(e.Code))
						}
					}
				}
			}
		}
	}
	return out
}

// esc escapes a search value's separators.
func esc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`, `|`, `\|`, `$`, `\$`).Replace(s)
}
