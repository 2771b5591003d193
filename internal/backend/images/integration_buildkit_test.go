package images_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// buildKitBase is the base of the tests' builds: a shell and coreutils
// (`make images` provides it).
const buildKitBase = "stackctl/bookworm-base"

// bkProject is a project name of these tests, bk-<test>-<hex>, whose
// images (all carry its label) go when the test ends.
func bkProject(t *testing.T) string {
	project := "bk" + strings.TrimPrefix(enginetest.ProjectName(t), "t")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := enginetest.RemoveProjectImages(ctx, project); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return project
}

// stepEngine is the engine, with every build step kept for the test.
type stepEngine struct {
	*engine.Client
	mu     sync.Mutex
	steps  []engine.BuildStep
	notice []string
}

func (e *stepEngine) ImageBuild(ctx context.Context, spec engine.BuildSpec, progress func(engine.BuildEvent)) (string, error) {
	return e.Client.ImageBuild(ctx, spec, func(ev engine.BuildEvent) {
		e.mu.Lock()
		if ev.Step != nil {
			e.steps = append(e.steps, *ev.Step)
		}
		if ev.Notice != "" {
			e.notice = append(e.notice, ev.Notice)
		}
		e.mu.Unlock()
		progress(ev)
	})
}

// takeSteps returns the steps ended so far, and forgets them.
func (e *stepEngine) takeSteps() []engine.BuildStep {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.DeleteFunc(e.steps, func(s engine.BuildStep) bool { return !s.Done })
	e.steps = nil
	return out
}

// stepNamed is the ended step whose name contains part.
func stepNamed(t *testing.T, steps []engine.BuildStep, part string) engine.BuildStep {
	t.Helper()
	for _, s := range steps {
		if strings.Contains(s.Name, part) {
			return s
		}
	}
	t.Fatalf("no step %q among %v", part, steps)
	return engine.BuildStep{}
}

// rawAPI is the SDK's client, for what the tests read that stackctl does
// not (an image's files, its layers, its history).
func rawAPI(t *testing.T) *client.Client {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return api
}

// readImageFile reads path from image ref.
func readImageFile(t *testing.T, ctx context.Context, api *client.Client, ref, path string) string {
	t.Helper()
	var content string
	withImageTar(t, ctx, api, ref, path, func(tr *tar.Reader) {
		if _, err := tr.Next(); err != nil {
			t.Fatalf("read %s of %s: %v", path, ref, err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		content = strings.TrimSpace(string(b))
	})
	return content
}

// withImageTar calls read with path of image ref as the engine archives
// it, through a container created (never started) for it and removed
// right after, so that it holds no image the test goes on to replace.
func withImageTar(t *testing.T, ctx context.Context, api *client.Client, ref, path string, read func(*tar.Reader)) {
	t.Helper()
	created, err := api.ContainerCreate(ctx, &container.Config{Image: ref, Cmd: []string{"true"}}, nil, nil, nil, "")
	if err != nil {
		t.Fatalf("create a container of %s: %v", ref, err)
	}
	defer func() {
		_ = api.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	}()
	rc, _, err := api.CopyFromContainer(ctx, created.ID, path)
	if err != nil {
		t.Fatalf("read %s of %s: %v", path, ref, err)
	}
	defer rc.Close()
	read(tar.NewReader(rc))
}

// buildStack is a stack of one service, app, built from b.
func buildStack(project string, b *stack.Build) *stack.Stack {
	return &stack.Stack{Project: project, Services: []stack.Service{{Name: "app", Image: project + "-app", Build: b}}}
}

// A cache mount keeps its content from one build to the next: the second
// build, of changed source, finds what the first wrote there.
func TestBuildKitCacheMountSurvivesFromOneBuildToTheNext(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + buildKitBase + "\n" +
			"COPY stamp /stamp\n" +
			"RUN --mount=type=cache,id=" + project + ",target=/cache " +
			"sh -c 'n=$(cat /cache/n 2>/dev/null || echo 0); echo $((n+1)) > /cache/n; cp /cache/n /seen'\n",
		"stamp": "one\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile"})
	store := images.New(cli, nil)
	api := rawAPI(t)
	for i, want := range []string{"1", "2"} {
		if i > 0 {
			writeFiles(t, dir, map[string]string{"stamp": "two\n"})
		}
		if err := store.Build(ctx, st, nil); err != nil {
			t.Fatal(err)
		}
		if got := readImageFile(t, ctx, api, st.Services[0].Image, "/seen"); got != want {
			t.Fatalf("build %d saw the cache mount's count at %q, want %q", i+1, got, want)
		}
	}
}

