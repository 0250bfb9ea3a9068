package api

import (
	"bytes"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/fhirxml"
)

// xmlResponse serves a request that asked for XML: handlers answer FHIR
// JSON as always, and what they write with a FHIR JSON Content-Type
// (resources, Bundles, OperationOutcomes, the CapabilityStatement)
// leaves as XML; anything else (a Binary's raw content, the SMART
// configuration's plain JSON) passes as it is.
// Converting here, once, is what lets every interaction and every error
// answer in XML.
type xmlResponse struct {
	w       http.ResponseWriter
	log     *slog.Logger
	code    int
	convert bool
	body    bytes.Buffer
}

func (x *xmlResponse) Header() http.Header { return x.w.Header() }

func (x *xmlResponse) WriteHeader(code int) {
	if x.code != 0 {
		return
	}
	x.code = code
	mt, _, _ := mime.ParseMediaType(x.w.Header().Get("Content-Type"))
	// Only the FHIR media types: the SMART configuration is plain JSON.
	if x.convert = strings.EqualFold(mt, mimeFHIR) || strings.EqualFold(mt, mimeFHIRLegacy); !x.convert {
		x.w.WriteHeader(code)
	}
}

func (x *xmlResponse) Write(b []byte) (int, error) {
	if x.code == 0 {
		x.WriteHeader(http.StatusOK)
	}
	if !x.convert {
		return x.w.Write(b)
	}
	return x.body.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (x *xmlResponse) Unwrap() http.ResponseWriter { return x.w }

// finish sends the converted answer.
func (x *xmlResponse) finish() {
	if !x.convert {
		return
	}
	h := x.w.Header()
	h.Set("Content-Type", xmlContentType)
	h.Del("Content-Length")
	if x.body.Len() == 0 { // HEAD, or an answer without a body
		x.w.WriteHeader(x.code)
		return
	}
	out, err := fhirxml.Encode(x.body.Bytes())
	if err != nil {
		// A stored resource the codec cannot place: the server's fault.
		x.log.Error("rendering a response as XML", "err", err)
		x.code = http.StatusInternalServerError
		out, _ = fhirxml.Encode(fhirerr.Marshal([]fhirerr.Issue{{Severity: "error", Code: "exception", Diagnostics: "the response could not be rendered as XML"}}))
		h.Del("ETag")
		h.Del("Last-Modified")
		h.Del("Location")
		h.Del("Content-Location")
	}
	x.w.WriteHeader(x.code)
	_, _ = x.w.Write(out)
}

// WriteError answers e as an OperationOutcome in the format r asks for:
// the refusals of the layers in front of the API (admission) reach a
// client that asked for XML as the API's own do.
func WriteError(w http.ResponseWriter, r *http.Request, e *fhirerr.Error) {
	if _, asXML, _ := negotiate(r); !asXML {
		fhirerr.Write(w, e)
		return
	}
	x := &xmlResponse{w: w, log: slog.New(slog.DiscardHandler)} // an OperationOutcome always renders
	fhirerr.Write(x, e)
	x.finish()
}
