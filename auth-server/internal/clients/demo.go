package clients

import (
	"context"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/smartgate/auth-server/internal/store"
)

// DemoClient is one entry of config/clients.yaml.
type DemoClient struct {
	ID           string   `yaml:"id"`
	Name         string   `yaml:"name"`
	Secret       string   `yaml:"secret"`
	Scopes       string   `yaml:"scopes"` // space separated, as in the seeds
	GrantTypes   []string `yaml:"grant_types"`
	RedirectURIs []string `yaml:"redirect_uris"`
	AuthMethod   string   `yaml:"token_endpoint_auth_method"`
	LaunchURI    string   `yaml:"launch_uri"`
	// EHRLaunchable lists the client on the demo EHR page.
	EHRLaunchable bool `yaml:"ehr_launchable"`
	Disabled      bool `yaml:"disabled"` // kept in the file, not loaded
}

// DemoFile is the layout of config/clients.yaml.
type DemoFile struct {
	Clients []DemoClient `yaml:"clients"`
}

// ReadDemoFile parses a clients file.
func ReadDemoFile(path string) (*DemoFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	var f DemoFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("clients: %s: %w", path, err)
	}
	for i, c := range f.Clients {
		if c.ID == "" {
			return nil, fmt.Errorf("clients: %s: entry %d has no id", path, i)
		}
	}
	return &f, nil
}

// LoadDemo upserts every enabled client of the file (secrets stored hashed)
// and returns how many it loaded.
func (r *Registry) LoadDemo(ctx context.Context, f *DemoFile) (int, error) {
	n := 0
	for _, d := range f.Clients {
		if d.Disabled {
			continue
		}
		grants := d.GrantTypes
		if len(grants) == 0 {
			grants = []string{"client_credentials"}
		}
		// An entry without token_endpoint_auth_method declares none, so its
		// secret is accepted by Basic and in the body alike (the seeds'
		// own examples use both).
		c := &store.Client{
			ID: d.ID, Name: d.Name, Scopes: strings.Fields(d.Scopes),
			GrantTypes: grants, RedirectURIs: d.RedirectURIs, TokenEndpointAuthMethod: d.AuthMethod,
			LaunchURI: d.LaunchURI, EHRLaunchable: d.EHRLaunchable,
		}
		if err := r.Upsert(ctx, c, d.Secret); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
