package configdoc

import (
	"reflect"
	"testing"
	"time"
)

type inner struct {
	Size   int           `yaml:"size" env:"SIZE"`
	Every  time.Duration `yaml:"every" env:"EVERY"`
	hidden string
}

type outer struct {
	Addr    string   `yaml:"listen_addr" env:"X_ADDR"`
	Origins []string `yaml:"origins" env:"X_ORIGINS" envSeparator:","`
	Keys    inner    `yaml:"keys" envPrefix:"X_KEY_"`
	Skipped string   `yaml:"-" env:"X_SKIPPED"`
	NoEnv   string   `yaml:"no_env"`
}

func TestFields(t *testing.T) {
	got := Fields(&outer{Addr: ":1", Origins: []string{"a", "b"}, Keys: inner{Size: 2048, Every: time.Minute}})
	want := []Field{
		{YAMLPath: "listen_addr", Env: "X_ADDR", Value: ":1"},
		{YAMLPath: "origins", Env: "X_ORIGINS", Value: "a b"},
		{YAMLPath: "keys.size", Env: "X_KEY_SIZE", Value: "2048"},
		{YAMLPath: "keys.every", Env: "X_KEY_EVERY", Value: "1m0s"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Fields:\n got %+v\nwant %+v", got, want)
	}
}
