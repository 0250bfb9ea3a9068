// Command backendclient is the example a backend integrator copies: a
// system-to-system client that gets OAuth2 client-credentials tokens from the
// SmartGate auth-server (client id and secret in a Basic Authorization
// header), renews them before their 90-minute expiry, runs one FHIR search
// and follows the Bundle's "next" links until the last page.
//
// Against `make run` it needs no arguments:
//
//	go run ./e2e/examples/backendclient
//	go run ./e2e/examples/backendclient -search 'Condition?patient=4' \
//	    -client-id a24a4d9f-c264-4af7-a8e5-248c24a6b707 -client-secret ...
//
// Every flag has an environment variable (SMARTGATE_AUTH_URL,
// SMARTGATE_FHIR_URL, SMARTGATE_CLIENT_ID, SMARTGATE_CLIENT_SECRET,
// SMARTGATE_SCOPE). The defaults are the demo-system client of
// config/clients.yaml, whose secret is a published demo value.
//
// Output: one line per token fetched (never the token itself), one line per
// page, one line per resource, and a summary. A refused request (401, 403)
// exits 1 with the server's WWW-Authenticate error and OperationOutcome.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

type options struct {
	authURL, fhirURL       string
	clientID, clientSecret string
	scope                  string
	search                 string
	refreshBefore          time.Duration
	maxPages               int
}

func main() {
	o := parseFlags(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "backendclient:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) options {
	var o options
	fs := flag.NewFlagSet("backendclient", flag.ExitOnError)
	fs.StringVar(&o.authURL, "auth", envOr("SMARTGATE_AUTH_URL", "http://localhost:8081"), "auth-server issuer URL ($SMARTGATE_AUTH_URL)")
	fs.StringVar(&o.fhirURL, "fhir", envOr("SMARTGATE_FHIR_URL", "http://localhost:8080/STU3"), "FHIR base URL ($SMARTGATE_FHIR_URL)")
	fs.StringVar(&o.clientID, "client-id", envOr("SMARTGATE_CLIENT_ID", "demo-system"), "OAuth2 client id ($SMARTGATE_CLIENT_ID)")
	fs.StringVar(&o.clientSecret, "client-secret", envOr("SMARTGATE_CLIENT_SECRET", "demo-system-secret"), "OAuth2 client secret ($SMARTGATE_CLIENT_SECRET)")
	fs.StringVar(&o.scope, "scope", os.Getenv("SMARTGATE_SCOPE"), "space-separated scopes to ask for; empty asks for all the client's scopes ($SMARTGATE_SCOPE)")
	fs.StringVar(&o.search, "search", "Observation?patient=4&_count=10", "FHIR search, relative to the base URL")
	fs.DurationVar(&o.refreshBefore, "refresh-before", 5*time.Minute, "fetch a new token this long before the current one expires")
	fs.IntVar(&o.maxPages, "max-pages", 100, "stop after this many pages")
	_ = fs.Parse(args)
	return o
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, o options, out io.Writer) error {
	cfg := &clientcredentials.Config{
		ClientID:     o.clientID,
		ClientSecret: o.clientSecret,
		TokenURL:     strings.TrimSuffix(o.authURL, "/") + "/token",
		AuthStyle:    oauth2.AuthStyleInHeader, // Basic auth, as the CCRI guide does
	}
	if o.scope != "" {
		cfg.Scopes = strings.Fields(o.scope)
	}
	fetcher := &tokenFetcher{ctx: ctx, cfg: cfg, out: out}
	// Reuse a token until refreshBefore ahead of its expiry, then fetch a
	// new one: a request never leaves with a token about to expire.
	tokens := oauth2.ReuseTokenSourceWithExpiry(nil, fetcher, o.refreshBefore)
	client := &fhirClient{
		base: strings.TrimSuffix(o.fhirURL, "/"),
		http: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &oauth2.Transport{Source: tokens, Base: http.DefaultTransport},
		},
	}

	n, pages, err := client.searchAll(ctx, o.search, o.maxPages, func(page int, b *bundle) {
		fmt.Fprintf(out, "page %d: %d entries\n", page, len(b.Entry))
		for _, e := range b.Entry {
			if e.Search.Mode == "outcome" { // the server's remarks on the search
				for _, i := range e.Resource.Issue {
					fmt.Fprintf(out, "  server %s: %s\n", i.Severity, i.Diagnostics)
				}
				continue
			}
			fmt.Fprintf(out, "  %s/%s\n", e.Resource.ResourceType, e.Resource.ID)
		}
	})
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return fmt.Errorf("token request refused: %s: %s (HTTP %d)", re.ErrorCode, re.ErrorDescription, re.Response.StatusCode)
		}
		return err
	}
	fmt.Fprintf(out, "done: %d resources in %d pages, %d token(s) fetched\n", n, pages, fetcher.count)
	return nil
}

// tokenFetcher asks the token endpoint for a new token on every call; the
// reuse layer above it decides when that is needed.
type tokenFetcher struct {
	ctx   context.Context
	cfg   *clientcredentials.Config
	out   io.Writer
	count int
}

func (f *tokenFetcher) Token() (*oauth2.Token, error) {
	tok, err := f.cfg.Token(f.ctx)
	if err != nil {
		return nil, err
	}
	f.count++
	scope, _ := tok.Extra("scope").(string)
	fmt.Fprintf(f.out, "token %d: %s, expires in %s, scope %q\n",
		f.count, tok.Type(), time.Until(tok.Expiry).Round(time.Minute), scope)
	return tok, nil
}
