package stack

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// keys is the part of the Compose schema stackctl honours: a key maps to
// the keys allowed below it, nil allows anything below, and "*" stands for
// any name (a service, a network, a dependency). The items of a list share
// their keys. docs/compose-compatibility.md is generated from this table
// (see compatdoc.go).
type keys map[string]keys

var (
	anyValue    keys
	serviceKeys = keys{
		"build": {
			"context": anyValue, "dockerfile": anyValue, "dockerfile_inline": anyValue, "args": anyValue, "target": anyValue,
			"labels": anyValue, "tags": anyValue, "no_cache": anyValue, "pull": anyValue, "network": anyValue,
			"extra_hosts": anyValue, "shm_size": anyValue, "ulimits": anyValue, "platforms": anyValue,
			"cache_from": anyValue, "cache_to": anyValue, "isolation": anyValue, "entitlements": anyValue,
			"additional_contexts": anyValue, "privileged": anyValue, "no_cache_filter": anyValue, "provenance": anyValue, "sbom": anyValue,
			"secrets": {"source": anyValue, "target": anyValue}, "ssh": anyValue,
		},
		"image":          anyValue,
		"command":        anyValue,
		"entrypoint":     anyValue,
		"environment":    anyValue,
		"env_file":       anyValue,
		"working_dir":    anyValue,
		"user":           anyValue,
		"container_name": anyValue,
		"healthcheck":    anyValue,
		"depends_on":     {"*": {"condition": anyValue, "required": anyValue, "restart": anyValue}},
		"restart":        anyValue,
		"scale":          anyValue,
		"deploy": {"mode": anyValue, "replicas": anyValue, "endpoint_mode": anyValue, "labels": anyValue,
			"restart_policy":  {"condition": anyValue, "max_attempts": anyValue, "delay": anyValue, "window": anyValue},
			"update_config":   {"parallelism": anyValue, "order": anyValue, "monitor": anyValue, "failure_action": anyValue, "delay": anyValue, "max_failure_ratio": anyValue},
			"rollback_config": {"parallelism": anyValue, "order": anyValue, "monitor": anyValue, "failure_action": anyValue, "delay": anyValue, "max_failure_ratio": anyValue},
			"resources":       {"limits": limitKeys, "reservations": reservationKeys}},
		"develop":             anyValue,
		"ports":               {"mode": anyValue, "host_ip": anyValue, "target": anyValue, "published": anyValue, "protocol": anyValue, "name": anyValue, "app_protocol": anyValue},
		"expose":              anyValue,
		"networks":            {"*": {"aliases": anyValue, "ipv4_address": anyValue, "ipv6_address": anyValue, "mac_address": anyValue, "link_local_ips": anyValue, "priority": anyValue, "gw_priority": anyValue, "driver_opts": anyValue, "interface_name": anyValue, "use_service_name_alias": anyValue}},
		"network_mode":        anyValue,
		"extra_hosts":         anyValue,
		"volumes":             {"type": anyValue, "source": anyValue, "target": anyValue, "read_only": anyValue, "consistency": anyValue, "bind": {"create_host_path": anyValue, "propagation": anyValue, "selinux": anyValue, "recursive": anyValue}, "volume": {"nocopy": anyValue, "subpath": anyValue, "labels": anyValue}, "tmpfs": {"size": anyValue, "mode": anyValue}, "image": {"subpath": anyValue}},
		"volumes_from":        anyValue,
		"tmpfs":               anyValue,
		"labels":              anyValue,
		"label_file":          anyValue,
		"annotations":         anyValue,
		"read_only":           anyValue,
		"cap_add":             anyValue,
		"cap_drop":            anyValue,
		"security_opt":        anyValue,
		"privileged":          anyValue,
		"init":                anyValue,
		"stop_signal":         anyValue,
		"stop_grace_period":   anyValue,
		"secrets":             fileReferenceKeys,
		"configs":             fileReferenceKeys,
		"profiles":            anyValue,
		"attach":              anyValue,
		"platform":            anyValue,
		"runtime":             anyValue,
		"hostname":            anyValue,
		"domainname":          anyValue,
		"mac_address":         anyValue,
		"dns":                 anyValue,
		"dns_search":          anyValue,
		"dns_opt":             anyValue,
		"stdin_open":          anyValue,
		"tty":                 anyValue,
		"sysctls":             anyValue,
		"pid":                 anyValue,
		"ipc":                 anyValue,
		"uts":                 anyValue,
		"userns_mode":         anyValue,
		"cgroup":              anyValue,
		"cgroup_parent":       anyValue,
		"isolation":           anyValue,
		"mem_limit":           anyValue,
		"mem_reservation":     anyValue,
		"memswap_limit":       anyValue,
		"mem_swappiness":      anyValue,
		"cpus":                anyValue,
		"cpu_shares":          anyValue,
		"cpu_quota":           anyValue,
		"cpu_period":          anyValue,
		"cpuset":              anyValue,
		"cpu_count":           anyValue,
		"cpu_percent":         anyValue,
		"cpu_rt_period":       anyValue,
		"cpu_rt_runtime":      anyValue,
		"blkio_config":        anyValue,
		"pids_limit":          anyValue,
		"ulimits":             anyValue,
		"devices":             anyValue,
		"device_cgroup_rules": anyValue,
		"gpus":                anyValue,
		"shm_size":            anyValue,
		"storage_opt":         anyValue,
		"oom_score_adj":       anyValue,
		"oom_kill_disable":    anyValue,
		"group_add":           anyValue,
		"logging":             {"driver": anyValue, "options": anyValue},
		"links":               anyValue,
		"external_links":      anyValue,
		"pull_policy":         anyValue,
		"pull_refresh_after":  anyValue,
		"umask":               anyValue,
		"provider":            {"type": anyValue, "options": anyValue},
		"use_api_socket":      anyValue,
		"post_start":          hookKeys,
		"pre_stop":            hookKeys,
		"pre_start":           preStartKeys,
	}
	// limitKeys and reservationKeys are deploy.resources' limits and
	// reservations.
	limitKeys       = keys{"cpus": anyValue, "memory": anyValue, "pids": anyValue}
	reservationKeys = keys{"cpus": anyValue, "memory": anyValue, "devices": {"capabilities": anyValue, "driver": anyValue, "count": anyValue, "device_ids": anyValue, "options": anyValue}}
	// fileReferenceKeys are a service's reference to a secret or config.
	fileReferenceKeys = keys{"source": anyValue, "target": anyValue, "uid": anyValue, "gid": anyValue, "mode": anyValue}
	preStartKeys      = keys{"image": anyValue, "command": anyValue, "entrypoint": anyValue, "user": anyValue, "working_dir": anyValue, "environment": anyValue}
	hookKeys          = keys{"command": anyValue, "user": anyValue, "privileged": anyValue, "working_dir": anyValue, "environment": anyValue}
	projectKeys       = keys{
		"name":     anyValue,
		"services": {"*": serviceKeys},
		"networks": {"*": {"name": anyValue, "driver": anyValue, "external": anyValue, "internal": anyValue, "labels": anyValue, "enable_ipv4": anyValue, "enable_ipv6": anyValue, "attachable": anyValue, "driver_opts": anyValue,
			"ipam": {"driver": anyValue, "config": {"subnet": anyValue, "ip_range": anyValue, "gateway": anyValue, "aux_addresses": anyValue}, "options": anyValue}}},
		"volumes": {"*": {"name": anyValue, "driver": anyValue, "external": anyValue, "driver_opts": anyValue, "labels": anyValue}},
		"secrets": {"*": {"name": anyValue, "file": anyValue, "environment": anyValue, "labels": anyValue, "driver_opts": anyValue, "external": anyValue}},
		"configs": {"*": {"name": anyValue, "file": anyValue, "environment": anyValue, "content": anyValue, "labels": anyValue, "external": anyValue}},
	}
)

