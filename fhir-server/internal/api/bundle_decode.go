package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// DefaultBundleMaxEntries bounds the entries of one batch or transaction
// when Options.BundleMaxEntries is not set.
const DefaultBundleMaxEntries = 1000

// decodeBundle reads a batch or transaction Bundle from r one entry at a
// time and stops at the first entry beyond maxEntries (413), so what it
// holds is bounded by the cap, whatever the body carries. Elements other
// than resourceType, type and entry are skipped.
func decodeBundle(r io.Reader, maxEntries int) (*bundle, error) {
	src := &readFailure{r: r}
	in, err := decodeBundleFrom(json.NewDecoder(src), maxEntries)
	var answer *fhirerr.Error
	switch {
	case src.err != nil:
		return nil, bodyError(src.err) // too large, too slow, cut off
	case errors.As(err, &answer):
		return nil, answer
	case err != nil:
		return nil, fhirerr.Errorf(http.StatusBadRequest, "structure", "body is not a Bundle: %v", err)
	}
	return in, nil
}

func decodeBundleFrom(dec *json.Decoder, maxEntries int) (*bundle, error) {
	in := &bundle{}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch key, _ := tok.(string); key {
		case "resourceType":
			err = dec.Decode(&in.ResourceType)
		case "type":
			err = dec.Decode(&in.Type)
		case "entry":
			err = decodeEntries(dec, in, maxEntries)
		default:
			var skip json.RawMessage
			if err = dec.Decode(&skip); err == nil {
				err = checkText(skip)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("content after the Bundle")
	}
	return in, nil
}

// decodeEntries appends the entries of the array dec is at to in.Entry
// (several "entry" members add up).
func decodeEntries(dec *json.Decoder, in *bundle, maxEntries int) error {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil // "entry": null
	case tok != json.Delim('['):
		return errors.New("entry is not an array")
	}
	for dec.More() {
		if len(in.Entry) >= maxEntries {
			return fhirerr.Errorf(http.StatusRequestEntityTooLarge, "too-costly",
				"a batch or transaction Bundle may carry at most %d entries; split it into several", maxEntries)
		}
		// Checked as text before it is decoded: encoding/json would turn
		// invalid UTF-8 into U+FFFD silently.
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := checkText(raw); err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		in.Entry = append(in.Entry, e)
	}
	_, err = dec.Token() // ]
	return err
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return errors.New("not a JSON object")
	}
	return nil
}

// readFailure keeps the error reading the body failed with (other than
// its end), to tell a body cut off from one that is not JSON.
type readFailure struct {
	r   io.Reader
	err error
}

func (f *readFailure) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		f.err = err
	}
	return n, err
}
