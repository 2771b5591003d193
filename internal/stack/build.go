package stack

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Why the build keys the engine cannot honour are refused. stackctl builds
// through the engine's /build endpoint (BuildKit where the engine has it),
// and what that endpoint cannot carry on API 1.41 is refused here, before
// anything is built.
const (
	// NoAdditionalContexts is why additional_contexts are refused.
	NoAdditionalContexts = "the engine's /build endpoint passes no named contexts to its BuildKit, " +
		"and the Dockerfile frontend of Docker 20.10's BuildKit has none (they came with dockerfile 1.4); " +
		"COPY from a stage of the Dockerfile, or build the other image first and name it in FROM"
	// NoEntitlements is why privileged, and entitlements but network.host,
	// are refused.
	NoEntitlements = "the engine's /build endpoint takes no entitlements: it grants network.host itself to a build with network: host, " +
		"and security.insecure cannot be asked for through it"
	noAttestations   = "the engine's BuildKit (Docker 20.10) makes no attestations"
	buildSecretMount = "a build secret is mounted as its RUN step's --mount=type=secret says"
)

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
		return nil, fmt.Errorf("platforms: %q: one platform at most: the engine stores one image per name, "+
			"and its /build endpoint builds one platform at a time", []string(b.Platforms))
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
		if e != "network.host" {
			return nil, fmt.Errorf("entitlements[%d]: %q: not supported: %s", i, e, NoEntitlements)
		}
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
