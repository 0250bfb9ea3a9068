package httpapi

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/oauth"
)

// LaunchContextPath is where a trusted EHR creates launch contexts.
const LaunchContextPath = "/launch-context"

// launchContext is POST /launch-context: a confidential client listed in
// launch_context_clients creates an EHR launch for an app (JSON body,
// launch.Request) and gets {"launch": "<id>", "expires_in": <seconds>}
// to hand the app as ?launch=. Every other client gets 403.
func (a *api) launchContext(c *gin.Context) {
	ehr, _ := clientauth.FromContext(c.Request.Context())
	if ehr == nil || oauth.IsPublic(ehr) || !a.launcher[ehr.ID] {
		a.abort(c, oauth.ErrAccessDenied.WithDescription("this client may not create launch contexts"))
		return
	}
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "application/json" {
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("the body must be application/json"))
		return
	}
	var req launch.Request
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.abort(c, oauth.ErrBodyTooLarge)
			return
		}
		problem := jsonProblem(err)
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			problem = "unknown member " + field
		}
		a.abort(c, oauth.ErrInvalidRequest.WithDescription("the body is not a launch context: "+problem))
		return
	}
	created, err := a.Launches.Create(c.Request.Context(), ehr.ID, req)
	if err != nil {
		if e := oauth.Normalize(err); e.Status >= 500 {
			a.Log.ErrorContext(c.Request.Context(), "create launch context", "err", err)
		}
		a.abort(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, created)
}
