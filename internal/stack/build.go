package stack

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// What the engine's builder cannot take is refused when the build runs,
// by the engine (internal/engine), not here: a file Compose accepts loads
// and plans on every engine. Here only what no engine could build.
const buildSecretMount = "a build secret is mounted as its RUN step's --mount=type=secret says"

// EntitlementInsecure is the entitlement build.privileged asks for.
const EntitlementInsecure = "security.insecure"

// fromBuild is the build of a service, with every key checked against what
// the engine's builder can do.
func fromBuild(p *types.Project, b *types.BuildConfig) (*Build, error) {
	out := &Build{
		Dockerfile:       cmp.Or(b.Dockerfile, "Dockerfile"),
		DockerfileInline: b.DockerfileInline,
		Target:           b.Target,
		Labels:           map[string]string(b.Labels),
		Tags:             slices.Clone(b.Tags),
		NoCache:          b.NoCache,
		NoCacheFilter:    slices.Clone(b.NoCacheFilter),
		Pull:             b.Pull,
		Network:          b.Network,
		ShmSize:          int64(b.ShmSize),
		Isolation:        b.Isolation,
	}
	if isRemoteContext(b.Context) {
		out.ContextURL = b.Context
	} else {
		out.Context = b.Context
	}
	if len(b.Args) > 0 {
		out.Args = map[string]string{}
		for k, v := range b.Args {
			if v != nil {
				out.Args[k] = *v
			}
		}
	}
	if b.ExtraHosts != nil {
		out.ExtraHosts = b.ExtraHosts.AsList(":")
		slices.Sort(out.ExtraHosts)
	}
	for _, name := range sortedKeys(b.Ulimits) {
		u := b.Ulimits[name]
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		out.Ulimits = append(out.Ulimits, Ulimit{Name: name, Soft: int64(soft), Hard: int64(hard)})
	}
	switch len(b.Platforms) {
	case 0:
	case 1:
		out.Platform = b.Platforms[0]
	default:
		out.Platforms = slices.Clone(b.Platforms)
	}
	for i, c := range b.CacheFrom {
		ref, err := cacheFromRef(c)
		if err != nil {
			return nil, fmt.Errorf("cache_from[%d]: %w", i, err)
		}
		out.CacheFrom = append(out.CacheFrom, ref)
	}
	for i, c := range b.CacheTo {
		if cacheType(c) != "inline" {
			return nil, fmt.Errorf("cache_to[%d]: %q: only type=inline: the engine's /build endpoint exports no cache "+
				"but the one it writes into the image", i, c)
		}
		out.InlineCache = true
	}
	for i, e := range b.Entitlements {
		if e != "network.host" && e != EntitlementInsecure {
			return nil, fmt.Errorf("entitlements[%d]: %q: a build may ask for network.host or %s", i, e, EntitlementInsecure)
		}
		if !slices.Contains(out.Entitlements, e) {
			out.Entitlements = append(out.Entitlements, e)
		}
	}
	slices.Sort(out.Entitlements)
	out.Privileged = b.Privileged
	for _, a := range []struct{ typ, value string }{{"provenance", b.Provenance}, {"sbom", b.SBOM}} {
		attest, err := attestOf(a.typ, a.value)
		if err != nil {
			return nil, err
		}
		if attest != "" {
			if out.Attests == nil {
				out.Attests = map[string]string{}
			}
			out.Attests[a.typ] = attest
		}
	}
	for name, value := range b.AdditionalContexts {
		if out.AdditionalContexts == nil {
			out.AdditionalContexts = map[string]string{}
		}
		out.AdditionalContexts[name] = additionalContext(p, value)
	}
	for i, s := range b.Secrets {
		secret, err := fromBuildSecret(p, s)
		if err != nil {
			return nil, fmt.Errorf("secrets[%d]: %w", i, err)
		}
		out.Secrets = append(out.Secrets, secret)
	}
	for _, k := range b.SSH {
		ssh := BuildSSH{ID: cmp.Or(k.ID, "default")}
		if k.Path != "" {
			ssh.Paths = []string{k.Path}
		}
		out.SSH = append(out.SSH, ssh)
	}
	// compose-go reads ssh through a map: its order is random.
	slices.SortFunc(out.SSH, func(a, b BuildSSH) int { return strings.Compare(a.ID, b.ID) })
	if out.ContextURL != "" && out.DockerfileInline != "" {
		return nil, fmt.Errorf("dockerfile_inline: goes into the build context, and %s is fetched by the engine", out.ContextURL)
	}
	return out, nil
}

