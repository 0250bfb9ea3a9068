package smart

import "strings"

// Permission is a set of SMART v2 permissions (the letters of "cruds").
type Permission uint8

// The five SMART v2 permissions, in their canonical order.
const (
	Create Permission = 1 << iota
	Read
	Update
	Delete
	Search
)

// Combined permission sets and the SMART v1 equivalents.
const (
	// None is the empty permission set.
	None Permission = 0
	// V1Read is what .read means: read and search.
	V1Read = Read | Search
	// V1Write is what .write means: create, update and delete.
	V1Write = Create | Update | Delete
	// All is what .* and .cruds mean.
	All = Create | Read | Update | Delete | Search
)

// permLetters lists each permission with its v2 letter, in canonical order.
var permLetters = [...]struct {
	p Permission
	c byte
}{{Create, 'c'}, {Read, 'r'}, {Update, 'u'}, {Delete, 'd'}, {Search, 's'}}

// Has reports whether every permission in q is also in p.
func (p Permission) Has(q Permission) bool { return p&q == q }

// String returns the v2 letters of p in canonical order ("rs", "cruds"),
// or "" for the empty set.
func (p Permission) String() string {
	var b strings.Builder
	for _, l := range permLetters {
		if p&l.p != 0 {
			b.WriteByte(l.c)
		}
	}
	return b.String()
}

// parseV2Permissions parses an ordered, non-empty subset of "cruds".
func parseV2Permissions(s string) (Permission, bool) {
	if s == "" {
		return None, false
	}
	var p Permission
	next := 0 // index in permLetters of the next allowed letter
	for i := 0; i < len(s); i++ {
		found := false
		for next < len(permLetters) {
			l := permLetters[next]
			next++
			if l.c == s[i] {
				p |= l.p
				found = true
				break
			}
		}
		if !found {
			return None, false
		}
	}
	return p, true
}

// InteractionPermission maps a FHIR RESTful interaction name to the
// permission it needs: read and vread need Read; search-type,
// search-system, history-instance, history-type and history-system need
// Search; create needs Create; update and patch need Update; delete needs
// Delete. The second result is false for an unknown interaction.
func InteractionPermission(interaction string) (Permission, bool) {
	switch interaction {
	case "read", "vread":
		return Read, true
	case "search", "search-type", "search-system",
		"history", "history-instance", "history-type", "history-system":
		return Search, true
	case "create":
		return Create, true
	case "update", "patch":
		return Update, true
	case "delete":
		return Delete, true
	}
	return None, false
}
