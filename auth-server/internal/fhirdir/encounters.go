package fhirdir

import (
	"context"
	"net/url"
	"strings"
)

// Encounter is one row of the demo EHR page's encounter list.
type Encounter struct {
	ID      string
	Patient string // the id of the subject Patient ("" when the subject is none)
	Status  string
	Type    string // the first type's text or display
	Start   string // period.start
}

// fhirEncounter is the part of an STU3 Encounter the directory reads.
type fhirEncounter struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
	Subject      struct {
		Reference string `json:"reference"`
	} `json:"subject"`
	Type []struct {
		Text   string `json:"text"`
		Coding []struct {
			Display string `json:"display"`
		} `json:"coding"`
	} `json:"type"`
	Period struct {
		Start string `json:"start"`
	} `json:"period"`
}

func (e fhirEncounter) row() Encounter {
	r := Encounter{ID: e.ID, Status: e.Status, Start: e.Period.Start}
	// Only a relative reference names a patient of this server.
	if id, ok := strings.CutPrefix(e.Subject.Reference, "Patient/"); ok && ValidID(id) {
		r.Patient = id
	}
	if len(e.Type) > 0 {
		r.Type = e.Type[0].Text
		if r.Type == "" && len(e.Type[0].Coding) > 0 {
			r.Type = e.Type[0].Coding[0].Display
		}
	}
	return r
}

// Encounter returns one encounter; ErrNotFound when there is none.
func (d *FHIRDirectory) Encounter(ctx context.Context, id string) (*Encounter, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	var e fhirEncounter
	if err := d.get(ctx, "Encounter", "/Encounter/"+url.PathEscape(id), &e); err != nil {
		return nil, err
	}
	if e.ResourceType != "Encounter" {
		return nil, ErrNotFound
	}
	r := e.row()
	return &r, nil
}

// Encounters returns a patient's encounters, newest first (up to 50).
func (d *FHIRDirectory) Encounters(ctx context.Context, patientID string) ([]Encounter, error) {
	if !ValidID(patientID) {
		return nil, ErrNotFound
	}
	v := url.Values{"patient": {patientID}, "_count": {"50"}, "_sort": {"-date"}}
	var bundle struct {
		Entry []struct {
			Resource fhirEncounter `json:"resource"`
		} `json:"entry"`
	}
	if err := d.get(ctx, "Encounter", "/Encounter?"+v.Encode(), &bundle); err != nil {
		return nil, err
	}
	out := make([]Encounter, 0, len(bundle.Entry))
	for _, e := range bundle.Entry {
		if e.Resource.ResourceType == "Encounter" && e.Resource.ID != "" {
			out = append(out, e.Resource.row())
		}
	}
	return out, nil
}

// ValidID reports a FHIR id (STU3: [A-Za-z0-9\-\.]{1,64}).
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
