package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// readNDJSON calls fn with each resource of r, one JSON object per line;
// blank lines are skipped. A line that is not a JSON object with a
// resourceType and an id stops it with an error naming the line.
func readNDJSON(ctx context.Context, r *bufio.Reader, fn func(Item) error) error {
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := r.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if line == 1 {
				t = bytes.TrimPrefix(t, []byte("\ufeff"))
			}
			it, perr := parseLine(t, line)
			if perr != nil {
				return perr
			}
			if ferr := fn(it); ferr != nil {
				return ferr
			}
		}
		if err != nil { // EOF
			return nil
		}
	}
}

// parseLine checks one NDJSON line.
func parseLine(b []byte, line int) (Item, error) {
	it := Item{Line: line, Entry: -1}
	var h head
	if err := json.Unmarshal(b, &h); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return it, &Problem{Where: it.where(), Msg: fmt.Sprintf("invalid JSON at column %d: %v", se.Offset, err)}
		}
		return it, &Problem{Where: it.where(), Msg: fmt.Sprintf("not a resource (a JSON object is expected): %v", err)}
	}
	if h.ResourceType == "" {
		return it, &Problem{Where: it.where(), Msg: "no resourceType"}
	}
	if h.ID == "" {
		return it, &Problem{Where: it.where(), Type: h.ResourceType, Msg: "no id: NDJSON resources are imported at their own ids"}
	}
	it.Resource, it.Type, it.ID = json.RawMessage(b), h.ResourceType, h.ID
	return it, nil
}

// AppendLine appends a stored resource body to w as one NDJSON line:
// compacted when it spans lines (bodies are stored compact, but a
// stored body is not trusted to be).
func AppendLine(w *bytes.Buffer, body []byte) error {
	if !bytes.ContainsAny(body, "\r\n") {
		w.Write(body)
		return w.WriteByte('\n')
	}
	if err := json.Compact(w, body); err != nil {
		return err
	}
	return w.WriteByte('\n')
}
