package auditlog

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
)

// Event is what is known of one request when its response is written.
type Event struct {
	Interaction string // STU3 restful-interaction code: read, search-type, create, batch ...
	Recorded    time.Time
	Status      int // HTTP status answered
	Address     string
	RequestID   string // X-Request-Id

	// Who: empty when the request was not authenticated.
	Issuer   string
	ClientID string
	Subject  string
	FHIRUser string

	// What: one entity per resource or type the request touched (one per
	// Bundle entry for batches and transactions).
	Entities []Entity
	// Patients are the ids of the patients whose compartments hold what
	// the request touched, and of the patient in the token's context.
	Patients []string
}

// Entity is one resource or type the request reached.
type Entity struct {
	Type        string
	ID          string
	Interaction string
	Query       string // the raw query string of a search, if any
	Version     string // the version a write stored
	Count       int    // resources a search returned, when Counted
	Counted     bool
}

// Code systems of the AuditEvent.
const (
	systemEventType   = "http://hl7.org/fhir/audit-event-type"
	systemInteraction = "http://hl7.org/fhir/restful-interaction"
	systemEntityType  = "http://hl7.org/fhir/audit-entity-type"
	systemObjectRole  = "http://hl7.org/fhir/object-role"
	systemSourceType  = "http://hl7.org/fhir/security-source-type"
	systemDICOM       = "http://dicom.nema.org/resources/ontology/DCM"
	systemRoleType    = "http://hl7.org/fhir/extra-security-role-type"
	// The entity that carries the request id, as IHE's Basic Audit Log
	// Patterns (BALP) record X-Request-Id.
	systemBALPEntity = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
	codeRequestID    = "XrequestId"
	displayRequestID = "X-Request-Id"
)

// Entity.detail types.
const (
	detailVersion = "versionId"
	detailCount   = "count"
)

// action maps an interaction to AuditEvent.action: C, R, U, D, or E for
// batches, transactions and anything else.
func action(interaction string) string {
	switch interaction {
	case "create":
		return "C"
	case "read", "vread", "search-type", "history-instance", "history-type", "history-system":
		return "R"
	case "update":
		return "U"
	case "delete":
		return "D"
	}
	return "E"
}

// outcomeCode maps an HTTP status to AuditEvent.outcome: 0 success, 4 minor
// failure (the client's request was refused), 8 serious failure.
func outcomeCode(status int) string {
	switch {
	case status < 400:
		return "0"
	case status < 500:
		return "4"
	}
	return "8"
}

// Resource renders e as an STU3 AuditEvent (without id and meta, which
// the recorder stamps).
func (e Event) Resource(source string) map[string]any {
	ev := map[string]any{
		"resourceType": "AuditEvent",
		"type":         map[string]any{"system": systemEventType, "code": "rest", "display": "RESTful Operation"},
		"subtype":      []any{map[string]any{"system": systemInteraction, "code": e.Interaction}},
		"action":       action(e.Interaction),
		"recorded":     e.Recorded.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"outcome":      outcomeCode(e.Status),
		"outcomeDesc":  "HTTP " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status),
		"agent":        e.agents(),
		"source": map[string]any{
			"site":       "smartgate fhir-server",
			"identifier": map[string]any{"value": source},
			"type":       []any{map[string]any{"system": systemSourceType, "code": "3", "display": "Web Server"}},
		},
	}
	if ents := e.entities(); len(ents) > 0 {
		ev["entity"] = ents
	}
	return ev
}

// agents: the client application, and the user when one launched.
func (e Event) agents() []any {
	network := map[string]any{"address": e.Address, "type": "2"}
	if e.Address == "" {
		network = nil
	}
	user := e.FHIRUser != "" || e.Subject != "" && e.Subject != e.ClientID
	client := map[string]any{
		"role":      []any{coded(systemDICOM, "110150", "Application")},
		"requestor": !user,
	}
	if e.ClientID != "" {
		client["userId"] = identifier(e.Issuer, e.ClientID)
		client["altId"] = e.ClientID
		client["name"] = e.ClientID
	} else {
		client["name"] = "unauthenticated client"
	}
	if network != nil {
		client["network"] = network
	}
	out := []any{client}
	if user {
		u := map[string]any{
			"role":      []any{coded(systemRoleType, "humanuser", "human user")},
			"requestor": true,
		}
		if e.Subject != "" {
			u["userId"] = identifier(e.Issuer, e.Subject)
		}
		if e.FHIRUser != "" {
			u["reference"] = map[string]any{"reference": e.FHIRUser}
		}
		out = append(out, u)
	}
	return out
}

// entities: each resource or type reached, the request id, then the
// patients whose compartments were touched (role Patient, as IHE BALP
// records them).
func (e Event) entities() []any {
	var out []any
	for _, x := range e.Entities {
		ent := map[string]any{
			"type":        map[string]any{"system": systemEntityType, "code": "2", "display": "System Object"},
			"description": x.Interaction,
		}
		switch {
		case x.Type != "" && x.ID != "":
			ent["reference"] = map[string]any{"reference": x.Type + "/" + x.ID}
		case x.Type != "":
			ent["name"] = x.Type
		}
		if x.Query != "" {
			ent["query"] = base64.StdEncoding.EncodeToString([]byte(x.Query))
		}
		if d := x.details(); len(d) > 0 {
			ent["detail"] = d
		}
		out = append(out, ent)
	}
	if e.RequestID != "" {
		out = append(out, map[string]any{
			"identifier": map[string]any{"value": e.RequestID},
			"type":       map[string]any{"system": systemBALPEntity, "code": codeRequestID, "display": displayRequestID},
		})
	}
	for _, p := range e.Patients {
		out = append(out, map[string]any{
			"reference": map[string]any{"reference": "Patient/" + p},
			"type":      map[string]any{"system": systemEntityType, "code": "1", "display": "Person"},
			"role":      map[string]any{"system": systemObjectRole, "code": "1", "display": "Patient"},
		})
	}
	return out
}

// details: the version a write stored, the count a search returned.
func (x Entity) details() []any {
	var d []any
	if x.Version != "" {
		d = append(d, map[string]any{"type": detailVersion, "value": base64.StdEncoding.EncodeToString([]byte(x.Version))})
	}
	if x.Counted {
		d = append(d, map[string]any{"type": detailCount, "value": base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(x.Count)))})
	}
	return d
}

func coded(system, code, display string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": system, "code": code, "display": display}}}
}

func identifier(system, value string) map[string]any {
	id := map[string]any{"value": value}
	if system != "" {
		id["system"] = system
	}
	return id
}
