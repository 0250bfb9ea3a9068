package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Grant is one grant type of the token endpoint. Before Issue runs, the
// endpoint has restricted the parameters, authenticated the client and
// checked that the client is registered for the grant type; Issue checks
// the rest of the request and issues the tokens.
type Grant interface {
	Type() string
	Issue(ctx context.Context, r *http.Request, c *store.Client) (Issued, error)
}

// Issued is a successful token response (RFC 6749 section 5.1, with
// SMART's launch context).
type Issued struct {
	AccessToken  string
	ExpiresIn    time.Duration
	Scope        string
	RefreshToken string
	IDToken      string
	// Patient is the patient in context; NeedPatientBanner is sent with
	// it. Encounter, FHIRContext and Intent come from an EHR launch.
	Patient           string
	Encounter         string
	FHIRContext       []store.FHIRContext
	Intent            string
	NeedPatientBanner bool
	SmartStyleURL     string
}

// withLaunch adds a launch context to the response; the launch's own
// need_patient_banner wins over the server's default.
func (is *Issued) withLaunch(l *store.LaunchContext) {
	if l == nil {
		return
	}
	is.Patient, is.Encounter, is.FHIRContext, is.Intent = l.Patient, l.Encounter, l.FHIRContext, l.Intent
	if l.NeedPatientBanner != nil {
		is.NeedPatientBanner = *l.NeedPatientBanner
	}
}

// writeIssued renders a token response, the only place that does.
func writeIssued(w http.ResponseWriter, is Issued) {
	body := map[string]any{
		"access_token": is.AccessToken, "token_type": "Bearer", "expires_in": int64(is.ExpiresIn / time.Second),
	}
	optional := map[string]string{
		"scope": is.Scope, "refresh_token": is.RefreshToken, "id_token": is.IDToken,
		"patient": is.Patient, "encounter": is.Encounter, "intent": is.Intent, "smart_style_url": is.SmartStyleURL,
	}
	for k, v := range optional {
		if v != "" {
			body[k] = v
		}
	}
	if is.Patient != "" {
		body["need_patient_banner"] = is.NeedPatientBanner
	}
	if len(is.FHIRContext) > 0 {
		body["fhirContext"] = is.FHIRContext
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(body)
}
