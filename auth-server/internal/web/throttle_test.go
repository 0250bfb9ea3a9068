package web_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/store"
)

// startBehindProxy is start with the test's loopback address as a
// trusted proxy, so each request's X-Forwarded-For is its client address.
func startBehindProxy(t *testing.T, tweak func(*config.Config)) *testServer {
	return start(t, func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.1", "::1"}
		if tweak != nil {
			tweak(c)
		}
	})
}

// signInForm is the CSRF token of a fresh sign-in page in b.
func (b *browser) signInForm() string {
	b.t.Helper()
	return field(b.t, csrfRe, b.get("/login").Body)
}

// loginFrom posts the sign-in form as if from client address addr (""
// for the test's own).
func (b *browser) loginFrom(csrf, addr, user, password string) page {
	b.t.Helper()
	form := url.Values{"csrf_token": {csrf}, "username": {user}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, b.abs("/login"), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	return b.do(req)
}

// metric reads one unlabelled sample from GET /metrics.
func (s *testServer) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// wantStatus fails unless r answered want; a 429 must say when to retry.
func wantStatus(t *testing.T, what string, r page, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: %d, want %d", what, r.Status, want)
	}
	if want == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: 429 without Retry-After", what)
	}
}

// 150 concurrent wrong passwords with one cookie and CSRF token: each is
// counted before its password is checked, so only the pair's 5 are
// checked (argon2id, 19 MiB each) and the rest answer 429 at once.
func TestConcurrentWrongPasswordsAreCountedBeforeTheCheck(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b := s.browser(t)
	csrf := b.signInForm()
	before := s.metric(t, "auth_password_checks_total")
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 150 {
		wg.Go(func() {
			r := b.loginFrom(csrf, "", "demo-patient", "wrong-password")
			mu.Lock()
			defer mu.Unlock()
			statuses[r.Status]++
			if r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] > 5 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 150 {
		t.Fatalf("statuses %v: want at most 5 checked (401), the rest 429", statuses)
	}
	if checked := s.metric(t, "auth_password_checks_total") - before; checked > 5 {
		t.Fatalf("%v passwords checked, want at most 5", checked)
	}
	if peak, slots := s.metric(t, "auth_password_checks_peak"), s.metric(t, "auth_password_check_slots"); peak > slots {
		t.Fatalf("%v checks ran at once, over the %v slots", peak, slots)
	}
}

// However many sign-ins the throttle lets through (here 150 at once, each
// for another account from another address), no more than the slots run
// their password check at once; the others answer 429 with Retry-After.
func TestPasswordChecksStayWithinTheGate(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t, func(c *config.Config) { c.Web.Login.Concurrency, c.Web.Login.QueueWait = 2, 0 })
	b := s.browser(t)
	csrf := b.signInForm()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 150 {
		wg.Go(func() {
			r := b.loginFrom(csrf, fmt.Sprintf("203.0.113.%d", i), fmt.Sprint("user-", i), "wrong-password")
			mu.Lock()
			defer mu.Unlock()
			statuses[r.Status]++
			if r.Status == http.StatusTooManyRequests && (r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "server is busy")) {
				t.Errorf("429 without Retry-After or the busy message: %v", r.Header)
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 150 || statuses[http.StatusTooManyRequests] == 0 {
		t.Fatalf("statuses %v: want 401 for the checked and 429 beyond the gate", statuses)
	}
	if peak := s.metric(t, "auth_password_checks_peak"); peak < 1 || peak > 2 {
		t.Fatalf("%v password checks ran at once, want at most the 2 slots", peak)
	}
	if checked := s.metric(t, "auth_password_checks_total"); int(checked) != statuses[http.StatusUnauthorized] {
		t.Fatalf("%v checks for %d answers 401", checked, statuses[http.StatusUnauthorized])
	}
}

// An attacker's wrong passwords from one address do not lock the victim
// out: the victim's right password from another address signs in.
func TestAttackerCannotLockOutTheVictim(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t, nil)
	attacker, victim := s.browser(t), s.browser(t)
	csrf := attacker.signInForm()
	for i := range 8 {
		want := http.StatusUnauthorized
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		wantStatus(t, fmt.Sprint("attempt ", i+1), attacker.loginFrom(csrf, "203.0.113.66", "demo-patient", "guess-"+fmt.Sprint(i)), want)
	}
	r := victim.loginFrom(victim.signInForm(), "198.51.100.7", "demo-patient", "demo-patient-password")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("the victim's right password from another address: %d, want a sign-in", r.Status)
	}
}

// Past the pair's 5 failures each further failure doubles the wait
// (Retry-After), and the server never sleeps on a request.
func TestPairBackoffDoubles(t *testing.T) {
	t.Parallel()
	s := start(t, func(c *config.Config) { c.Web.Login.Backoff, c.Web.Login.MaxBackoff = time.Second, 4*time.Second })
	b := s.browser(t)
	csrf := b.signInForm()
	try := func() page { return b.loginFrom(csrf, "", "demo-patient", "wrong-password") }
	for i := range 5 {
		wantStatus(t, fmt.Sprint("failure ", i+1), try(), http.StatusUnauthorized)
	}
	for i, wait := range []string{"1", "2", "4"} {
		start := time.Now()
		r := try()
		wantStatus(t, "during the back-off", r, http.StatusTooManyRequests)
		if got := r.Header.Get("Retry-After"); got != wait {
			t.Fatalf("Retry-After %s, want %s", got, wait)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Fatalf("a refused attempt took %s: the server must not sleep", took)
		}
		if i == 2 {
			break
		}
		n, _ := strconv.Atoi(wait)
		time.Sleep(time.Duration(n)*time.Second + 50*time.Millisecond)
		wantStatus(t, "after the back-off", try(), http.StatusUnauthorized)
	}
}

// 100 consecutive failures from many addresses lock the account to the
// addresses that signed in to it before: others get 429 without their
// password being checked, a known address may still try, and an admin's
// unlock (the portal's Users page) opens it again.
func TestAccountLockSparesKnownAddressesUntilUnlock(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t, nil)
	s.addUser(t, "test-admin", store.RoleAdmin)
	const known, fresh = "198.51.100.10", "198.51.100.20"
	victim := s.browser(t)
	if r := victim.loginFrom(victim.signInForm(), known, "demo-patient", "demo-patient-password"); r.Status != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d", r.Status)
	}
	attacker := s.browser(t)
	csrf := attacker.signInForm()
	for i := range 100 {
		addr := fmt.Sprintf("203.0.113.%d", i/5)
		wantStatus(t, fmt.Sprint("attack ", i+1), attacker.loginFrom(csrf, addr, "demo-patient", fmt.Sprint("guess-", i)), http.StatusUnauthorized)
	}
	checked := s.metric(t, "auth_password_checks_total")
	r := attacker.loginFrom(csrf, "203.0.113.99", "demo-patient", "guess-101")
	wantStatus(t, "the 101st failure", r, http.StatusTooManyRequests)
	other := s.browser(t)
	r = other.loginFrom(other.signInForm(), fresh, "demo-patient", "demo-patient-password")
	wantStatus(t, "the right password from a new address while locked", r, http.StatusTooManyRequests)
	if !strings.Contains(r.Body, "signed in to it before") {
		t.Fatalf("the locked page does not say what to do:\n%s", r.Body)
	}
	if now := s.metric(t, "auth_password_checks_total"); now != checked {
		t.Fatalf("%v passwords were checked for a locked account from unknown addresses", now-checked)
	}
	// The known address may still try.
	wantStatus(t, "a typo from the known address", victim.loginFrom(victim.signInForm(), known, "demo-patient", "typo"), http.StatusUnauthorized)

	admin := s.portalLogin(t, "test-admin", "test-admin-password")
	users := admin.get("/portal/users")
	if users.Status != http.StatusOK || !strings.Contains(users.Body, "Unlock<span class=\"sr\"> demo-patient") {
		t.Fatalf("the Users page does not offer to unlock demo-patient: %d\n%s", users.Status, users.Body)
	}
	if r := admin.post("/portal/users/unlock", url.Values{"csrf_token": {field(t, csrfRe, users.Body)}, "username": {"demo-patient"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", r.Status, r.Body)
	}
	r = other.loginFrom(other.signInForm(), fresh, "demo-patient", "demo-patient-password")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("the right password from a new address after the unlock: %d", r.Status)
	}
	// Only an admin reaches the page.
	patient := s.browser(t)
	signIn(t, patient)
	if r := patient.get("/portal/users"); r.Status != http.StatusNotFound {
		t.Fatalf("a patient opened the Users page: %d", r.Status)
	}
}

// Twenty people behind one NAT who each mistype twice all sign in: the
// address is counted by distinct accounts failed, not by failures.
// Password spraying from that address is refused past 50 accounts, yet
// its people still sign in, as it is known to them.
func TestNATTyposAreNotLockedOutButSprayingIs(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t, nil)
	const nat = "192.0.2.1"
	b := s.browser(t)
	csrf := b.signInForm()
	for i := range 20 {
		name := fmt.Sprintf("nurse-%02d", i)
		s.addUser(t, name, store.RoleClinician)
		wantStatus(t, name+" typo", b.loginFrom(csrf, nat, name, "typo"), http.StatusUnauthorized)
		wantStatus(t, name+" second typo", b.loginFrom(csrf, nat, name, "typo again"), http.StatusUnauthorized)
		r := b.loginFrom(csrf, nat, name, name+"-password")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("%s behind the NAT after two typos: %d", name, r.Status)
		}
		csrf = field(t, csrfRe, b.get("/login").Body)
	}
	sprayer := s.browser(t)
	scsrf := sprayer.signInForm()
	for i := range 50 {
		wantStatus(t, fmt.Sprint("sprayed account ", i+1), sprayer.loginFrom(scsrf, nat, fmt.Sprint("guess-", i), "Winter2025!"), http.StatusUnauthorized)
	}
	r := sprayer.loginFrom(scsrf, nat, "guess-50", "Winter2025!")
	wantStatus(t, "the 51st account", r, http.StatusTooManyRequests)
	if !strings.Contains(r.Body, "different accounts from your network") {
		t.Fatalf("the spraying refusal does not say why:\n%s", r.Body)
	}
	wantStatus(t, "an account already tried", sprayer.loginFrom(scsrf, nat, "guess-0", "Spring2025!"), http.StatusUnauthorized)
	if r := b.loginFrom(csrf, nat, "nurse-07", "nurse-07-password"); r.Status != http.StatusSeeOther {
		t.Fatalf("a nurse behind the sprayed NAT: %d", r.Status)
	}
}
