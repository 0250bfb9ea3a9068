package api

import (
	"errors"
	"net/http"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/validate"
)

// validate checks a resource against the STU3 schema: a violation is 422
// with one issue per problem, located by FHIRPath.
func (h *Handler) validate(m map[string]any) error {
	if h.valid == nil {
		return nil
	}
	err := h.valid.Validate(m)
	if err == nil {
		return nil
	}
	var ve *validate.Error
	if !errors.As(err, &ve) {
		return err
	}
	e := &fhirerr.Error{Status: http.StatusUnprocessableEntity}
	for _, i := range ve.Issues {
		issue := fhirerr.Issue{Severity: "error", Code: i.Code, Diagnostics: i.Message}
		if i.Location != "" {
			issue.Expression = []string{i.Location}
			issue.Diagnostics = i.Location + ": " + i.Message
		}
		e.Issues = append(e.Issues, issue)
	}
	if len(e.Issues) == 0 {
		e.Issues = []fhirerr.Issue{{Severity: "error", Code: "invalid", Diagnostics: ve.Error()}}
	}
	return e
}