// lookup returns the keys allowed below key k, and the name the table
// knows k by: k itself, or "*" when k is a name.
func (allowed keys) lookup(k string) (sub keys, known string, ok bool) {
	if sub, ok := allowed[k]; ok {
		return sub, k, true
	}
	sub, ok = allowed["*"]
	return sub, "*", ok
}

// reasons explain the refusals users are most likely to meet, by the key's
// path in the schema ("*" for a name).
var reasons = map[string]string{
	"services.*.deploy.placement":                                "placement is for a swarm",
	"services.*.deploy.resources.reservations.generic_resources": "generic resources are advertised by a swarm's nodes; stackctl does not schedule on them",

	"services.*.credential_spec": "it is a Windows container's gMSA credential spec, which a Linux container has no use for; " +
		"Docker Compose passes it to no container either (only a swarm's Windows services take one): remove it",
	"jobs": "Docker Compose runs a job only through `docker compose run <job>`: its `up` starts none (and refuses scheduled ones); " +
		"stackctl runs no job: remove them, or run the file with Docker Compose",
	"models": noModels,

	// Docker Compose refuses these on one engine, naming them, when a
	// service uses the secret or config; a swarm would take them.
	"secrets.*.driver":          composeRefusesDriver("secrets.*.driver"),
	"secrets.*.template_driver": composeRefusesDriver("secrets.*.template_driver"),
	"configs.*.template_driver": composeRefusesDriver("configs.*.template_driver"),
	"services.*.models":         noModels,

	// What the engine's /build endpoint cannot carry (see build.go).
	"services.*.build.secrets.uid":  buildSecretMount,
	"services.*.build.secrets.gid":  buildSecretMount,
	"services.*.build.secrets.mode": buildSecretMount,
}

