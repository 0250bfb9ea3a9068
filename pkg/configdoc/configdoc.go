// Package configdoc lists the settings of a configuration struct (its YAML
// path and environment variable, read from the `yaml`, `env` and
// `envPrefix` tags), so each server's tests can check that the YAML file
// and README document every one and the documentation cannot drift.
package configdoc

import (
	"fmt"
	"reflect"
	"strings"
)

// Field is one setting.
type Field struct {
	YAMLPath string // e.g. "keys.size"
	Env      string // e.g. "AUTH_KEY_SIZE"
	Value    string // the value in the struct Fields was given (its default)
}

// Fields walks v (a struct or a pointer to one) and returns its settings in
// declaration order. Nested structs carry an `envPrefix` tag; leaves an
// `env` tag. Fields with neither are skipped.
func Fields(v any) []Field {
	rv := reflect.Indirect(reflect.ValueOf(v))
	var out []Field
	walk(rv, "", "", &out)
	return out
}

func walk(v reflect.Value, yamlPrefix, envPrefix string, out *[]Field) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		path := name
		if yamlPrefix != "" {
			path = yamlPrefix + "." + name
		}
		if prefix, ok := f.Tag.Lookup("envPrefix"); ok && f.Type.Kind() == reflect.Struct {
			walk(v.Field(i), path, envPrefix+prefix, out)
			continue
		}
		env, ok := f.Tag.Lookup("env")
		if !ok {
			continue
		}
		env, _, _ = strings.Cut(env, ",")
		*out = append(*out, Field{YAMLPath: path, Env: envPrefix + env, Value: format(v.Field(i))})
	}
}

func format(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return strings.Join(parts, " ")
	default:
		return fmt.Sprint(v.Interface())
	}
}
