package docker

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/conformance"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// fuzzSeeds are the projects the fuzz corpus is seeded from: every
// vendored Compose fixture and the kitchen sink, each file as a seed
// loaded from its own directory, so what it refers to (env files, build
// contexts, configs) is there.
func fuzzSeeds(f *testing.F) map[string][]string {
	f.Helper()
	seeds := map[string][]string{}
	all, err := conformance.Fixtures(filepath.Join("..", "..", "conformance", "testdata", "fixtures"))
	if err != nil {
		f.Fatal(err)
	}
	for _, fx := range all {
		dir := filepath.Dir(fx.Files[0])
		seeds[dir] = append(seeds[dir], fx.Files...)
	}
	kitchen, err := filepath.Abs(filepath.Join("testdata", "kitchensink"))
	if err != nil {
		f.Fatal(err)
	}
	seeds[kitchen] = append(seeds[kitchen], filepath.Join(kitchen, "compose.yaml"))
	return seeds
}

// keyOrPlace is what an error must name after the file: a key path
// (services.web.ports[0], networks.front, an extension, the top level;
// compose-go's service "web", its "non-string key in a.b: c", "invalid
// interpolation format for a.b" and "additional properties 'x'" name keys
// too), or, for text that is no
// YAML, the line or offset it fails at, or that the file is empty. The one
// exception is a syntax error whose place the YAML parser itself loses (a
// stray "," or ":" before the first key, a "[" never closed): compose-go's
// parser and yaml.v3 both give no line.
var keyOrPlace = regexp.MustCompile(`\b(services|networks|volumes|configs|secrets|models|include|name|version|extends)\b|\bx-[\w.-]+|\bservice "[^"]*"|\btop[- ]level\b|\bnon-string key in .+: |\binvalid interpolation format for \S|\badditional propert(y|ies) '|\bline \d+|\boffset \d+|: empty compose file$|yaml: (while parsing a [a-z ]+ at )?<unknown position>: `)

// namesFileAndKey says whether msg names the compose file at path and,
// after it, a key or place in it.
func namesFileAndKey(msg, path string) bool {
	_, after, ok := strings.Cut(msg, path)
	return ok && keyOrPlace.MatchString(after)
}

// maxFuzzReplicas bounds the replicas of a service the fuzz test plans.
const maxFuzzReplicas = 8

// FuzzCreateRequests: no compose file, however broken, makes stackctl
// panic between reading it and the engine requests that create its
// containers (loading, shaping, planning, converting at the oldest and
// newest API), and every file it refuses is refused naming the file and
// the key. The corpus found by fuzzing is kept in testdata/fuzz.
func FuzzCreateRequests(f *testing.F) {
	// Validation verdicts are remembered in the user's cache: the fuzzer's
	// go to one of its own.
	f.Setenv("XDG_CACHE_HOME", f.TempDir())
	f.Setenv("HOME", f.TempDir())
	f.Setenv("KITCHEN_TOKEN", "kitchen-token")
	for _, k := range []string{"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"} {
		f.Setenv(k, "")
		os.Unsetenv(k)
	}
	seeds := fuzzSeeds(f)
	for dir, files := range seeds {
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(filepath.Base(dir), b)
		}
	}
	dirs := map[string]string{}
	for dir := range seeds {
		dirs[filepath.Base(dir)] = dir
	}
	f.Fuzz(func(t *testing.T, project string, content []byte) {
		// The file is written beside the project's own, so what it refers
		// to resolves as it does in the seed; any other project name is an
		// empty directory.
		wd, ok := dirs[project]
		if !ok {
			wd = t.TempDir()
		}
		path := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, edge := range []bool{false, true} {
			// Shaping changes the stack: each shape loads its own.
			st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}, WorkingDir: wd, ProjectName: "fuzz"})
			if err != nil {
				if !namesFileAndKey(err.Error(), path) {
					t.Fatalf("load: the error names no file and key: %v", err)
				}
				return
			}
			// A plan's size is its replicas': thousands of them say
			// nothing more of the converter than a few, and take its time.
			for _, svc := range st.Services {
				if svc.Replicas > maxFuzzReplicas {
					return
				}
			}
			if err := st.ApplyShape(stack.Shape{Edge: edge}); err != nil {
				if !namesFileAndKey(err.Error(), path) {
					t.Fatalf("shape (edge %v): the error names no file and key: %v", edge, err)
				}
				continue
			}
			plan, err := orchestrator.Plan(st, backend.Observed{}, new(Backend), backend.UpOptions{})
			if err != nil {
				if !namesFileAndKey(err.Error(), path) {
					t.Fatalf("plan (edge %v): the error names no file and key: %v", edge, err)
				}
				continue
			}
			for _, sp := range plan.Services {
				for _, step := range sp.Steps {
					spec := containerSpec(st, sp.Service, step.Name, step.Replica, sp.Hash, "sha256:fuzz")
					for _, api := range []string{"1.41", "1.52"} {
						if _, err := engine.NewCreateRequest(spec, api); err != nil && !createRefusal(err.Error(), step.Name) {
							t.Fatalf("service %s at API %s: the file loads and plans, and its container cannot be made: %v",
								sp.Service.Name, api, err)
						}
					}
				}
			}
		}
	})
}

// createRefusal says whether msg is the one refusal making a container's
// request may give a stack that loaded: a key that the engine's API
// version cannot carry, naming the container, the key and the version.
func createRefusal(msg, container string) bool {
	return strings.HasPrefix(msg, "container "+container+": ") && strings.Contains(msg, " needs API ")
}
