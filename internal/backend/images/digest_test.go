package images

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackctl/stackctl/internal/stack"
)

// digestInput is a change of one build key: the fields of stack.Build the
// key becomes, the build it starts from (from, when not the plain one),
// and the change. same says why the change makes no other image, so the
// digest must stay; "" means it makes another one, so the digest must
// change.
type digestInput struct {
	key    string
	fields []string
	from   func(b *stack.Build, dirs digestDirs)
	change func(b *stack.Build, dirs digestDirs)
	same   string
}

// digestDirs are the directories the inputs point at: ctx (the context,
// with a Dockerfile and other.Dockerfile), ctxCopy (the same files
// elsewhere), ctxOther (other files), extra and extraCopy (an additional
// context and its copy).
type digestDirs struct {
	ctx, ctxCopy, ctxOther, extra, extraCopy string
}

// digestInputs are the keys of a service's build (compose-go's
// types.BuildConfig, by YAML name): each either makes another image and
// counts in the digest, or does not and says why.
var digestInputs = []digestInput{
	{key: "context", fields: []string{"Context"},
		change: func(b *stack.Build, d digestDirs) { b.Context = d.ctxOther }},
	{key: "context", fields: []string{"Context"}, same: "a directory counts by its content: the checkout may move",
		change: func(b *stack.Build, d digestDirs) { b.Context = d.ctxCopy }},
	{key: "context", fields: []string{"ContextURL"},
		change: func(b *stack.Build, _ digestDirs) { b.Context, b.ContextURL = "", "https://example.com/app.git" }},
	{key: "context", fields: []string{"ContextURL"},
		from:   func(b *stack.Build, _ digestDirs) { b.Context, b.ContextURL = "", "https://example.com/app.git" },
		change: func(b *stack.Build, _ digestDirs) { b.ContextURL = "https://example.com/app.git#v2" }},
	{key: "dockerfile", fields: []string{"Dockerfile"},
		change: func(b *stack.Build, _ digestDirs) { b.Dockerfile = "other.Dockerfile" }},
	{key: "dockerfile", fields: []string{"Dockerfile"},
		from:   func(b *stack.Build, _ digestDirs) { b.Dockerfile = "other.Dockerfile" },
		change: func(b *stack.Build, _ digestDirs) { b.Dockerfile = "Dockerfile" }},
	{key: "dockerfile", fields: []string{"Dockerfile"},
		from:   func(b *stack.Build, _ digestDirs) { b.Context, b.ContextURL = "", "https://example.com/app.git" },
		change: func(b *stack.Build, _ digestDirs) { b.Dockerfile = "other.Dockerfile" }},
	{key: "dockerfile", fields: []string{"Dockerfile"}, same: "the same file, named otherwise",
		change: func(b *stack.Build, _ digestDirs) { b.Dockerfile = "./Dockerfile" }},
	{key: "dockerfile_inline", fields: []string{"DockerfileInline"},
		change: func(b *stack.Build, _ digestDirs) { b.DockerfileInline = "FROM scratch\n" }},
	{key: "dockerfile_inline", fields: []string{"DockerfileInline"},
		from:   func(b *stack.Build, _ digestDirs) { b.DockerfileInline = "FROM scratch\n" },
		change: func(b *stack.Build, _ digestDirs) { b.DockerfileInline = "FROM scratch\nENV A=1\n" }},
	{key: "entitlements", fields: []string{"Entitlements"},
		change: func(b *stack.Build, _ digestDirs) { b.Entitlements = []string{"network.host"} }},
	{key: "args", fields: []string{"Args"},
		change: func(b *stack.Build, _ digestDirs) { b.Args = map[string]string{"A": "1"} }},
	{key: "args", fields: []string{"Args"},
		change: func(b *stack.Build, _ digestDirs) { b.Args = map[string]string{"A": ""} }},
	{key: "args", fields: []string{"Args"},
		from:   func(b *stack.Build, _ digestDirs) { b.Args = map[string]string{"A": "1"} },
		change: func(b *stack.Build, _ digestDirs) { b.Args = map[string]string{"A": "2"} }},
	{key: "provenance", fields: []string{"Attests"},
		change: func(b *stack.Build, _ digestDirs) { b.Attests = map[string]string{"provenance": "type=provenance"} }},
	{key: "sbom", fields: []string{"Attests"},
		change: func(b *stack.Build, _ digestDirs) { b.Attests = map[string]string{"sbom": "type=sbom"} }},
	{key: "ssh", fields: []string{"SSH"},
		same: "an agent or keys the RUN steps reach while they run, as the secrets: the image holds none of it",
		change: func(b *stack.Build, _ digestDirs) {
			b.SSH = []stack.BuildSSH{{ID: "default"}, {ID: "deploy", Paths: []string{"/keys/id"}}}
		}},
	{key: "labels", fields: []string{"Labels"},
		change: func(b *stack.Build, _ digestDirs) { b.Labels = map[string]string{"a": "1"} }},
	{key: "labels", fields: []string{"Labels"},
		change: func(b *stack.Build, _ digestDirs) { b.Labels = map[string]string{"a": ""} }},
	{key: "cache_from", fields: []string{"CacheFrom"}, same: "where the steps may come from, not what they make",
		change: func(b *stack.Build, _ digestDirs) { b.CacheFrom = []string{"p-app:cache"} }},
	{key: "cache_to", fields: []string{"InlineCache"},
		change: func(b *stack.Build, _ digestDirs) { b.InlineCache = true }},
	{key: "no_cache", fields: []string{"NoCache"}, same: "the steps run again, to make the same image",
		change: func(b *stack.Build, _ digestDirs) { b.NoCache = true }},
	{key: "no_cache_filter", fields: []string{"NoCacheFilter"}, same: "the stages' steps run again, to make the same image",
		change: func(b *stack.Build, _ digestDirs) { b.NoCacheFilter = []string{"build"} }},
	{key: "additional_contexts", fields: []string{"AdditionalContexts"},
		change: func(b *stack.Build, d digestDirs) { b.AdditionalContexts = map[string]string{"x": d.extra} }},
	{key: "additional_contexts", fields: []string{"AdditionalContexts"},
		from:   func(b *stack.Build, d digestDirs) { b.AdditionalContexts = map[string]string{"x": d.extra} },
		change: func(b *stack.Build, d digestDirs) { b.AdditionalContexts = map[string]string{"y": d.extra} }},
	{key: "additional_contexts", fields: []string{"AdditionalContexts"},
		from:   func(b *stack.Build, d digestDirs) { b.AdditionalContexts = map[string]string{"x": d.extra} },
		change: func(b *stack.Build, d digestDirs) { b.AdditionalContexts = map[string]string{"x": d.ctx} }},
	{key: "additional_contexts", fields: []string{"AdditionalContexts"},
		same: "a directory counts by its content: the checkout may move",
		from: func(b *stack.Build, d digestDirs) { b.AdditionalContexts = map[string]string{"x": d.extra} },
		change: func(b *stack.Build, d digestDirs) {
			b.AdditionalContexts = map[string]string{"x": d.extraCopy}
		}},
	{key: "pull", fields: []string{"Pull"}, same: "docs/builds.md: --build or pull_policy build fetch newer bases",
		change: func(b *stack.Build, _ digestDirs) { b.Pull = true }},
	{key: "extra_hosts", fields: []string{"ExtraHosts"},
		change: func(b *stack.Build, _ digestDirs) { b.ExtraHosts = []string{"db:10.0.0.1"} }},
	{key: "isolation", fields: []string{"Isolation"},
		change: func(b *stack.Build, _ digestDirs) { b.Isolation = "hyperv" }},
	{key: "network", fields: []string{"Network"},
		change: func(b *stack.Build, _ digestDirs) { b.Network = "none" }},
	{key: "target", fields: []string{"Target"},
		change: func(b *stack.Build, _ digestDirs) { b.Target = "build" }},
	{key: "secrets", fields: []string{"Secrets"},
		same: "what the RUN steps mount while they run; the image holds none of it (docs/builds.md)",
		change: func(b *stack.Build, _ digestDirs) {
			b.Secrets = []stack.BuildSecret{{ID: "token", File: "/run/token"}}
		}},
	{key: "shm_size", fields: []string{"ShmSize"},
		change: func(b *stack.Build, _ digestDirs) { b.ShmSize = 64 << 20 }},
	{key: "tags", fields: []string{"Tags"},
		change: func(b *stack.Build, _ digestDirs) { b.Tags = []string{"p-app:v1"} }},
	{key: "tags", fields: []string{"Tags"}, same: "the same names",
		from:   func(b *stack.Build, _ digestDirs) { b.Tags = []string{"p-app:v1", "p-app:v2"} },
		change: func(b *stack.Build, _ digestDirs) { b.Tags = []string{"p-app:v2", "p-app:v1"} }},
	{key: "ulimits", fields: []string{"Ulimits"},
		change: func(b *stack.Build, _ digestDirs) { b.Ulimits = []stack.Ulimit{{Name: "nofile", Soft: 1, Hard: 2}} }},
	{key: "platforms", fields: []string{"Platform"},
		change: func(b *stack.Build, _ digestDirs) { b.Platform = "linux/arm64" }},
	{key: "platforms", fields: []string{"Platforms"},
		change: func(b *stack.Build, _ digestDirs) { b.Platforms = []string{"linux/amd64", "linux/arm64"} }},
	{key: "privileged", fields: []string{"Privileged"},
		change: func(b *stack.Build, _ digestDirs) { b.Privileged = true }},
	{key: "#extensions", same: "x- keys are the file's own: no builder reads them"},
}

