package images_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// The builds of these tests start FROM scratch: every engine can make
// them without pulling, the current one included, which has none of the
// tests' base images.

// additional_contexts: a directory and another service's image, which is
// built first. Engines before API 1.42 refuse them when the build runs,
// naming the service, the key and the engine; later ones build them.
func TestBuildAdditionalContextsADirectoryAndAService(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	baseDir, appDir, extraDir := t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, baseDir, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n", "hello.txt": "hello from base\n"})
	writeFiles(t, extraDir, map[string]string{"extra.txt": "from the extra context\n"})
	writeFiles(t, appDir, map[string]string{"Dockerfile": "FROM base\nCOPY --from=extra extra.txt /extra.txt\n"})
	st := &stack.Stack{Project: project, Services: []stack.Service{
		{Name: "app", Image: project + "-app", Build: &stack.Build{Context: appDir, Dockerfile: "Dockerfile",
			AdditionalContexts: map[string]string{"base": "service:base", "extra": extraDir}}},
		{Name: "base", Image: project + "-base", Build: &stack.Build{Context: baseDir, Dockerfile: "Dockerfile"}},
	}}
	// Only app asked for: base is built too, first.
	err := images.New(cli, nil).Build(ctx, st, []string{"app"})
	if versions.LessThan(cli.APIVersion(), "1.42") {
		want := "service app (" + filepath.Join(appDir, "Dockerfile") + "): build image " + project + "-app: build.additional_contexts: " +
			"the engine at " + cli.Host() + " (Docker "
		if err == nil || !strings.HasPrefix(err.Error(), want) ||
			!strings.Contains(err.Error(), ", API "+cli.APIVersion()+") builds with a BuildKit whose Dockerfile frontend has no named contexts: "+
				"they need an engine of API 1.42 (Docker Engine 23.0) or later") {
			t.Fatalf("build on API %s: %v, want a refusal starting %q", cli.APIVersion(), err, want)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	api := rawAPI(t)
	if got := readImageFile(t, ctx, api, project+"-app", "/hello.txt"); got != "hello from base" {
		t.Errorf("/hello.txt = %q, want base's", got)
	}
	if got := readImageFile(t, ctx, api, project+"-app", "/extra.txt"); got != "from the extra context" {
		t.Errorf("/extra.txt = %q, want the extra context's", got)
	}
}

// Several platforms: into one image where the engine stores such images
// (the containerd image store), else refused when the build runs.
func TestBuildSeveralPlatforms(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nARG TARGETPLATFORM\nCOPY Dockerfile /for-$TARGETPLATFORM\n"})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", Platforms: []string{"linux/amd64", "linux/arm64"}})
	err := images.New(cli, nil).Build(ctx, st, nil)
	containerd, infoErr := cli.ContainerdImageStore(ctx)
	if infoErr != nil {
		t.Fatal(infoErr)
	}
	if !containerd {
		want := "build.platforms: [\"linux/amd64\" \"linux/arm64\"]: the engine at " + cli.Host() + " (Docker "
		if err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "stores one platform's image per name: several need an engine with the containerd image store") {
			t.Fatalf("build of two platforms without the containerd image store: %v, want a refusal containing %q", err, want)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	img, err := rawAPI(t).ImageInspect(ctx, project+"-app", client.ImageInspectWithManifests(true))
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, m := range img.Manifests {
		if m.ImageData != nil {
			platforms = append(platforms, m.ImageData.Platform.OS+"/"+m.ImageData.Platform.Architecture)
		}
	}
	slices.Sort(platforms)
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("the image is for %v, want linux/amd64 and linux/arm64", platforms)
	}
}

// Entitlements reach the engine's BuildKit: network.host, which engines
// grant by default, builds; security.insecure (build.privileged), which
// they grant only when their daemon.json says so, is refused with the
// engine's words and how to allow it.
func TestBuildEntitlements(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY Dockerfile /\n"})
	store := images.New(cli, nil)

	host := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", Network: "host", Entitlements: []string{"network.host"}})
	if err := store.Build(ctx, host, nil); err != nil {
		t.Fatalf("build with the network.host entitlement: %v", err)
	}

	privileged := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", Privileged: true})
	err := store.Build(ctx, privileged, nil)
	want := "build.privileged: the engine at " + cli.Host() + " (Docker "
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "refused the security.insecure entitlement") ||
		!strings.Contains(err.Error(), `its daemon.json must allow it ("builder": {"entitlements": {"security-insecure": true}})`) {
		t.Fatalf("build with privileged: %v, want the engine's refusal containing %q", err, want)
	}
}
