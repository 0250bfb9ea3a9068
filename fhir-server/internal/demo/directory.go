package demo

import (
	"encoding/json"
	"strconv"
)

// practice is a GP surgery: its organisation, site and two GPs.
type practice struct {
	ods, name, street, city, postcode string
	gps                               [2][3]string // SDS user id, family, given
}

var practices = []practice{
	{"A99901", "Riverside Medical Practice", "1 Mill Lane", "Leeds", "LS1 9ZZ",
		[2][3]string{{"G9900011", "Bhatia", "Anand"}, {"G9900012", "Okafor", "Chioma"}}},
	{"A99902", "Castle Street Surgery", "14 Castle Street", "Nottingham", "NG1 9ZZ",
		[2][3]string{{"G9900021", "Hughes", "Gareth"}, {"G9900022", "Patel", "Priya"}}},
	{"A99903", "Meadowbank Health Centre", "2 Meadow Road", "Sheffield", "S1 9ZZ",
		[2][3]string{{"G9900031", "MacLeod", "Fiona"}, {"G9900032", "Nowak", "Tomasz"}}},
	{"A99904", "Harbourside Family Practice", "7 Quay Street", "Bristol", "BS1 9ZZ",
		[2][3]string{{"G9900041", "Evans", "Rhiannon"}, {"G9900042", "Mensah", "Kwame"}}},
}

// hospital is the acute trust whose discharge summaries patients receive.
var hospital = struct{ ods, name, ward string }{"R9X", "Northern General NHS Trust (demo)", "Ward 12, Northern General"}

func orgID(i int) string  { return "org-" + strconv.Itoa(i+1) }
func locID(i int) string  { return "loc-" + strconv.Itoa(i+1) }
func medID(i int) string  { return "med-" + strconv.Itoa(i+1) }
func pracID(i int) string { return "prac-" + strconv.Itoa(i+1) }

// hospitalIndex is the organisation and location index of the hospital,
// after the practices.
var hospitalIndex = len(practices)

// directory returns the shared resources: organisations, practitioners,
// locations and medications, each referencing only those before it.
func directory() []json.RawMessage {
	var out []json.RawMessage
	for i, p := range practices {
		org := resource("Organization", orgID(i), "Organization")
		org["identifier"] = []any{identifier(ODSSystem, p.ods)}
		org["active"] = true
		org["type"] = []any{object{"coding": []any{object{"system": "http://hl7.org/fhir/organization-type", "code": "prov", "display": "Healthcare Provider"}}}}
		org["name"] = p.name
		org["telecom"] = []any{object{"system": "phone", "value": "0113 496 " + strconv.Itoa(1000+i), "use": "work"}}
		org["address"] = []any{object{"use": "work", "line": []any{p.street}, "city": p.city, "postalCode": p.postcode, "country": "GB"}}
		out = append(out, encode(org))
	}
	trust := resource("Organization", orgID(hospitalIndex), "Organization")
	trust["identifier"] = []any{identifier(ODSSystem, hospital.ods)}
	trust["active"] = true
	trust["name"] = hospital.name
	out = append(out, encode(trust))

	for i, p := range practices {
		for j, gp := range p.gps {
			pr := resource("Practitioner", pracID(2*i+j), "Practitioner")
			pr["identifier"] = []any{identifier(SDSSystem, gp[0])}
			pr["active"] = true
			pr["name"] = []any{object{"use": "usual", "family": gp[1], "given": []any{gp[2]}, "prefix": []any{"Dr"}}}
			pr["address"] = []any{object{"use": "work", "line": []any{p.street}, "city": p.city, "postalCode": p.postcode}}
			out = append(out, encode(pr))
		}
	}

	for i, p := range practices {
		loc := resource("Location", locID(i), "Location")
		loc["status"] = "active"
		loc["name"] = p.name
		loc["mode"] = "instance"
		loc["address"] = object{"line": []any{p.street}, "city": p.city, "postalCode": p.postcode}
		loc["managingOrganization"] = reference("Organization", orgID(i), p.name)
		out = append(out, encode(loc))
	}
	ward := resource("Location", locID(hospitalIndex), "Location")
	ward["status"] = "active"
	ward["name"] = hospital.ward
	ward["managingOrganization"] = reference("Organization", orgID(hospitalIndex), hospital.name)
	out = append(out, encode(ward))

	for i, m := range medications {
		med := resource("Medication", medID(i), "Medication")
		med["code"] = codeable(snomed, m.concept)
		med["isBrand"] = false
		out = append(out, encode(med))
	}
	return out
}
