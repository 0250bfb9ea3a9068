package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/users"
)

const usersUsage = `usage:
  auth-server users list [-config FILE]
  auth-server users add -username NAME -role clinician|patient|admin [-patient ID] [-fhir-user URL] [-name "Full Name"]
                        reads the password from the environment variable
                        SMARTGATE_PASSWORD, or else from the first line of stdin
  auth-server users delete USERNAME  the clients the user registered in the portal are disabled
                                     (their tokens revoked) until an admin re-assigns them
  auth-server users set-role [-patient ID] [-fhir-user URL] USERNAME clinician|patient|admin
                                     the user's portal clients the new role does not allow are disabled
  auth-server users unlock USERNAME   forget the user's failed sign-ins: after too many, only
                                      addresses it signed in from before may try until then
  auth-server users link USERNAME PROVIDER-ID SUBJECT
                                      let the identity SUBJECT (the ID token's sub) at the upstream
                                      OpenID provider PROVIDER-ID sign in as USERNAME
  auth-server users unlink USERNAME PROVIDER-ID SUBJECT
                                      remove that link
  auth-server users links USERNAME    list the identities linked to USERNAME
`

func usersCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, usersUsage)
		if len(args) == 0 {
			return fmt.Errorf("users: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("users "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage); fs.PrintDefaults() }
	var spec users.Spec
	if sub == "set-role" {
		fs.StringVar(&spec.PatientID, "patient", "", "linked Patient id (patient users)")
		fs.StringVar(&spec.FHIRUser, "fhir-user", "", "FHIR URL of the user's Practitioner or Patient")
	}
	if sub == "add" {
		fs.StringVar(&spec.Username, "username", "", "login name (unique, case-insensitive)")
		fs.StringVar(&spec.Role, "role", "clinician", "clinician, patient or admin")
		fs.StringVar(&spec.PatientID, "patient", "", "linked Patient id (patient users)")
		fs.StringVar(&spec.FHIRUser, "fhir-user", "", "FHIR URL of the user's Practitioner or Patient")
		fs.StringVar(&spec.Name, "name", "", "display name")
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
	svc := users.New(st, time.Now)
	svc.Owners = app.RegistrationService(cfg, st, newLogger(cfg, stderr))

	switch sub {
	case "list":
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		logins := app.LoginThrottle(cfg, st)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tPATIENT\tFHIR USER\tNAME\tSIGN-IN")
		for _, u := range list {
			locked, err := logins.Locked(ctx, u.Username)
			if err != nil {
				return err
			}
			state := "open"
			if locked {
				state = "locked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, u.PatientID, u.FHIRUser, u.Name, state)
		}
		return tw.Flush()
	case "add":
		spec.Password = os.Getenv("SMARTGATE_PASSWORD")
		if spec.Password == "" {
			line, err := readLine(stdin)
			if err != nil {
				return fmt.Errorf("users add: reading the password from stdin: %w", err)
			}
			spec.Password = line
		}
		spec.FHIRUser = fhirUser(cfg, spec)
		u, err := svc.Add(ctx, spec)
		if err != nil {
			return fmt.Errorf("users add: %w", err)
		}
		fmt.Fprintf(stdout, "added user %s (%s)\n", u.Username, u.Role)
		return nil
	case "delete":
		if fs.NArg() != 1 {
			return fmt.Errorf("users delete: want exactly one USERNAME")
		}
		if err := svc.Delete(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("users delete %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintln(stdout, "deleted:", fs.Arg(0))
		return nil
	case "set-role":
		if fs.NArg() != 2 {
			return fmt.Errorf("users set-role: want USERNAME and ROLE (flags first)")
		}
		spec.Role = fs.Arg(1)
		u, err := svc.SetRole(ctx, fs.Arg(0), spec.Role, spec.PatientID, fhirUser(cfg, spec))
		if err != nil {
			return fmt.Errorf("users set-role %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(stdout, "%s is now %s\n", u.Username, u.Role)
		return nil
	case "unlock":
		if fs.NArg() != 1 {
			return fmt.Errorf("users unlock: want exactly one USERNAME")
		}
		u, err := st.GetUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("users unlock %s: %w", fs.Arg(0), err)
		}
		if err := app.LoginThrottle(cfg, st).Unlock(ctx, u.Username); err != nil {
			return fmt.Errorf("users unlock %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintln(stdout, "unlocked:", u.Username)
		return nil
	case "link", "unlink":
		return linkCmd(ctx, sub, fs.Args(), cfg, users.NewIdentities(st, time.Now), stdout)
	case "links":
		if fs.NArg() != 1 {
			return fmt.Errorf("users links: want exactly one USERNAME")
		}
		u, err := st.GetUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("users links %s: %w", fs.Arg(0), err)
		}
		links, err := users.NewIdentities(st, time.Now).Links(ctx, u.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROVIDER\tSUBJECT\tLINKED")
		for _, l := range links {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Provider, l.Subject, l.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	default:
		fmt.Fprint(stderr, usersUsage)
		return fmt.Errorf("users: unknown subcommand %q", sub)
	}
}

// linkCmd is users link|unlink USERNAME PROVIDER-ID SUBJECT. Linking
// needs the provider in the configured providers file (a typo would
// link an identity no one can sign in with); unlinking does not, so a
// removed provider's links can be cleaned up.
func linkCmd(ctx context.Context, sub string, args []string, cfg config.Config, ids *users.Identities, stdout io.Writer) error {
	if len(args) != 3 {
		return fmt.Errorf("users %s: want USERNAME PROVIDER-ID SUBJECT", sub)
	}
	username, provider, subject := args[0], args[1], args[2]
	if sub == "unlink" {
		if err := ids.Unlink(ctx, username, provider, subject); err != nil {
			return fmt.Errorf("users unlink %s %s %s: %w", username, provider, subject, err)
		}
		fmt.Fprintf(stdout, "unlinked %s %s from %s\n", provider, subject, username)
		return nil
	}
	ups, err := config.ReadUpstreams(cfg.UpstreamProvidersFile)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ups, func(u config.Upstream) bool { return u.ID == provider }) {
		return fmt.Errorf("users link: no upstream provider %q in upstream_providers_file (AUTH_UPSTREAM_PROVIDERS_FILE)", provider)
	}
	if _, err := ids.Link(ctx, username, provider, subject); err != nil {
		return fmt.Errorf("users link %s %s %s: %w", username, provider, subject, err)
	}
	fmt.Fprintf(stdout, "linked %s %s to %s\n", provider, subject, username)
	return nil
}

// fhirUser is the spec's FHIR user, made from its linked patient when
// not given.
func fhirUser(cfg config.Config, spec users.Spec) string {
	if spec.FHIRUser == "" && spec.PatientID != "" {
		return strings.TrimRight(cfg.FHIRBaseURL, "/") + "/Patient/" + spec.PatientID
	}
	return spec.FHIRUser
}

// readLine reads one line (without its newline).
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return strings.TrimRight(b.String(), "\r"), nil
}
