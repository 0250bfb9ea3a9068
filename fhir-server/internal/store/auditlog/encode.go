package auditlog

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
)

// appendResource appends the JSON of e's AuditEvent with id and meta: the
// bytes json.Marshal writes for Resource(source) with "id" and "meta" set
// (keys in sorted order, the same escaping), without building maps or
// reflecting. TestAppendResource holds the two to the same bytes.
func (e Event) appendResource(b []byte, source, id, versionID, lastUpdated string) []byte {
	b = append(b, `{"action":`...)
	b = appendString(b, action(e.Interaction))
	b = append(b, `,"agent":[`...)
	b = e.appendAgents(b)
	b = append(b, ']')
	if len(e.Entities) > 0 || e.RequestID != "" || len(e.Patients) > 0 {
		b = append(b, `,"entity":[`...)
		b = e.appendEntities(b)
		b = append(b, ']')
	}
	b = append(b, `,"id":`...)
	b = appendString(b, id)
	b = append(b, `,"meta":{"lastUpdated":`...)
	b = appendString(b, lastUpdated)
	b = append(b, `,"versionId":`...)
	b = appendString(b, versionID)
	b = append(b, `},"outcome":`...)
	b = appendString(b, outcomeCode(e.Status))
	b = append(b, `,"outcomeDesc":`...)
	b = appendString(b, "HTTP "+strconv.Itoa(e.Status)+" "+http.StatusText(e.Status))
	b = append(b, `,"recorded":`...)
	b = appendString(b, e.Recorded.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	b = append(b, `,"resourceType":"AuditEvent","source":{"identifier":{"value":`...)
	b = appendString(b, source)
	b = append(b, `},"site":"smartgate fhir-server","type":[`...)
	b = appendCoding(b, systemSourceType, "3", "Web Server")
	b = append(b, `]},"subtype":[{"code":`...)
	b = appendString(b, e.Interaction)
	b = append(b, `,"system":`...)
	b = appendString(b, systemInteraction)
	b = append(b, `}],"type":`...)
	b = appendCoding(b, systemEventType, "rest", "RESTful Operation")
	return append(b, '}')
}

// appendAgents writes agents() in json.Marshal's form.
func (e Event) appendAgents(b []byte) []byte {
	user := e.FHIRUser != "" || e.Subject != "" && e.Subject != e.ClientID
	b = append(b, '{')
	if e.ClientID != "" {
		b = append(b, `"altId":`...)
		b = appendString(b, e.ClientID)
		b = append(b, ',')
	}
	b = append(b, `"name":`...)
	if e.ClientID != "" {
		b = appendString(b, e.ClientID)
	} else {
		b = appendString(b, "unauthenticated client")
	}
	if e.Address != "" {
		b = append(b, `,"network":{"address":`...)
		b = appendString(b, e.Address)
		b = append(b, `,"type":"2"}`...)
	}
	b = append(b, `,"requestor":`...)
	b = strconv.AppendBool(b, !user)
	b = append(b, `,"role":[{"coding":[`...)
	b = appendCoding(b, systemDICOM, "110150", "Application")
	b = append(b, `]}]`...)
	if e.ClientID != "" {
		b = append(b, `,"userId":`...)
		b = appendIdentifier(b, e.Issuer, e.ClientID)
	}
	b = append(b, '}')
	if user {
		b = append(b, ',', '{')
		if e.FHIRUser != "" {
			b = append(b, `"reference":{"reference":`...)
			b = appendString(b, e.FHIRUser)
			b = append(b, `},`...)
		}
		b = append(b, `"requestor":true,"role":[{"coding":[`...)
		b = appendCoding(b, systemRoleType, "humanuser", "human user")
		b = append(b, `]}]`...)
		if e.Subject != "" {
			b = append(b, `,"userId":`...)
			b = appendIdentifier(b, e.Issuer, e.Subject)
		}
		b = append(b, '}')
	}
	return b
}

// appendEntities writes entities() in json.Marshal's form.
func (e Event) appendEntities(b []byte) []byte {
	n := 0
	sep := func() {
		if n > 0 {
			b = append(b, ',')
		}
		n++
	}
	for _, x := range e.Entities {
		sep()
		b = append(b, `{"description":`...)
		b = appendString(b, x.Interaction)
		if x.Version != "" || x.Counted {
			b = append(b, `,"detail":[`...)
			if x.Version != "" {
				b = appendDetail(b, detailVersion, x.Version)
			}
			if x.Counted {
				if x.Version != "" {
					b = append(b, ',')
				}
				b = appendDetail(b, detailCount, strconv.Itoa(x.Count))
			}
			b = append(b, ']')
		}
		if x.Type != "" && x.ID == "" {
			b = append(b, `,"name":`...)
			b = appendString(b, x.Type)
		}
		if x.Query != "" {
			b = append(b, `,"query":"`...)
			b = base64.StdEncoding.AppendEncode(b, []byte(x.Query))
			b = append(b, '"')
		}
		if x.Type != "" && x.ID != "" {
			b = append(b, `,"reference":{"reference":`...)
			b = appendString(b, x.Type+"/"+x.ID)
			b = append(b, '}')
		}
		b = append(b, `,"type":`...)
		b = appendCoding(b, systemEntityType, "2", "System Object")
		b = append(b, '}')
	}
	if e.RequestID != "" {
		sep()
		b = append(b, `{"identifier":{"value":`...)
		b = appendString(b, e.RequestID)
		b = append(b, `},"type":`...)
		b = appendCoding(b, systemBALPEntity, codeRequestID, displayRequestID)
		b = append(b, '}')
	}
	for _, p := range e.Patients {
		sep()
		b = append(b, `{"reference":{"reference":`...)
		b = appendString(b, "Patient/"+p)
		b = append(b, `},"role":`...)
		b = appendCoding(b, systemObjectRole, "1", "Patient")
		b = append(b, `,"type":`...)
		b = appendCoding(b, systemEntityType, "1", "Person")
		b = append(b, '}')
	}
	return b
}

// appendDetail writes {"type","value"} with value in base64.
func appendDetail(b []byte, typ, value string) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"value":"`...)
	b = base64.StdEncoding.AppendEncode(b, []byte(value))
	return append(b, `"}`...)
}

// appendCoding writes {"code","display","system"}.
func appendCoding(b []byte, system, code, display string) []byte {
	b = append(b, `{"code":`...)
	b = appendString(b, code)
	b = append(b, `,"display":`...)
	b = appendString(b, display)
	b = append(b, `,"system":`...)
	b = appendString(b, system)
	return append(b, '}')
}

// appendIdentifier writes identifier(system, value).
func appendIdentifier(b []byte, system, value string) []byte {
	b = append(b, '{')
	if system != "" {
		b = append(b, `"system":`...)
		b = appendString(b, system)
		b = append(b, ',')
	}
	b = append(b, `"value":`...)
	b = appendString(b, value)
	return append(b, '}')
}

// appendString writes s as json.Marshal does: plain printable ASCII
// directly, anything else (quotes, controls, HTML characters, non-ASCII)
// through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