// noModels is why models are refused: Compose runs them with Docker
// Model Runner, through its docker CLI plugin, which no engine API offers.
const noModels = "models run in Docker Model Runner, which Docker Compose drives through the docker CLI plugin `docker model` " +
	"(no Docker Engine API serves them); stackctl does not: run the file with Docker Compose where Docker Model Runner is installed"

// composeRefusesExternal is why an external secret or config is refused
// on one engine.
func composeRefusesExternal(kind string) string {
	return "Docker Compose refuses an external " + kind + " on one engine (`unsupported external " + kind + "`), which keeps none; " +
		"stackctl refuses it there too: give it a file:, content: or environment:, or deploy to a swarm (--swarm), which references its existing " + kind
}

// composeRefusesDriver is why a secret's or config's (template) driver is
// refused.
func composeRefusesDriver(key string) string {
	return "Docker Compose refuses it on one engine (`Docker Compose does not support " + key + "`); " +
		"stackctl refuses it there too, and does not yet pass it to a swarm: remove it"
}

// onlyReplicated refuses a deploy.mode other than replicated.
const onlyReplicated = "only replicated services run on one engine"

// reason says why the key at path (as in reasons) is refused.
func reason(path string) string {
	if r, ok := reasons[path]; ok {
		return r
	}
	return "stackctl does not support it yet; remove it, or run the file with Docker Compose"
}

// refuseUnsupported names every key of the project that stackctl would
// otherwise ignore, and, unless for a swarm, every external secret and
// config: one engine has no store to reference them in.
func refuseUnsupported(p *types.Project, swarm bool) error {
	errs := checkKeys(reflect.ValueOf(asWritten(p)), projectKeys, "", "")
	if !swarm {
		for _, key := range sortedKeys(p.Secrets) {
			if p.Secrets[key].External {
				errs = append(errs, fmt.Errorf("secrets.%s.external: not supported: %s", key, composeRefusesExternal("secret")))
			}
		}
		for _, key := range sortedKeys(p.Configs) {
			if p.Configs[key].External {
				errs = append(errs, fmt.Errorf("configs.%s.external: not supported: %s", key, composeRefusesExternal("config")))
			}
		}
	}
	for _, name := range sortedKeys(p.Services) {
		if d := p.Services[name].Deploy; d != nil && d.Mode != "" && d.Mode != "replicated" {
			errs = append(errs, fmt.Errorf("services.%s.deploy.mode: %q is not supported: %s", name, d.Mode, onlyReplicated))
		}
	}
	return errors.Join(errs...)
}

// asWritten is p without what compose-go's loader derived rather than read:
// it fills a secret's or config's content from its environment variable,
// and the file wrote environment:, not content:.
func asWritten(p *types.Project) *types.Project {
	out := *p
	out.Secrets = make(types.Secrets, len(p.Secrets))
	for name, obj := range p.Secrets {
		out.Secrets[name] = types.SecretConfig(withoutEnvironmentContent(types.FileObjectConfig(obj)))
	}
	out.Configs = make(types.Configs, len(p.Configs))
	for name, obj := range p.Configs {
		out.Configs[name] = types.ConfigObjConfig(withoutEnvironmentContent(types.FileObjectConfig(obj)))
	}
	out.Services = make(types.Services, len(p.Services))
	for name, sc := range p.Services {
		sc.PreStart = withoutInherited(sc)
		out.Services[name] = sc
	}
	return &out
}

// withoutInherited is the service's pre_start hooks with what compose-go
// copied into them from the service cleared: a hook keeps only the keys
// it sets differently, the ones the table judges.
func withoutInherited(sc types.ServiceConfig) []types.PreStartHook {
	hooks := slices.Clone(sc.PreStart)
	service := reflect.ValueOf(sc.ContainerSpec)
	for i := range hooks {
		spec := reflect.ValueOf(&hooks[i].ContainerSpec).Elem()
		for f := range spec.NumField() {
			if reflect.DeepEqual(spec.Field(f).Interface(), service.Field(f).Interface()) {
				spec.Field(f).SetZero()
			}
		}
	}
	return hooks
}

func withoutEnvironmentContent(obj types.FileObjectConfig) types.FileObjectConfig {
	if obj.Environment != "" {
		obj.Content = ""
	}
	return obj
}
