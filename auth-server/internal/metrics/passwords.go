package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartgate/auth-server/internal/users"
)

// PasswordChecks publishes the server's password-check gate: how many
// checks ran, how many run now, the most that ran at once and how many
// may (compare the peak with the slots when sizing
// AUTH_WEB_LOGIN_CONCURRENCY).
func (m *Metrics) PasswordChecks(g *users.Gate) {
	if m == nil || g == nil {
		return
	}
	stat := func(f func(users.GateStats) int64) func() float64 {
		return func() float64 { return float64(f(g.Stats())) }
	}
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "auth_password_checks_total",
			Help: "Password checks run (argon2id), one per sign-in the throttle let through.",
		}, stat(func(s users.GateStats) int64 { return s.Checks })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "auth_password_checks_in_flight",
			Help: "Password checks running now.",
		}, stat(func(s users.GateStats) int64 { return s.InFlight })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "auth_password_checks_peak",
			Help: "Most password checks that ran at once since the server started.",
		}, stat(func(s users.GateStats) int64 { return s.Peak })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "auth_password_check_slots",
			Help: "Password checks allowed at once (AUTH_WEB_LOGIN_CONCURRENCY); beyond them sign-ins get 429.",
		}, stat(func(s users.GateStats) int64 { return int64(s.Slots) })),
	)
}
