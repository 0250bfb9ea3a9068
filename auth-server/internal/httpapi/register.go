package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// RegisterPath is the RFC 7591 registration endpoint; each client's RFC
// 7592 registration_client_uri is RegisterPath/{client_id}.
const RegisterPath = "/register"

// registrationAPI serves dynamic client registration.
type registrationAPI struct {
	svc    *registration.Service
	issuer string
	log    *slog.Logger
}

// RegistrationRoutes adds POST /register and GET|PUT|DELETE
// /register/:client_id to r. issuer is the configured base of the
// registration_client_uri.
func RegistrationRoutes(r gin.IRouter, svc *registration.Service, issuer string, log *slog.Logger) {
	ra := &registrationAPI{svc: svc, issuer: strings.TrimRight(issuer, "/"), log: log}
	r.POST(RegisterPath, ra.register)
	r.GET(RegisterPath+"/:client_id", ra.read)
	r.PUT(RegisterPath+"/:client_id", ra.replace)
	r.DELETE(RegisterPath+"/:client_id", ra.remove)
}

// register is POST /register (RFC 7591 section 3).
func (ra *registrationAPI) register(c *gin.Context) {
	ctx := c.Request.Context()
	allow, err := ra.svc.Authorize(ctx, c.GetHeader("Authorization"))
	if err != nil {
		ra.fail(c, err)
		return
	}
	m, err := readMetadata(c.Request)
	if err != nil {
		ra.fail(c, err)
		return
	}
	reg, err := ra.svc.Register(ctx, m, allow)
	if err != nil {
		ra.fail(c, err)
		return
	}
	ra.respond(c, http.StatusCreated, reg.Client, reg.Secret, reg.RegistrationToken)
}

// read is GET /register/:client_id (RFC 7592 section 2.1).
func (ra *registrationAPI) read(c *gin.Context) {
	cl, ok := ra.managed(c)
	if !ok {
		return
	}
	ra.respond(c, http.StatusOK, cl, "", "")
}

// replace is PUT /register/:client_id (RFC 7592 section 2.2): a full
// replacement, validated like a registration.
func (ra *registrationAPI) replace(c *gin.Context) {
	cl, ok := ra.managed(c)
	if !ok {
		return
	}
	m, err := readMetadata(c.Request)
	if err != nil {
		ra.fail(c, err)
		return
	}
	reg, err := ra.svc.Replace(c.Request.Context(), cl, m, ra.svc.AllowanceFor(cl))
	if err != nil {
		ra.fail(c, err)
		return
	}
	ra.respond(c, http.StatusOK, reg.Client, reg.Secret, "")
}

// remove is DELETE /register/:client_id (RFC 7592 section 2.3).
func (ra *registrationAPI) remove(c *gin.Context) {
	cl, ok := ra.managed(c)
	if !ok {
		return
	}
	if err := ra.svc.Delete(c.Request.Context(), cl); err != nil {
		ra.fail(c, err)
		return
	}
	noStore(c)
	c.Status(http.StatusNoContent)
}

// managed authenticates the registration access token for the client in
// the path.
func (ra *registrationAPI) managed(c *gin.Context) (*store.Client, bool) {
	token, ok := registration.BearerToken(c.GetHeader("Authorization"))
	if !ok {
		ra.fail(c, registration.ErrInvalidToken.WithDescription("the registration access token is required (Authorization: Bearer)"))
		return nil, false
	}
	cl, err := ra.svc.Managed(c.Request.Context(), c.Param("client_id"), token)
	if err != nil {
		ra.fail(c, err)
		return nil, false
	}
	return cl, true
}

func (ra *registrationAPI) respond(c *gin.Context, status int, cl *store.Client, secret, token string) {
	noStore(c)
	c.JSON(status, registration.ResponseOf(cl, secret, token, ra.issuer+RegisterPath+"/"+cl.ID))
}

// fail answers an error value; a 401 carries a Bearer challenge, and
// anything unexpected is logged and answered as server_error.
func (ra *registrationAPI) fail(c *gin.Context, err error) {
	c.Abort()
	e := oauth.Normalize(err)
	if e == oauth.ErrServerError {
		ra.log.ErrorContext(c.Request.Context(), "registration", "err", err)
	}
	if e.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", registration.BearerChallenge())
	}
	oauth.WriteError(c.Writer, e)
}

// readMetadata decodes a JSON object of client metadata.
func readMetadata(r *http.Request) (registration.Metadata, error) {
	var m registration.Metadata
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return m, oauth.ErrBodyTooLarge
	}
	if err != nil {
		return m, oauth.ErrInvalidRequest.WithDescription("unreadable body")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return m, registration.ErrInvalidMetadata.WithDescription("the body must be a JSON object of client metadata")
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, registration.ErrInvalidMetadata.WithDescription("malformed client metadata: " + jsonProblem(err))
	}
	return m, nil
}

// jsonProblem names the member of a type mismatch without echoing input.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field + " has the wrong type"
	}
	return "not valid JSON"
}
