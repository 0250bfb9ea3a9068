package search

import (
	"regexp"
	"strings"
)

var (
	typeRE = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
	idRE   = regexp.MustCompile(`^[A-Za-z0-9\-\.]{1,64}$`)
)

// localRef splits a reference into type and id when it points at this
// server: "Patient/4", "Patient/4/_history/2", or an absolute URL under
// base (when base is set). ok is false for other references (absolute
// URLs elsewhere, contained "#id", urn:uuid:...).
func localRef(ref, base string) (refType, id string, ok bool) {
	if strings.Contains(ref, "://") {
		base = strings.TrimRight(base, "/")
		if base == "" || !strings.HasPrefix(ref, base+"/") {
			return "", "", false
		}
		ref = strings.TrimPrefix(ref, base+"/")
	}
	parts := strings.Split(ref, "/")
	if len(parts) == 4 && parts[2] == "_history" {
		parts = parts[:2]
	}
	if len(parts) != 2 || !typeRE.MatchString(parts[0]) || !idRE.MatchString(parts[1]) {
		return "", "", false
	}
	return parts[0], parts[1], true
}
