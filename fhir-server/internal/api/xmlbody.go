package api

import (
	"github.com/smartgate/fhir-server/internal/fhirxml"
)

// fromXML turns a FHIR XML request body into the JSON the JSON path
// parses, so that what is validated and stored is the same whichever
// form a client sends; any other body passes as it is. For a Binary
// only the FHIR XML names count: application/xml is raw content.
func fromXML(body []byte, contentType, typ string) ([]byte, string, error) {
	if bodyType(contentType) != "xml" || (typ == "Binary" && !isFHIRXMLName(mediaType(contentType))) {
		return body, contentType, nil
	}
	m, err := fhirxml.Decode(body)
	if err != nil {
		return nil, "", err
	}
	b, err := encode(m)
	if err != nil {
		return nil, "", err
	}
	return b, mimeFHIR, nil
}
