package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// What the /build endpoint cannot carry goes to BuildKit's own API, as the
// Dockerfile frontend's attributes and the solve's options buildx sets.
func TestSolveOptionsCarryNamedContextsPlatformsAndEntitlements(t *testing.T) {
	ctxDir, extra := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(ctxDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := BuildSpec{
		ContextDir: ctxDir, Dockerfile: "sub/Dockerfile", Tag: "p-app", ExtraTags: []string{"p-app:v1"},
		Args: map[string]string{"A": "1"}, Labels: map[string]string{"l": "v"}, Target: "final", NoCache: true,
		NamedContexts: map[string]string{"extra": extra, "base": "docker-image://p-base"},
		Platforms:     []string{"linux/amd64", "linux/arm64"},
		Entitlements:  []string{"network.host"}, Privileged: true,
		ExtraHosts: []string{"db.example:10.0.0.1"},
	}
	if !needsSolve(spec) {
		t.Fatal("needsSolve = false for named contexts, platforms and entitlements")
	}
	opt, cleanup, err := solveOptions(spec)
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"filename": "Dockerfile", "target": "final", "build-arg:A": "1", "label:l": "v", "no-cache": "",
		"context:extra": "local:extra", "context:base": "docker-image://p-base",
		"platform": "linux/amd64,linux/arm64", "add-hosts": "db.example=10.0.0.1",
	}
	for k, v := range want {
		if got, ok := opt.FrontendAttrs[k]; !ok || got != v {
			t.Errorf("attribute %s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	for _, name := range []string{"context", "dockerfile", "extra"} {
		if _, ok := opt.LocalMounts[name]; !ok {
			t.Errorf("no local mount %q: have %v", name, opt.LocalMounts)
		}
	}
	if _, ok := opt.LocalMounts["base"]; ok {
		t.Error("an image reference was mounted as a directory")
	}
	if got := strings.Join(opt.AllowedEntitlements, ","); got != "network.host,"+stack.EntitlementInsecure {
		t.Errorf("entitlements = %q, want network.host and security.insecure (privileged)", got)
	}
	if len(opt.Exports) != 1 || opt.Exports[0].Type != "moby" || opt.Exports[0].Attrs["name"] != "p-app,p-app:v1" {
		t.Errorf("exports = %+v, want the engine's image store, named p-app and p-app:v1", opt.Exports)
	}
}

// A per-stage no-cache goes through BuildKit's API as buildx passes
// --no-cache-filter: the frontend's no-cache attribute, naming the stages.
// no_cache, all stages, wins over it.
func TestSolveOptionsCarryTheNoCacheFilter(t *testing.T) {
	spec := BuildSpec{ContextDir: t.TempDir(), Tag: "p-ncf", NoCacheFilter: []string{"deps", "app"}}
	if !needsSolve(spec) {
		t.Fatal("needsSolve = false for a no-cache filter")
	}
	opt, cleanup, err := solveOptions(spec)
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := opt.FrontendAttrs["no-cache"]; !ok || got != "deps,app" {
		t.Errorf("attribute no-cache = %q (set %v), want \"deps,app\"", got, ok)
	}
	spec.NoCache = true
	opt, cleanup2, err := solveOptions(spec)
	defer cleanup2()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := opt.FrontendAttrs["no-cache"]; !ok || got != "" {
		t.Errorf("with no_cache too, attribute no-cache = %q (set %v), want \"\" (every stage)", got, ok)
	}
}

func TestSolveOptionsWriteAnInlineDockerfileAndRemoveIt(t *testing.T) {
	spec := BuildSpec{ContextDir: t.TempDir(), DockerfileInline: "FROM scratch\n", Tag: "p-inline", Platforms: []string{"linux/amd64", "linux/arm64"}}
	opt, cleanup, err := solveOptions(spec)
	if err != nil {
		t.Fatal(err)
	}
	if opt.FrontendAttrs["filename"] != "Dockerfile" || opt.LocalMounts["dockerfile"] == nil {
		t.Fatalf("attributes %v, mounts %v: want the inline Dockerfile mounted as dockerfile", opt.FrontendAttrs, opt.LocalMounts)
	}
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "stackctl-dockerfile-*"))
	cleanup()
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "stackctl-dockerfile-*"))
	if len(after) >= len(matches) {
		t.Errorf("the inline Dockerfile's directory stays after cleanup: %v", after)
	}
}

// Where the engine cannot build what the file asks, the build is refused
// before anything is sent, naming the key, the engine and what is needed.
func TestBuildKitRefusesNamedContextsOnAnEngineBeforeAPI142(t *testing.T) {
	f := &fakeEngine{version: "1.41"}
	cli := f.client(t)
	t.Setenv("DOCKER_BUILDKIT", "")
	_, err := cli.ImageBuild(context.Background(), BuildSpec{ContextDir: t.TempDir(), Tag: "p-nc",
		NamedContexts: map[string]string{"base": "docker-image://p-base"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "build image p-nc: build.additional_contexts: the engine at ") ||
		!strings.Contains(err.Error(), "(API 1.41) builds with a BuildKit whose Dockerfile frontend has no named contexts: they need an engine of API 1.42") {
		t.Errorf("error %v, want named contexts refused on API 1.41", err)
	}
	for _, seen := range f.seen {
		if strings.HasPrefix(seen, "POST /build") || strings.HasPrefix(seen, "POST /grpc") {
			t.Errorf("the refused build reached the engine: %s", seen)
		}
	}
}

func TestTheClassicBuilderRefusesWhatOnlyBuildKitsAPICarries(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "0")
	cli := (&fakeEngine{version: "1.41"}).client(t)
	for _, tt := range []struct {
		spec BuildSpec
		want string
	}{
		{BuildSpec{Tag: "p", NamedContexts: map[string]string{"a": "/x"}}, "build.additional_contexts needs BuildKit"},
		{BuildSpec{Tag: "p", Platforms: []string{"linux/amd64", "linux/arm64"}}, "building several platforms needs BuildKit"},
		{BuildSpec{Tag: "p", NoCacheFilter: []string{"app"}}, "build.no_cache_filter needs BuildKit"},
		{BuildSpec{Tag: "p", Privileged: true}, "build.privileged needs BuildKit"},
		{BuildSpec{Tag: "p", Entitlements: []string{stack.EntitlementInsecure}}, "build.entitlements needs BuildKit"},
	} {
		_, err := cli.ImageBuild(context.Background(), tt.spec, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want+", and DOCKER_BUILDKIT=0 turns BuildKit off") {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// Attestations go to BuildKit as buildx passes them: the frontend's
// attest:<type> attributes; the classic builder cannot make them.
func TestSolveOptionsCarryTheAttestations(t *testing.T) {
	spec := BuildSpec{ContextDir: t.TempDir(), Tag: "p-att", Attests: map[string]string{"provenance": "type=provenance,mode=max", "sbom": "type=sbom"}}
	if !needsSolve(spec) {
		t.Fatal("needsSolve = false for attestations")
	}
	if got := classicCannot(spec); got != "build.provenance" {
		t.Errorf("classicCannot = %q, want build.provenance", got)
	}
	opt, cleanup, err := solveOptions(spec)
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"attest:provenance": "type=provenance,mode=max", "attest:sbom": "type=sbom"} {
		if got, ok := opt.FrontendAttrs[k]; !ok || got != v {
			t.Errorf("attribute %s = %q (set %v), want %q", k, got, ok, v)
		}
	}
}
