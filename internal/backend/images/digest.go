package images

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// imageDigest is the digest of what makes b's image, the label by which a
// later up tells whether the image must be built again: its context (a
// directory by its content, a URL by its text), its additional contexts
// (contextIDs are the IDs of the service images among them), and the
// keys that make another image.
func imageDigest(b *stack.Build, contextIDs map[string]string) (string, error) {
	digest := b.ContextURL
	if b.ContextURL == "" {
		var err error
		if digest, err = engine.ContextDigest(b.Context, b.Dockerfile); err != nil {
			return "", err
		}
	}
	extra, err := contextsDigest(b, contextIDs)
	if err != nil {
		return "", err
	}
	return buildDigest(digest, b, extra), nil
}

// buildDigest adds to its context's digest what else of the build makes
// another image: its arguments, target, the Dockerfile it reads (by name,
// or given inline), labels, names and the settings its RUN steps see. The
// cache's settings, pull, the secrets and ssh do not (digest_test.go says
// why of each key). A build with none of these keeps its context's
// digest, and one with only arguments and a target the digest it had
// before the others were honoured, so no image is rebuilt for nothing.
func buildDigest(contextDigest string, b *stack.Build, contexts string) string {
	extra := buildExtras(b) + contexts
	if len(b.Args) == 0 && b.Target == "" && extra == "" {
		return contextDigest
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\ntarget=%s\n", contextDigest, b.Target)
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		fmt.Fprintf(h, "arg %s=%s\n", k, b.Args[k])
	}
	h.Write([]byte(extra))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// buildExtras is the part of buildDigest the later build keys make ("" when
// none is set).
func buildExtras(b *stack.Build) string {
	var w strings.Builder
	field := func(name string, value any) {
		if v := fmt.Sprint(value); v != "" && v != "0" && v != "[]" && v != "false" && v != "map[]" {
			fmt.Fprintf(&w, "%s=%s\n", name, v)
		}
	}
	// The context holds every Dockerfile in it, so its digest does not say
	// which one the build reads: the name does. The default name adds
	// nothing, so that the builds that use it keep their digests.
	if name := filepath.ToSlash(filepath.Clean(b.Dockerfile)); name != "Dockerfile" && name != "." {
		field("dockerfile", name)
	}
	field("dockerfile_inline", b.DockerfileInline)
	// A label without a value is a label still.
	for _, k := range slices.Sorted(maps.Keys(b.Labels)) {
		fmt.Fprintf(&w, "label %s=%s\n", k, b.Labels[k])
	}
	// The same names in another order make the same image.
	field("tags", slices.Compact(slices.Sorted(slices.Values(b.Tags))))
	field("network", b.Network)
	field("extra_hosts", b.ExtraHosts)
	field("shm_size", b.ShmSize)
	field("ulimits", b.Ulimits)
	field("platform", b.Platform)
	field("isolation", b.Isolation)
	field("inline_cache", b.InlineCache)
	field("platforms", b.Platforms)
	field("entitlements", b.Entitlements)
	field("privileged", b.Privileged)
	for _, k := range slices.Sorted(maps.Keys(b.Attests)) {
		field("attest "+k, b.Attests[k])
	}
	return w.String()
}

// contextsDigest is the part of buildDigest the additional contexts make:
// each one's name and what it holds: a directory's digest (not its path,
// as for the build's context: the checkout may move), a service's image
// (its reference and ID, from ids). A reference the builder resolves
// counts by its text.
func contextsDigest(b *stack.Build, ids map[string]string) (string, error) {
	var w strings.Builder
	for _, name := range slices.Sorted(maps.Keys(b.AdditionalContexts)) {
		value, content := b.AdditionalContexts[name], ids[name]
		if filepath.IsAbs(value) {
			d, err := engine.ContextDigest(value, "")
			if err != nil {
				return "", fmt.Errorf("additional context %s: %w", name, err)
			}
			value, content = "directory", d
		}
		fmt.Fprintf(&w, "context %s=%s %s\n", name, value, content)
	}
	return w.String(), nil
}
