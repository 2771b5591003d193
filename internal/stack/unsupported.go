package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/compose-spec/compose-go/v2/types"
)

// keys is the part of the Compose schema stackctl honours: a key maps to
// the keys allowed below it, nil allows anything below, and "*" stands for
// any name (a network, a dependency).
type keys map[string]keys

var (
	anyValue    keys
	serviceKeys = keys{
		"build":             {"context": anyValue, "dockerfile": anyValue, "args": anyValue, "target": anyValue},
		"image":             anyValue,
		"command":           anyValue,
		"entrypoint":        anyValue,
		"environment":       anyValue,
		"env_file":          anyValue,
		"working_dir":       anyValue,
		"user":              anyValue,
		"container_name":    anyValue,
		"healthcheck":       anyValue,
		"depends_on":        {"*": {"condition": anyValue, "required": anyValue, "restart": anyValue}},
		"restart":           anyValue,
		"scale":             anyValue,
		"deploy":            {"mode": anyValue, "replicas": anyValue, "restart_policy": {"condition": anyValue, "max_attempts": anyValue}, "update_config": {"parallelism": anyValue, "order": anyValue, "monitor": anyValue, "failure_action": anyValue}},
		"ports":             {"mode": anyValue, "host_ip": anyValue, "target": anyValue, "published": anyValue, "protocol": anyValue, "name": anyValue, "app_protocol": anyValue},
		"expose":            anyValue,
		"networks":          {"*": {"aliases": anyValue}},
		"extra_hosts":       anyValue,
		"volumes":           {"type": anyValue, "source": anyValue, "target": anyValue, "read_only": anyValue, "bind": {"create_host_path": anyValue}, "volume": {}, "tmpfs": {}},
		"tmpfs":             anyValue,
		"labels":            anyValue,
		"label_file":        anyValue,
		"read_only":         anyValue,
		"cap_add":           anyValue,
		"cap_drop":          anyValue,
		"security_opt":      anyValue,
		"init":              anyValue,
		"stop_signal":       anyValue,
		"stop_grace_period": anyValue,
		"secrets":           {"source": anyValue, "target": anyValue, "uid": anyValue, "gid": anyValue, "mode": anyValue},
		"configs":           {"source": anyValue, "target": anyValue},
		"profiles":          anyValue,
	}
	projectKeys = keys{
		"name":     anyValue,
		"services": anyValue, // checked service by service
		"networks": {"*": {"name": anyValue, "driver": anyValue, "external": anyValue, "ipam": {}}},
		"volumes":  {"*": {"name": anyValue, "driver": anyValue, "external": anyValue}},
		"secrets":  {"*": {"name": anyValue, "file": anyValue}},
		"configs":  {"*": {"name": anyValue, "file": anyValue}},
	}
)

// reasons explain the refusals users are most likely to meet.
var reasons = map[string]string{
	"network_mode": "a service joins the stack's networks; use networks:",
	"privileged":   "stackctl does not run privileged containers; grant cap_add instead",
	"links":        "services reach each other by name on their networks",
	"mode":         "only replicated services run on one engine",
	"resources":    "resource limits are not applied yet",
	"placement":    "placement is for a swarm",
	"pull_policy":  "stackctl uses a local image, pulls a missing one and builds one with build:",
}

// refuseUnsupported names every key of the project that stackctl would
// otherwise ignore.
func refuseUnsupported(p *types.Project) error {
	var errs []error
	top, err := asMap(p)
	if err != nil {
		return err
	}
	delete(top, "services")
	errs = append(errs, check(top, projectKeys, "")...)
	for _, name := range sortedKeys(p.Services) {
		svc, err := asMap(p.Services[name])
		if err != nil {
			return err
		}
		errs = append(errs, check(svc, serviceKeys, "services."+name)...)
		if d := p.Services[name].Deploy; d != nil && d.Mode != "" && d.Mode != "replicated" {
			errs = append(errs, fmt.Errorf("services.%s.deploy.mode: %q is not supported: %s", name, d.Mode, reasons["mode"]))
		}
	}
	return errors.Join(errs...)
}

func asMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("read the resolved project: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read the resolved project: %w", err)
	}
	return m, nil
}

// check walks value against allowed and returns an error for each key
// that is set and not allowed.
func check(value any, allowed keys, at string) []error {
	var errs []error
	switch v := value.(type) {
	case map[string]any:
		names := sortedKeys(v)
		for _, k := range names {
			if isEmpty(v[k]) {
				continue
			}
			sub, ok := allowed[k]
			if !ok {
				sub, ok = allowed["*"]
			}
			where := k
			if at != "" {
				where = at + "." + k
			}
			if !ok {
				reason := reasons[k]
				if reason == "" {
					reason = "stackctl does not support it yet; remove it, or run the file with Docker Compose"
				}
				errs = append(errs, fmt.Errorf("%s: not supported: %s", where, reason))
				continue
			}
			if sub != nil {
				errs = append(errs, check(v[k], sub, where)...)
			}
		}
	case []any:
		for i, item := range v {
			errs = append(errs, check(item, allowed, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return errs
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() == 0
	case reflect.Bool:
		return !rv.Bool()
	}
	return false
}