// Every key of a service's build, and every field of stack.Build, is
// either in the image's digest or said not to make another image: a key
// compose-go adds, or a field stackctl adds, fails here until it is one or
// the other.
func TestEveryBuildKeyIsInTheDigestOrSaidNotToChangeTheImage(t *testing.T) {
	keys := map[string]bool{}
	fields := map[string]bool{}
	for _, in := range digestInputs {
		keys[in.key] = true
		for _, f := range in.fields {
			fields[f] = true
		}
	}
	composeKeys := reflect.TypeFor[types.BuildConfig]()
	for i := range composeKeys.NumField() {
		key, _, _ := strings.Cut(composeKeys.Field(i).Tag.Get("yaml"), ",")
		if !keys[key] {
			t.Errorf("build key %s (types.BuildConfig.%s) is neither in the image's digest nor said not to change the image",
				key, composeKeys.Field(i).Name)
		}
		delete(keys, key)
	}
	for key := range keys {
		t.Errorf("digestInputs names %s, which is no key of types.BuildConfig", key)
	}
	buildFields := reflect.TypeFor[stack.Build]()
	for i := range buildFields.NumField() {
		name := buildFields.Field(i).Name
		if !fields[name] {
			t.Errorf("stack.Build.%s is neither in the image's digest nor said not to change the image", name)
		}
		delete(fields, name)
	}
	for f := range fields {
		t.Errorf("digestInputs names field %s, which stack.Build has not", f)
	}
}