// A build secret, from a file and from the environment, is readable in the
// RUN step that mounts it, and in no layer of the image nor its history.
func TestBuildKitSecretIsReadableInItsStepAndInNoLayer(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	fileSecret, envSecret := randomHex(t), randomHex(t)
	t.Setenv("BK_TEST_TOKEN", envSecret)
	dir := t.TempDir()
	// The step names the project: BuildKit's cache does not key a step by
	// its secrets' values, so an earlier run's step would be taken.
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + buildKitBase + "\n" +
			"RUN --mount=type=secret,id=token --mount=type=secret,id=envtoken " +
			"sh -c 'echo " + project + "; sha256sum /run/secrets/token /run/secrets/envtoken | cut -c1-64 > /proof'\n",
		"token.txt": fileSecret,
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", Secrets: []stack.BuildSecret{
		{ID: "token", File: dir + "/token.txt"},
		{ID: "envtoken", Env: "BK_TEST_TOKEN"},
	}})
	ref := st.Services[0].Image
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	api := rawAPI(t)
	if got, want := readImageFile(t, ctx, api, ref, "/proof"), sha256Hex(fileSecret)+"\n"+sha256Hex(envSecret); got != want {
		t.Errorf("the RUN step read %q of its secrets, want the digests of both %q", got, want)
	}
	history, err := api.ImageHistory(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range history {
		if strings.Contains(h.CreatedBy, fileSecret) || strings.Contains(h.CreatedBy, envSecret) || strings.Contains(h.Comment, fileSecret) {
			t.Errorf("the image's history holds a secret: %q", h.CreatedBy)
		}
	}
	saved := saveImage(t, ctx, api, ref)
	for i, layer := range append([][]byte{saved.config}, saved.layers...) {
		if bytes.Contains(layer, []byte(fileSecret)) || bytes.Contains(layer, []byte(envSecret)) {
			t.Errorf("the saved image's %s holds a secret", map[bool]string{true: "configuration", false: fmt.Sprintf("layer %d", i)}[i == 0])
		}
	}
	if len(saved.layers) < 2 {
		t.Errorf("the saved image has %d layers, want the base's and the RUN step's", len(saved.layers))
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// dockerfile_inline, target, labels and tags reach the image; no_cache
// runs a step the cache holds.
func TestBuildKitInlineDockerfileTargetLabelsTagsAndNoCache(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nthis file is not the one built\n"})
	b := &stack.Build{
		Context: dir, Dockerfile: "Dockerfile",
		DockerfileInline: "FROM " + buildKitBase + " AS first\n" +
			"RUN echo " + project + "-first > /which\n" +
			"FROM " + buildKitBase + " AS second\n" +
			"RUN echo second > /which\n",
		Target: "first",
		Labels: map[string]string{"org.example.bk": project},
		Tags:   []string{project + "-extra:1"},
	}
	st := buildStack(project, b)
	ref := st.Services[0].Image
	eng := &stepEngine{Client: cli}
	store := images.New(eng, nil)
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	first := eng.takeSteps()
	if got := readImageFile(t, ctx, rawAPI(t), ref, "/which"); got != project+"-first" {
		t.Errorf("/which is %q: the build did not stop at target first of the inline Dockerfile", got)
	}
	for _, s := range first {
		if strings.Contains(s.Name, "echo second") {
			t.Errorf("the build ran %q, beyond its target", s.Name)
		}
	}
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if img.Labels["org.example.bk"] != project || img.Labels[stack.LabelProject] != project ||
		img.Labels[stack.LabelComposeProject] != project || img.Labels[stack.LabelComposeService] != st.Services[0].Name ||
		img.Labels[stack.LabelComposeVersion] != stack.ComposeVersion {
		t.Errorf("labels %v, want the file's, the project's and Compose's project, service and version", img.Labels)
	}
	extra, err := cli.ImageInspect(ctx, project+"-extra:1")
	if err != nil || extra.ID != img.ID {
		t.Errorf("the extra tag names %q (%v), want %s", extra.ID, err, img.ID)
	}

	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if s := stepNamed(t, eng.takeSteps(), "echo "+project+"-first"); !s.Cached {
		t.Errorf("a rebuild ran %q instead of taking it from the cache", s.Name)
	}
	b.NoCache = true
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if s := stepNamed(t, eng.takeSteps(), "echo "+project+"-first"); s.Cached {
		t.Errorf("no_cache took %q from the cache", s.Name)
	}
}

// A failing step fails the build naming the service, its Dockerfile and
// the step, with the step's own output.
func TestBuildKitFailingStepNamesTheServiceTheStepAndItsLog(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + buildKitBase + "\n" +
			"RUN sh -c 'echo " + project + " is about to fail; exit 7'\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile"})
	var out bytes.Buffer
	err := images.New(cli, progress.NewRenderer(&out, progress.Plain, false)).Build(ctx, st, nil)
	if err == nil {
		t.Fatal("the build succeeded")
	}
	t.Logf("the error:\n%v", err)
	for _, want := range []string{
		"service app (" + dir + "/Dockerfile)",
		"at [2/2] RUN sh -c 'echo " + project + " is about to fail; exit 7'",
		"exit code: 7",
		"--- output of the failing step ---\n" + project + " is about to fail",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q", want)
		}
	}
	if !strings.Contains(out.String(), "step failed") {
		t.Errorf("the progress does not show the failed step:\n%s", out.String())
	}
}

