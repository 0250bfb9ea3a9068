package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/activity"
	"github.com/smartgate/auth-server/internal/events"
)

// Activity is the per-minute counts the dashboard charts.
type Activity = activity.Counts

// chart is a server-rendered line chart of per-minute counts (inline
// SVG: no script, nothing fetched).
type chart struct {
	Width, Height int
	Max           int
	Lines         []line
}

type line struct {
	Name, Class, Points string
	Total, LastMinute   int
}

const chartW, chartH = 600, 160

func makeChart(series map[string][]int, order []string) chart {
	ch := chart{Width: chartW, Height: chartH, Max: 1}
	for _, s := range series {
		ch.Max = max(ch.Max, slices.Max(s))
	}
	for i, name := range order {
		s := series[name]
		var pts []string
		total := 0
		for x, n := range s {
			total += n
			pts = append(pts, fmt.Sprintf("%d,%d", x*chartW/(len(s)-1), chartH-n*(chartH-10)/ch.Max))
		}
		ch.Lines = append(ch.Lines, line{Name: name, Class: fmt.Sprintf("l%d", i), Points: strings.Join(pts, " "),
			Total: total, LastMinute: s[len(s)-1]})
	}
	return ch
}

// dashboard is GET /admin: tokens issued per minute, failed
// authentications and throttled requests over the last hour (this
// replica's counters), and the newest security events.
func (h *Handler) dashboard(c *gin.Context) {
	order := []string{"Tokens issued", "Failed authentications", "Throttled"}
	ch := makeChart(map[string][]int{
		order[0]: h.Activity.PerMinute(activity.Tokens),
		order[1]: h.Activity.PerMinute(activity.Failures),
		order[2]: h.Activity.PerMinute(activity.Throttled),
	}, order)
	recent, err := h.Events.List(c.Request.Context(), 0, 10)
	var throttled []throttledAddress
	if err == nil {
		throttled, err = h.throttledAddresses(c)
	}
	if err != nil {
		h.unavailable(c, "list the security events", err)
		return
	}
	h.render(c, browser(c), http.StatusOK, "dashboard", "Admin console", page{Data: map[string]any{
		"Chart": ch, "Recent": recent, "Throttled": throttled}})
}

// throttledAddress is an address whose sign-ins the throttle refused.
type throttledAddress struct {
	Address, Last string
	Refusals      int
}

// Bounds of the dashboard's scan of the event log for throttled sign-ins.
const (
	scanPage = 500
	scanMost = 5000
)

// throttledAddresses are the addresses of the sign-ins throttled in the
// last hour (every replica's: they come from the shared event log),
// most refused first, from at most scanMost events.
func (h *Handler) throttledAddresses(c *gin.Context) ([]throttledAddress, error) {
	since := h.Now().Add(-time.Hour)
	byAddr := map[string]*throttledAddress{}
	var out []*throttledAddress
	before := int64(0)
	for scanned := 0; scanned < scanMost; {
		list, err := h.Events.List(c.Request.Context(), before, scanPage)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.At.Before(since) {
				return sortThrottled(out), nil
			}
			if e.Type != events.LoginThrottled || e.Address == "" {
				continue
			}
			a := byAddr[e.Address]
			if a == nil {
				a = &throttledAddress{Address: e.Address, Last: e.At.UTC().Format("15:04:05 MST")}
				byAddr[e.Address] = a
				out = append(out, a)
			}
			a.Refusals++
		}
		if len(list) < scanPage {
			break
		}
		scanned += len(list)
		before = list[len(list)-1].Seq
	}
	return sortThrottled(out), nil
}

func sortThrottled(list []*throttledAddress) []throttledAddress {
	out := make([]throttledAddress, len(list))
	for i, a := range list {
		out[i] = *a
	}
	slices.SortStableFunc(out, func(a, b throttledAddress) int { return b.Refusals - a.Refusals })
	return out
}