// A change of a key that makes another image changes the digest, so up
// rebuilds; a change that makes the same image leaves it, so up does not.
func TestTheDigestChangesWithWhatMakesAnotherImageOnly(t *testing.T) {
	d := digestFixture(t)
	for _, in := range digestInputs {
		if in.change == nil {
			continue
		}
		before := digestBase(d)
		if in.from != nil {
			in.from(before, d)
		}
		after := cloneBuild(before)
		in.change(after, d)
		if !fieldsDiffer(before, after, in.fields) {
			t.Fatalf("%s: the change leaves %s as they were", in.key, strings.Join(in.fields, ", "))
		}
		changed := mustDigest(t, before) != mustDigest(t, after)
		switch {
		case in.same == "" && !changed:
			t.Errorf("%s: %s leaves the digest: up would keep the old image", in.key, fieldChange(before, after, in.fields))
		case in.same != "" && changed:
			t.Errorf("%s: %s changes the digest, and makes the same image (%s): up would rebuild for nothing",
				in.key, fieldChange(before, after, in.fields), in.same)
		}
	}
}

// The maps of a build count by their content, not by the order Go walks
// them in: that order is random, so a digest that followed it would differ
// between these builds of the same maps.
func TestTheDigestDoesNotFollowTheOrderOfMaps(t *testing.T) {
	d := digestFixture(t)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	build := func(order []string) *stack.Build {
		b := digestBase(d)
		b.Args, b.Labels, b.AdditionalContexts = map[string]string{}, map[string]string{}, map[string]string{}
		for _, k := range order {
			b.Args[k], b.Labels[k] = "v"+k, "l"+k
			b.AdditionalContexts[k] = "docker-image://base-" + k
		}
		b.Attests = map[string]string{"provenance": "type=provenance,mode=max", "sbom": "type=sbom"}
		return b
	}
	first := mustDigest(t, build(keys))
	for i := range keys {
		order := append(slices.Clone(keys[i:]), keys[:i]...)
		slices.Reverse(order)
		if got := mustDigest(t, build(order)); got != first {
			t.Fatalf("the same build digests as %s and as %s", first, got)
		}
	}
}

