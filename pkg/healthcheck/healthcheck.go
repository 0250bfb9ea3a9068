// Package healthcheck is the "healthcheck URL" subcommand both servers
// offer for container health checks (distroless images have no curl): a
// GET that succeeds on 200 and fails with a one-line reason otherwise.
package healthcheck

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout bounds the whole probe.
const DefaultTimeout = 3 * time.Second

// ErrUnhealthy is wrapped by every failed probe, so a command can tell it
// from a usage error.
var ErrUnhealthy = errors.New("unhealthy")

// Probe GETs target and returns nil when it answers 200 within timeout.
// Redirects are not followed (a redirect is not healthy). The error is one
// line, wraps ErrUnhealthy and never includes the response body.
func Probe(ctx context.Context, target string, timeout time.Duration) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %q is not an http(s) URL", ErrUnhealthy, target)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnhealthy, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: no answer from %s within %s", ErrUnhealthy, u.Redacted(), timeout)
		}
		return fmt.Errorf("%w: %v", ErrUnhealthy, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", ErrUnhealthy, u.Redacted(), resp.Status)
	}
	return nil
}

// Run is the subcommand: "PROG healthcheck [-timeout D] URL". -help
// prints the usage and returns nil.
func Run(ctx context.Context, prog string, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", DefaultTimeout, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s healthcheck [-timeout 3s] URL\n\n"+
			"GETs URL (e.g. http://127.0.0.1:PORT/readyz): exit status 0 when it answers\n"+
			"200, 1 with a one-line reason otherwise. For container HEALTHCHECKs.\n\n", prog)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("healthcheck: want exactly one URL, got %d arguments", fs.NArg())
	}
	return Probe(ctx, fs.Arg(0), *timeout)
}
