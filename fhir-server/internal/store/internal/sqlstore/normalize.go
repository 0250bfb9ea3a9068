package sqlstore

import "time"

// prefixUpper is the exclusive upper bound of the strings starting with p
// under binary collation.
func prefixUpper(p string) string { return p + "\U0010FFFF" }

// micros converts an index instant to microseconds since the Unix epoch
// (MinTime and MaxTime fit).
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