func digestFixture(t *testing.T) digestDirs {
	t.Helper()
	root := t.TempDir()
	d := digestDirs{
		ctx: filepath.Join(root, "ctx"), ctxCopy: filepath.Join(root, "moved", "ctx"), ctxOther: filepath.Join(root, "other"),
		extra: filepath.Join(root, "extra"), extraCopy: filepath.Join(root, "moved", "extra"),
	}
	files := map[string]string{
		"Dockerfile": "FROM scratch\nCOPY a /a\n", "other.Dockerfile": "FROM scratch\nCOPY a /b\n", "a": "a\n",
	}
	write := func(dir string, files map[string]string) {
		for name, content := range files {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(d.ctx, files)
	write(d.ctxCopy, files)
	other := maps.Clone(files)
	other["a"] = "changed\n"
	write(d.ctxOther, other)
	write(d.extra, map[string]string{"e": "e\n"})
	write(d.extraCopy, map[string]string{"e": "e\n"})
	return d
}

// digestBase is the plain build the inputs change: a context directory
// and its Dockerfile, as fromBuild makes it.
func digestBase(d digestDirs) *stack.Build {
	return &stack.Build{Context: d.ctx, Dockerfile: "Dockerfile"}
}

// cloneBuild is a copy of b that shares no map or slice with it.
func cloneBuild(b *stack.Build) *stack.Build {
	c := *b
	c.Args, c.Labels, c.Attests = maps.Clone(b.Args), maps.Clone(b.Labels), maps.Clone(b.Attests)
	c.AdditionalContexts = maps.Clone(b.AdditionalContexts)
	c.Tags, c.NoCacheFilter, c.ExtraHosts = slices.Clone(b.Tags), slices.Clone(b.NoCacheFilter), slices.Clone(b.ExtraHosts)
	c.Ulimits, c.CacheFrom, c.Platforms = slices.Clone(b.Ulimits), slices.Clone(b.CacheFrom), slices.Clone(b.Platforms)
	c.Secrets, c.SSH, c.Entitlements = slices.Clone(b.Secrets), slices.Clone(b.SSH), slices.Clone(b.Entitlements)
	return &c
}

// fieldsDiffer reports whether one of the named fields differs.
func fieldsDiffer(before, after *stack.Build, fields []string) bool {
	for _, f := range fields {
		if !reflect.DeepEqual(reflect.ValueOf(before).Elem().FieldByName(f).Interface(),
			reflect.ValueOf(after).Elem().FieldByName(f).Interface()) {
			return true
		}
	}
	return false
}

// fieldChange says what the named fields of b were and became.
func fieldChange(before, after *stack.Build, fields []string) string {
	var out []string
	for _, f := range fields {
		out = append(out, fmt.Sprintf("%s %v -> %v", f,
			reflect.ValueOf(before).Elem().FieldByName(f), reflect.ValueOf(after).Elem().FieldByName(f)))
	}
	return strings.Join(out, ", ")
}

func mustDigest(t *testing.T, b *stack.Build) string {
	t.Helper()
	d, err := imageDigest(b, nil)
	if err != nil {
		t.Fatalf("digest of %+v: %v", b, err)
	}
	return d
}

// A Dockerfile outside the context, by a relative or an absolute path,
// counts by its content, and its own ignore file by what it leaves out:
// an edit to either makes another image.
func TestTheDigestCountsADockerfileOutsideTheContext(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "app")
	if err := os.Mkdir(app, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "Dockerfile"), "FROM scratch\nCOPY . /\n")
	write(filepath.Join(app, "notes.txt"), "notes")
	for _, dockerfile := range []string{"../Dockerfile", filepath.Join(root, "Dockerfile")} {
		b := &stack.Build{Context: app, Dockerfile: dockerfile}
		digest := func() string {
			t.Helper()
			d, err := imageDigest(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		before := digest()
		write(filepath.Join(root, "Dockerfile"), "FROM scratch\nCOPY notes.txt /\n")
		edited := digest()
		if edited == before {
			t.Errorf("%s: the digest is the same after the Dockerfile changed", dockerfile)
		}
		write(filepath.Join(root, "Dockerfile.dockerignore"), "notes.txt\n")
		if digest() == edited {
			t.Errorf("%s: the digest is the same after the Dockerfile's ignore file left notes.txt out", dockerfile)
		}
		if err := os.Remove(filepath.Join(root, "Dockerfile.dockerignore")); err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(root, "Dockerfile"), "FROM scratch\nCOPY . /\n")
	}
}
