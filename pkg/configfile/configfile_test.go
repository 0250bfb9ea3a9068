package configfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type settings struct {
	Addr  string        `yaml:"listen_addr" env:"T_ADDR"`
	Every time.Duration `yaml:"every" env:"T_EVERY"`
	Keys  struct {
		Size int `yaml:"size" env:"SIZE"`
	} `yaml:"keys" envPrefix:"T_KEY_"`
}

func TestLoadOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("listen_addr: \":9\"\nevery: 2m\nkeys:\n  size: 3072\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		path    string
		opt     bool
		environ map[string]string
		want    settings
		wantErr string
	}{
		{name: "defaults when the optional file is missing", path: path + ".missing", opt: true, want: defaults()},
		{name: "missing required file", path: path + ".missing", wantErr: "no such file"},
		{name: "file over defaults", path: path, want: with(":9", 2*time.Minute, 3072)},
		{name: "environment over file", path: path, environ: map[string]string{"T_ADDR": ":7", "T_KEY_SIZE": "4096"}, want: with(":7", 2*time.Minute, 4096)},
		{name: "bad environment value", path: path, environ: map[string]string{"T_EVERY": "soon"}, wantErr: `invalid duration "soon"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := defaults()
			err := Load(c.path, c.opt, c.environ, &got)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func defaults() settings { return with(":1", time.Minute, 2048) }

func with(addr string, every time.Duration, size int) settings {
	s := settings{Addr: addr, Every: every}
	s.Keys.Size = size
	return s
}
