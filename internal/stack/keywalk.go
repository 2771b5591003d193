package stack

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// checkKeys walks v, a value of compose-go's types, against allowed and
// returns an error for each key that is set and not allowed. It reads the
// typed project itself, never a marshalled copy: compose-go's marshallers
// reshape some values (build.ssh) and fail on others, while its types'
// yaml tags are the schema's key names. at is where v is in the file
// (services.web.ports[0]); path is where it is in the schema
// (services.*.ports), which reasons are keyed by.
func checkKeys(v reflect.Value, allowed keys, at, path string) []error {
	v = settle(v)
	if !v.IsValid() {
		return nil
	}
	var errs []error
	visit := func(k string, value reflect.Value) {
		if unset(value) {
			return
		}
		sub, known, ok := allowed.lookup(k)
		if !ok {
			known = k
		}
		where, schemaPath := join(at, k), join(path, known)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not supported: %s", where, reason(schemaPath)))
			return
		}
		if sub != nil {
			errs = append(errs, checkKeys(value, sub, where, schemaPath)...)
		}
	}
	switch v.Kind() {
	case reflect.Struct:
		for _, f := range yamlFields(v) {
			visit(f.key, f.value)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			visit(k.String(), v.MapIndex(k))
		}
	case reflect.Slice, reflect.Array:
		// The items of a list share their keys.
		for i := range v.Len() {
			errs = append(errs, checkKeys(v.Index(i), allowed, fmt.Sprintf("%s[%d]", at, i), path)...)
		}
	}
	return errs
}

// field is a key of a struct as the file writes it, and its value.
type field struct {
	key   string
	value reflect.Value
}

// yamlFields are the keys of struct v by their yaml names, the fields of
// embedded inline structs (ServiceConfig's ContainerSpec) among them.
// Left out: unexported fields, the x-* extensions (Extensions: Load reads
// the x-stackctl ones and Compose ignores the rest), and fields that are
// no key of the file (yaml or json "-": ServiceConfig.Name is the key of
// its map, not a key under it).
func yamlFields(v reflect.Value) []field {
	var out []field
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" || sf.Tag.Get("json") == "-" {
			continue
		}
		inline := strings.Contains(opts, "inline")
		if inline && sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			out = append(out, yamlFields(v.Field(i))...)
			continue
		}
		if inline {
			continue
		}
		if name == "" {
			// A field without a yaml name (SSHKey.Path): its json name.
			name, _, _ = strings.Cut(sf.Tag.Get("json"), ",")
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out = append(out, field{key: name, value: v.Field(i)})
	}
	return out
}

// settle follows pointers and interfaces to the value they hold; the
// zero Value when one is nil.
func settle(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// unset says the file did not set the key holding v: v is the zero value
// of its type, or an empty list or map. A pointer is compose-go's way to
// tell a number the file set to 0 from one it left out, so a pointer to a
// number is set whatever the number; a pointer to false, "" or an empty
// value is not, as the key means nothing then.
func unset(v reflect.Value) bool {
	pointer := v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface)
	v = settle(v)
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.String:
		return v.Len() == 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return !pointer && v.IsZero()
	}
	return v.IsZero()
}

// join appends key k to the dotted path at.
func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}