// attestOf is the attest:<typ> attribute of build.provenance or
// build.sbom, as Compose hands them to buildx and buildx to BuildKit:
// "true" is the type alone, "false" (or nothing) none, anything else the
// type's options ("mode=max"), written sorted.
func attestOf(typ, value string) (string, error) {
	switch value {
	case "", "false":
		return "", nil
	case "true":
		return "type=" + typ, nil
	}
	opts := map[string]string{}
	for _, field := range strings.Split(value, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok || k == "" {
			return "", fmt.Errorf("%s: %q: give options as key=value, comma-separated (mode=max), or true", typ, value)
		}
		opts[k] = v
	}
	if d, ok := opts["disabled"]; ok {
		if disabled, err := strconv.ParseBool(d); err == nil && disabled {
			return "", nil
		}
		delete(opts, "disabled")
	}
	delete(opts, "type")
	out := "type=" + typ
	for _, k := range sortedKeys(opts) {
		out += "," + k + "=" + opts[k]
	}
	return out, nil
}

// additionalContext is a named context as the builder takes it: a
// directory absolute (compose-go resolves one against the project's
// directory when it resolves paths; this covers a load that does not),
// anything else as written.
func additionalContext(p *types.Project, value string) string {
	switch {
	case strings.HasPrefix(value, ServiceContextPrefix), strings.Contains(value, "://"), isRemoteContext(value), filepath.IsAbs(value):
		return value
	}
	return filepath.Join(p.WorkingDir, value)
}

// checkContextServices checks that none of the services whose images the
// build of service takes as additional contexts ("service:NAME") is built,
// however indirectly, on service's own image: they are built first.
// (compose-go checks that they exist.)
func checkContextServices(p *types.Project, service string) error {
	seen := map[string]bool{}
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		sc, ok := p.Services[name]
		if !ok || sc.Build == nil {
			return nil
		}
		for _, ctxName := range sortedKeys(sc.Build.AdditionalContexts) {
			dep, ok := strings.CutPrefix(sc.Build.AdditionalContexts[ctxName], ServiceContextPrefix)
			if !ok {
				continue
			}
			if dep == service {
				return fmt.Errorf("additional_contexts: %s is built on its own image: %s", service, strings.Join(append(path, dep), " -> "))
			}
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if err := visit(dep, append(path, dep)); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(service, []string{service})
}

// ServiceContextPrefix starts a named context that is another service's
// image.
const ServiceContextPrefix = "service:"

// fromBuildSecret is a build secret from the project's secrets: a file or
// an environment variable, mounted under its target's name (else its own).
func fromBuildSecret(p *types.Project, ref types.ServiceSecretConfig) (BuildSecret, error) {
	def, ok := p.Secrets[ref.Source]
	if !ok {
		return BuildSecret{}, fmt.Errorf("source: secret %q is not defined", ref.Source)
	}
	s := BuildSecret{ID: cmp.Or(ref.Target, ref.Source), File: def.File, Env: def.Environment}
	if s.File == "" && s.Env == "" {
		return BuildSecret{}, fmt.Errorf("source: secret %q: a build secret comes from a file or an environment variable", ref.Source)
	}
	return s, nil
}

// cacheFromRef is the image a cache_from entry names: a reference, or
// type=registry,ref=REF. The engine reads an image's inline cache from its
// own store first, so a local image serves without a registry.
func cacheFromRef(entry string) (string, error) {
	if !strings.Contains(entry, "=") {
		return entry, nil
	}
	if t := cacheType(entry); t != "registry" {
		return "", fmt.Errorf("%q: type=%s: only images (type=registry,ref=IMAGE or IMAGE): "+
			"the engine's /build endpoint imports no other kind of cache", entry, t)
	}
	for _, field := range strings.Split(entry, ",") {
		if ref, ok := strings.CutPrefix(field, "ref="); ok {
			return ref, nil
		}
	}
	return "", fmt.Errorf("%q: names no ref=", entry)
}

// cacheType is the type= of a cache entry (registry when it has none).
func cacheType(entry string) string {
	for _, field := range strings.Split(entry, ",") {
		if t, ok := strings.CutPrefix(field, "type="); ok {
			return t
		}
	}
	return "registry"
}

// isRemoteContext reports whether a build context is a URL the engine
// fetches, by the prefixes Compose itself tells them by.
func isRemoteContext(context string) bool {
	for _, prefix := range []string{"https://", "http://", "git://", "ssh://", "github.com/", "git@"} {
		if strings.HasPrefix(context, prefix) {
			return true
		}
	}
	return false
}

// sshShortForm is b with each ssh entry that has a path written as
// Compose's short form, "id=path": compose-go writes such an entry as
// `id: path`, which is no JSON value and which no loader reads back.
func sshShortForm(b *types.BuildConfig) *types.BuildConfig {
	if len(b.SSH) == 0 {
		return b
	}
	out := *b
	out.SSH = make(types.SSHConfig, len(b.SSH))
	for i, k := range b.SSH {
		if k.Path != "" {
			k = types.SSHKey{ID: k.ID + "=" + k.Path}
		}
		out.SSH[i] = k
	}
	return &out
}
