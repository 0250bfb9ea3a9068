package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Format is how a file holds its resources.
type Format string

const (
	// FormatAuto decides from the name (.ndjson, .jsonl) or the content.
	FormatAuto Format = "auto"
	// FormatNDJSON is one resource per line (FHIR Bulk Data).
	FormatNDJSON Format = "ndjson"
	// FormatBundle is one Bundle (batch, transaction, collection or
	// searchset) whose entries' resources are imported.
	FormatBundle Format = "bundle"
)

// ParseFormat reads a -format flag value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatAuto, FormatNDJSON, FormatBundle:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (auto, ndjson or bundle)", s)
}

// sniffSize is how much of a file detect looks at.
const sniffSize = 1 << 20

// head is what every resource line or entry is first read for.
type head struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
}

// detect decides the format of the file named path from its name, else
// from its first bytes (peeked, not consumed): a first line that is a
// whole JSON object followed by another line is NDJSON; a file that is one
// object is a Bundle when its resourceType says so (else NDJSON of one
// resource); anything else (pretty-printed JSON, a first line longer than
// sniffSize) is a Bundle.
func detect(path string, br *bufio.Reader) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ndjson", ".jsonl":
		return FormatNDJSON, nil
	}
	peek, err := br.Peek(sniffSize)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	trimmed := bytes.TrimLeft(peek, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return "", fmt.Errorf("the file is empty")
	}
	if trimmed[0] != '{' {
		return "", fmt.Errorf("not JSON: it begins with %q; expected a Bundle or NDJSON resources", trimmed[:min(len(trimmed), 20)])
	}
	first, rest, found := bytes.Cut(trimmed, []byte{'\n'})
	if !found && !atEOF {
		return FormatBundle, nil // one huge line
	}
	if !json.Valid(first) {
		return FormatBundle, nil // pretty-printed, or broken: the Bundle reader says where
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return FormatNDJSON, nil
	}
	var h head
	_ = json.Unmarshal(first, &h)
	if h.ResourceType == "Bundle" {
		return FormatBundle, nil
	}
	return FormatNDJSON, nil
}