// RUN --mount of the bind and tmpfs kinds: a file of the context and a
// directory of another stage are read where they are mounted and are in no
// layer; a tmpfs is empty at each step and gone after it.
func TestBuildKitBindAndTmpfsMounts(t *testing.T) {
	cli := enginetest.Connect(t)
	api := rawAPI(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"input.txt": "context-" + project + "\n",
		"Dockerfile": "FROM " + buildKitBase + " AS data\n" +
			"RUN mkdir /d && echo stage-" + project + " > /d/f\n" +
			"FROM " + buildKitBase + "\n" +
			"RUN --mount=type=bind,source=input.txt,target=/in/input.txt " +
			"--mount=type=bind,from=data,source=/d,target=/fromstage " +
			"--mount=type=tmpfs,target=/scratch " +
			"sh -c 'cat /in/input.txt /fromstage/f > /out.txt && touch /scratch/x && mountpoint -q /scratch'\n" +
			"RUN --mount=type=tmpfs,target=/scratch sh -c 'test ! -e /scratch/x && test ! -e /in/input.txt && test ! -e /fromstage/f'\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile"})
	if err := images.New(cli, progress.NewRenderer(io.Discard, progress.Plain, false)).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := readImageFile(t, ctx, api, project+"-app", "/out.txt"), "context-"+project+"\nstage-"+project; got != want {
		t.Errorf("/out.txt = %q, want %q: what the bind mounts showed", got, want)
	}
}

// A `# syntax=` directive whose frontend image the engine cannot pull fails
// the build naming the service, the directive and the image, and what to do.
func TestBuildKitUnreachableSyntaxFrontendSaysWhatToDo(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	// .invalid never resolves (RFC 2606): no engine pulls it.
	frontend := "stackctl.invalid/" + project + "-frontend:1"
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "# syntax=" + frontend + "\nFROM " + buildKitBase + "\nRUN true\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile"})
	err := images.New(cli, progress.NewRenderer(io.Discard, progress.Plain, false)).Build(ctx, st, nil)
	if err == nil {
		t.Fatal("the build succeeded")
	}
	t.Logf("the error:\n%v", err)
	for _, want := range []string{
		"service app (" + dir + "/Dockerfile): its directive `# syntax=" + frontend + "`",
		"the Dockerfile frontend image " + frontend + ", which the engine could not pull",
		"remove the directive to build with the engine's own Dockerfile frontend",
		"failed at resolve image config for ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q", want)
		}
	}
}

// With BuildKit turned off, a Dockerfile that needs it fails saying so,
// and the progress says once which builder builds and why.
func TestClassicBuilderRefusesADockerfileThatNeedsBuildKit(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "0")
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + buildKitBase + "\nRUN --mount=type=cache,target=/cache echo " + project + "\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile"})
	var out bytes.Buffer
	err := images.New(cli, progress.NewRenderer(&out, progress.Plain, false)).Build(ctx, st, nil)
	if err == nil {
		t.Fatal("the classic builder built a RUN --mount")
	}
	t.Logf("the error:\n%v", err)
	if !errors.Is(err, engine.ErrNeedsBuildKit) {
		t.Errorf("the error is not engine.ErrNeedsBuildKit")
	}
	for _, want := range []string{"service app", "uses --mount, which needs BuildKit", "DOCKER_BUILDKIT=0 turns BuildKit off"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q", want)
		}
	}
	if !strings.Contains(out.String(), "notice  building with the classic builder: DOCKER_BUILDKIT=0 turns BuildKit off") {
		t.Errorf("the progress does not say which builder builds:\n%s", out.String())
	}
}
