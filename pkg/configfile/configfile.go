// Package configfile loads a server's configuration the same way for both
// servers: defaults, then the YAML file, then environment overrides (the
// `env` and `envPrefix` struct tags), so the two programs cannot drift in
// how an operator configures them.
package configfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/caarlos0/env/v11"
	"gopkg.in/yaml.v3"
)

// Environ returns the process environment as a map, for Load.
func Environ() map[string]string { return env.ToMap(os.Environ()) }

// Load fills into (already holding the defaults) from the YAML file at path
// and then from environ. A missing file is fine when optional is true.
// It does not validate.
func Load(path string, optional bool, environ map[string]string, into any) error {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := yaml.Unmarshal(raw, into); err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist) && optional:
	default:
		return fmt.Errorf("config: %w", err)
	}
	if err := env.ParseWithOptions(into, env.Options{Environment: environ}); err != nil {
		return fmt.Errorf("config environment: %w", err)
	}
	return nil
}
