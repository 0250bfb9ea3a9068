package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// auditPageSize is how many security events a page shows.
const auditPageSize = 50

// auditPage is GET /admin/audit?before=SEQ: the auth-server's security
// events, newest first, a page at a time.
func (h *Handler) auditPage(c *gin.Context) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	list, err := h.Events.List(c.Request.Context(), before, auditPageSize+1)
	if err != nil {
		h.unavailable(c, "list the security events", err)
		return
	}
	var older int64
	if len(list) > auditPageSize {
		list = list[:auditPageSize]
		older = list[len(list)-1].Seq
	}
	h.render(c, browser(c), http.StatusOK, "audit", "Audit", page{Data: map[string]any{
		"Events": list, "Older": older, "Paged": before > 0}})
}

// fhirAuditPageSize is how many AuditEvents a page shows.
const fhirAuditPageSize = "20"

type fhirAuditView struct {
	Patient, Client, User, Outcome, From, To string
	Rows                                     []AuditRow
	Next                                     string
	Problem                                  string
	Searched                                 bool
}

// fhirAuditPage is GET /admin/audit/fhir: the FHIR server's AuditEvents,
// filtered by patient, client, user, outcome and date, a page at a time
// (page= carries the query of the FHIR server's next link).
func (h *Handler) fhirAuditPage(c *gin.Context) {
	v := fhirAuditView{Patient: c.Query("patient"), Client: c.Query("client"), User: c.Query("user"),
		Outcome: c.Query("outcome"), From: c.Query("from"), To: c.Query("to")}
	q := url.Values{"_count": {fhirAuditPageSize}}
	if next := c.Query("page"); next != "" {
		parsed, err := url.ParseQuery(next)
		if err != nil {
			notFound(c)
			return
		}
		q = parsed
	} else {
		if p := strings.TrimPrefix(strings.TrimSpace(v.Patient), "Patient/"); p != "" {
			q.Set("patient", "Patient/"+p)
		}
		if cl := strings.TrimSpace(v.Client); cl != "" {
			q.Set("altid", cl)
		}
		if name := strings.TrimSpace(v.User); name != "" {
			// Tokens name the user by id (sub); the admin by username.
			u, err := h.Store.GetUserByUsername(c.Request.Context(), name)
			if err != nil {
				v.Problem = "There is no user " + name + "."
				h.render(c, browser(c), http.StatusBadRequest, "fhiraudit", "Audit: FHIR AuditEvents", page{Error: v.Problem, Data: v})
				return
			}
			q.Set("user", u.ID)
		}
		switch v.Outcome {
		case "success":
			q.Set("outcome", "0")
		case "failure":
			q["outcome"] = []string{"4,8,12"}
		}
		if v.From != "" {
			q.Add("date", "ge"+v.From)
		}
		if v.To != "" {
			q.Add("date", "le"+v.To)
		}
	}
	res, err := h.AuditEvents.Search(c.Request.Context(), q)
	var bad badInput
	switch {
	case errors.Is(err, ErrNoAuditClient):
		v.Problem = "No FHIR client is configured for reading AuditEvents: set AUTH_ADMIN_FHIR_CLIENT_ID and AUTH_ADMIN_FHIR_CLIENT_SECRET."
	case errors.As(err, &bad):
		h.render(c, browser(c), http.StatusBadRequest, "fhiraudit", "Audit: FHIR AuditEvents", page{Error: "The FHIR server refused the search: " + string(bad), Data: v})
		return
	case err != nil:
		h.Log.WarnContext(c.Request.Context(), "admin: FHIR AuditEvent search", "err", err)
		v.Problem = "The FHIR server's AuditEvents cannot be read right now."
	default:
		v.Rows, v.Next, v.Searched = res.Rows, res.Next, true
	}
	h.render(c, browser(c), http.StatusOK, "fhiraudit", "Audit: FHIR AuditEvents", page{Data: v})
}
