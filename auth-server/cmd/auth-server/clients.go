package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/registration"
)

const clientsUsage = `usage:
  auth-server clients list [-config FILE]
  auth-server clients add -scopes "system/*.read ..." [-id ID] [-name NAME] [-grant-types client_credentials]
                                        prints the generated secret once; it is stored only hashed
  auth-server clients delete ID         also revokes its refresh tokens and the access tokens issued to it
  auth-server clients rotate-secret ID  prints the new secret once; the old one stops working
  auth-server clients reassign ID USERNAME
                                        gives a portal client (a disabled one: its owner was deleted or
                                        lost the role) to USERNAME, whose role must allow its scopes, and
                                        enables it with new credentials (a new secret, printed once; a
                                        private_key_jwt client's keys are removed until the owner adds new ones)
  auth-server clients initial-token [-description TEXT] [-ttl 168h]
                                        prints a new RFC 7591 initial access token once (POST /register,
                                        Authorization: Bearer); -ttl 0 never expires
`

func clientsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, clientsUsage)
		if len(args) == 0 {
			return fmt.Errorf("clients: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("clients "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, clientsUsage); fs.PrintDefaults() }
	var id, name, scopes, grants, description *string
	var ttl *time.Duration
	if sub == "add" {
		id = fs.String("id", "", "client id (default: generated)")
		name = fs.String("name", "", "display name")
		scopes = fs.String("scopes", "", "registered scopes, space separated")
		grants = fs.String("grant-types", "client_credentials", "grant types, comma separated")
	}
	if sub == "initial-token" {
		description = fs.String("description", "", "what the token is for")
		ttl = fs.Duration("ttl", 7*24*time.Hour, "lifetime (0: never expires)")
	}
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	st, _, err := app.OpenStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	reg := clients.NewRegistry(st, time.Now)

	oneID := func() (string, error) {
		if fs.NArg() != 1 {
			return "", fmt.Errorf("clients %s: want exactly one client ID", sub)
		}
		return fs.Arg(0), nil
	}
	switch sub {
	case "list":
		list, err := reg.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTATE\tGRANTS\tSCOPES")
		for _, c := range list {
			state := "enabled"
			if c.Disabled() {
				state = "disabled: " + c.DisabledReason
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, state, strings.Join(c.GrantTypes, ","), strings.Join(c.Scopes, " "))
		}
		return tw.Flush()
	case "add":
		if strings.TrimSpace(*scopes) == "" {
			return fmt.Errorf("clients add: -scopes is required")
		}
		c, secret, err := reg.Add(ctx, clients.Spec{
			ID: *id, Name: *name, Scopes: strings.Fields(*scopes), GrantTypes: strings.Split(*grants, ","),
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\n(the secret is shown only now)\n", c.ID, secret)
		return nil
	case "delete":
		cid, err := oneID()
		if err != nil {
			return err
		}
		c, err := st.GetClient(ctx, cid)
		if err != nil {
			return fmt.Errorf("clients: %s: %w", cid, err)
		}
		// Through the registration service, as every deletion: it also
		// revokes the client's refresh and access tokens.
		if err := app.RegistrationService(cfg, st, newLogger(cfg, stderr)).Delete(ctx, c); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "deleted:", cid)
		return nil
	case "rotate-secret":
		cid, err := oneID()
		if err != nil {
			return err
		}
		secret, err := reg.RotateSecret(ctx, cid)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\n(the secret is shown only now)\n", cid, secret)
		return nil
	case "reassign":
		if fs.NArg() != 2 {
			return fmt.Errorf("clients reassign: want CLIENT_ID and USERNAME")
		}
		c, err := st.GetClient(ctx, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("clients: %s: %w", fs.Arg(0), err)
		}
		owner, err := st.GetUserByUsername(ctx, fs.Arg(1))
		if err != nil {
			return fmt.Errorf("clients reassign: user %s: %w", fs.Arg(1), err)
		}
		secret, err := app.RegistrationService(cfg, st, newLogger(cfg, stderr)).Reassign(ctx, c, owner)
		if err != nil {
			return fmt.Errorf("clients reassign %s: %w", c.ID, err)
		}
		fmt.Fprintf(stdout, "client %s now belongs to %s and is enabled\n", c.ID, owner.Username)
		if secret != "" {
			fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\n(the secret is shown only now; the old one no longer works)\n", c.ID, secret)
		}
		if c.TokenEndpointAuthMethod == registration.MethodPrivateKey {
			fmt.Fprintln(stdout, "its registered keys were removed: the new owner registers new ones in the portal")
		}
		return nil
	case "initial-token":
		svc := registration.New(st, registration.Options{}, newLogger(cfg, stderr), time.Now)
		token, err := svc.IssueInitialToken(ctx, *description, "", *ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "initial_access_token: %s\n(shown only now; send it as Authorization: Bearer to POST /register)\n", token)
		return nil
	default:
		fmt.Fprint(stderr, clientsUsage)
		return fmt.Errorf("clients: unknown subcommand %q", sub)
	}
}
