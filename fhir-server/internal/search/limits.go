package search

import (
	"fmt"
	"net/url"
	"strings"
)

// LimitError is a search larger than ParseOptions allow: too many
// parameters or too many values. The API answers it with 400.
type LimitError struct {
	What  string // "parameters" or "values"
	Count int    // how many the search has
	Limit int    // how many are accepted
	How   string // what counts
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("this search has %d %s (%s); at most %d are accepted", e.Count, e.What, e.How, e.Limit)
}

// checkLimits counts the parameters of a search (every occurrence of a
// search parameter, _include and _revinclude, and every key of _sort:
// what the database works through) and the values of its search
// parameters (the comma-separated alternatives of each occurrence, over
// all of them) before any is parsed, against opts.MaxParameters and
// opts.MaxValues. The other result parameters (_count, _cursor,
// _summary ...) cost nothing and are not counted, so the next-page link
// of a search within the limits stays within them.
func checkLimits(params url.Values, opts ParseOptions) error {
	nparams, nvalues := 0, 0
	for key, vs := range params {
		code, _, _ := strings.Cut(key, ":")
		_, control := controls[code]
		for _, v := range vs {
			switch {
			case code == "_sort":
				nparams += strings.Count(v, ",") + 1
			case code == "_include" || code == "_revinclude":
				nparams++
			case control:
			default:
				nparams++
				nvalues += len(splitEscaped(v, ','))
			}
		}
	}
	if opts.MaxParameters > 0 && nparams > opts.MaxParameters {
		return &LimitError{What: "parameters", Count: nparams, Limit: opts.MaxParameters, How: "each repetition, each _sort key and each _include counts"}
	}
	if opts.MaxValues > 0 && nvalues > opts.MaxValues {
		return &LimitError{What: "values", Count: nvalues, Limit: opts.MaxValues, How: "the comma-separated alternatives of all its parameters together"}
	}
	return nil
}
