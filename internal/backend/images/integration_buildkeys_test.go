package images_test

import (
	"archive/tar"
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// The keys that set what a RUN step sees reach it: extra_hosts, and
// shm_size and ulimits where the engine hands them to BuildKit (API 1.42),
// else on the classic builder, while BuildKit refuses them rather than drop
// them; and a context given as a tarball's URL is fetched by the engine.
func TestBuildKitPassesTheRunSettingsAndARemoteContext(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)

	// The context, as a tarball served on this machine's loopback, which
	// the engine (on this machine) fetches.
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	dockerfile := "FROM " + buildKitBase + "\n" +
		"RUN echo " + project + " && grep -w bk-db.example /etc/hosts > /hosts && df -k /dev/shm | tail -1 > /shm && ulimit -n > /nofile\n"
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(dockerfile)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:18331")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-tar")
		_, _ = w.Write(tarball.Bytes())
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	b := &stack.Build{
		ContextURL: "http://127.0.0.1:18331/context.tar", Dockerfile: "Dockerfile",
		ExtraHosts: []string{"bk-db.example:10.1.2.3"},
		ShmSize:    96 << 20,
		Ulimits:    []stack.Ulimit{{Name: "nofile", Soft: 1234, Hard: 2345}},
	}
	st := buildStack(project, b)
	if versions.LessThan(cli.APIVersion(), "1.42") {
		err := images.New(cli, nil).Build(ctx, st, nil)
		if err == nil || !strings.Contains(err.Error(), "shm_size and ulimits: the engine at "+cli.Host()+" (API "+cli.APIVersion()+") does not hand them to BuildKit's RUN steps") {
			t.Fatalf("BuildKit build with shm_size and ulimits on API %s: %v, want a refusal", cli.APIVersion(), err)
		}
		t.Setenv("DOCKER_BUILDKIT", "0")
	}
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	api := rawAPI(t)
	ref := st.Services[0].Image
	if got := readImageFile(t, ctx, api, ref, "/hosts"); !strings.HasPrefix(got, "10.1.2.3") {
		t.Errorf("/etc/hosts of the step: %q, want bk-db.example at 10.1.2.3", got)
	}
	if got := strings.Fields(readImageFile(t, ctx, api, ref, "/shm")); len(got) < 2 || got[1] != "98304" {
		t.Errorf("df of the step's /dev/shm: %q, want 98304 1K-blocks (96 MB)", got)
	}
	if got := readImageFile(t, ctx, api, ref, "/nofile"); got != "1234" {
		t.Errorf("the step's ulimit -n is %q, want 1234", got)
	}

	// BuildKit, without the settings it would drop.
	t.Setenv("DOCKER_BUILDKIT", "1")
	b.ShmSize, b.Ulimits = 0, nil
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if got := readImageFile(t, ctx, api, ref, "/hosts"); !strings.HasPrefix(got, "10.1.2.3") {
		t.Errorf("/etc/hosts of the BuildKit step: %q, want bk-db.example at 10.1.2.3", got)
	}
}

// cache_to type=inline writes the build's cache into the image's config,
// where cache_from finds it; platforms builds the one platform named.
func TestBuildKitInlineCacheAndPlatform(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY stamp /stamp\n",
		"stamp":      project + "\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", InlineCache: true, Platform: "linux/amd64"})
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	api := rawAPI(t)
	ref := st.Services[0].Image
	inspect, err := api.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if inspect.Os != "linux" || inspect.Architecture != "amd64" {
		t.Errorf("the image is %s/%s, want linux/amd64", inspect.Os, inspect.Architecture)
	}
	if config := saveImage(t, ctx, api, ref).config; !bytes.Contains(config, []byte(`"moby.buildkit.cache.v0"`)) {
		t.Errorf("the image's config holds no inline cache:\n%s", config)
	}

	// Another image of the same context, with the first as its cache.
	other := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", CacheFrom: []string{ref}})
	other.Services[0].Image = project + "-other"
	if err := images.New(cli, nil).Build(ctx, other, nil); err != nil {
		t.Fatalf("a build with cache_from the inline-cached image: %v", err)
	}
}

// network: host runs the RUN steps in the host's network namespace, which
// has the engine's bridge; the default network has not.
func TestBuildKitNetworkHost(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + buildKitBase + "\nRUN echo " + project + " && cat /proc/net/dev > /netdev\n",
	})
	api := rawAPI(t)
	for _, network := range []string{"host", ""} {
		st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", Network: network})
		st.Services[0].Image = project + "-net" + network
		if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
			t.Fatalf("network %q: %v", network, err)
		}
		netdev := readImageFile(t, ctx, api, st.Services[0].Image, "/netdev")
		if got := strings.Contains(netdev, "docker0:"); got != (network == "host") {
			t.Errorf("network %q: the step sees the engine's bridge docker0: %v\n%s", network, got, netdev)
		}
	}
}

// A context given as a Git URL is cloned by the engine: here a repository
// this test serves over git's plain HTTP protocol, at a branch the URL
// names.
func TestBuildKitBuildsFromAGitURL(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	work := t.TempDir()
	writeFiles(t, work, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY stamp /stamp\n",
		"stamp":      project + "\n",
	})
	served := t.TempDir()
	bare := filepath.Join(served, "repo.git")
	for _, args := range [][]string{
		{"-C", work, "init", "-q", "-b", "bk-branch"},
		{"-C", work, "add", "."},
		{"-C", work, "-c", "user.name=bk", "-c", "user.email=bk@example.invalid", "commit", "-q", "-m", "context"},
		{"clone", "-q", "--bare", work, bare},
		{"-C", bare, "update-server-info"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:18332")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(served))}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	st := buildStack(project, &stack.Build{ContextURL: "http://127.0.0.1:18332/repo.git#bk-branch", Dockerfile: "Dockerfile"})
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if got := readImageFile(t, ctx, rawAPI(t), st.Services[0].Image, "/stamp"); got != project {
		t.Errorf("/stamp is %q, want the repository's %q", got, project)
	}
}
