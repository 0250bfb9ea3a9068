package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// bundleEntry is what an import reads of a Bundle entry.
type bundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Request  *struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
}

// importable lists the Bundle types whose entries are resources to store.
var importable = map[string]bool{"batch": true, "transaction": true, "collection": true, "searchset": true}

// walkBundle streams the Bundle of r, calling fn with each entry and the
// line it begins on, and returns Bundle.type. Keys may come in any order
// (resourceType and type often follow entry), so the caller learns them
// only at the end: the importer walks twice.
func walkBundle(ctx context.Context, r io.Reader, fn func(i, line int, e *bundleEntry) error) (string, error) {
	lc := newLineCounter(r)
	dec := json.NewDecoder(lc)
	fail := func(err error) error {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return &Problem{Where: fmt.Sprintf("line %d", lc.lineAt(se.Offset)), Msg: "invalid JSON: " + err.Error()}
		case errors.As(err, &te):
			return &Problem{Where: fmt.Sprintf("line %d", lc.lineAt(te.Offset)), Msg: "not a Bundle: " + err.Error()}
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return &Problem{Where: fmt.Sprintf("line %d", lc.lineAt(lc.base+int64(len(lc.pending)))), Msg: "invalid JSON: the file ends in the middle of the Bundle"}
		}
		return err
	}
	expect := func(want json.Delim) error {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != want {
			return &Problem{Where: fmt.Sprintf("line %d", lc.lineAt(dec.InputOffset())), Msg: fmt.Sprintf("not a Bundle: expected %q, found %v", want, tok)}
		}
		return nil
	}
	if err := expect('{'); err != nil {
		return "", err
	}
	var resourceType, typ string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fail(err)
		}
		switch key, _ := tok.(string); key {
		case "resourceType":
			if err := dec.Decode(&resourceType); err != nil {
				return "", fail(err)
			}
			if resourceType != "Bundle" {
				return "", &Problem{Where: fmt.Sprintf("line %d", lc.lineAt(dec.InputOffset())), Msg: fmt.Sprintf("a %s, not a Bundle: import takes a Bundle or NDJSON (one resource per line)", resourceType)}
			}
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return "", fail(err)
			}
		case "entry":
			if err := expect('['); err != nil {
				return "", err
			}
			for i := 0; dec.More(); i++ {
				if err := ctx.Err(); err != nil {
					return "", err
				}
				line := lc.valueLine(dec.InputOffset())
				var e bundleEntry
				if err := dec.Decode(&e); err != nil {
					return "", fail(err)
				}
				if err := fn(i, line, &e); err != nil {
					return "", err
				}
			}
			if err := expect(']'); err != nil {
				return "", err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", fail(err)
			}
		}
	}
	if err := expect('}'); err != nil {
		return "", err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", &Problem{Where: fmt.Sprintf("line %d", lc.lineAt(dec.InputOffset())), Msg: "content after the Bundle (several JSON values: is it NDJSON? use -format ndjson)"}
	}
	if resourceType == "" {
		return "", &Problem{Where: "line 1", Msg: "not a Bundle: no resourceType"}
	}
	if !importable[typ] {
		return "", &Problem{Where: "line 1", Msg: fmt.Sprintf("Bundle.type %q: import takes a batch, transaction, collection or searchset Bundle", typ)}
	}
	return typ, nil
}

// target is the Type/id an entry's resource is stored at: the resource's
// own id, else the id of a PUT's request.url; empty id when it has
// neither (a create: the importer assigns one).
func (e *bundleEntry) target() (typ, id string, err error) {
	var h head
	if err := json.Unmarshal(e.Resource, &h); err != nil {
		return "", "", fmt.Errorf("entry.resource is not a JSON object: %v", err)
	}
	if h.ResourceType == "" {
		return "", "", errors.New("entry.resource has no resourceType")
	}
	id = h.ID
	if id == "" && e.Request != nil && strings.EqualFold(e.Request.Method, "PUT") {
		path, _, _ := strings.Cut(e.Request.URL, "?")
		segs := strings.Split(strings.Trim(path, "/"), "/")
		if n := len(segs); n >= 2 && segs[n-2] == h.ResourceType {
			id, _ = url.PathUnescape(segs[n-1])
		}
	}
	return h.ResourceType, id, nil
}

// withID returns the resource raw with its id set.
func withID(raw json.RawMessage, id string) (json.RawMessage, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	m["id"] = id
	return json.Marshal(m)
}
