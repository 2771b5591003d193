package conformance_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/docker"
	"github.com/stackctl/stackctl/internal/conformance"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

const fixtures = "testdata/fixtures"

// notLoading are the fixtures stackctl does not load or plan today, each
// with the start of the error it gets after the file's name (the first
// key refused). The list is meant to shrink: a fixture listed here that
// loads fails the test, as does one that fails and is not listed.
var notLoading = map[string]string{}

func isolate(t *testing.T) {
	for _, k := range []string{"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// loadAndPlan loads the fixture and plans its up on an empty engine.
func loadAndPlan(f conformance.Fixture) (backend.Plan, error) {
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: f.Files})
	if err != nil {
		return backend.Plan{}, err
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		return backend.Plan{}, err
	}
	// The Docker backend's names, a container per replica: naming asks
	// nothing of the engine.
	return orchestrator.Plan(st, backend.Observed{}, new(docker.Backend), backend.UpOptions{})
}

// vendoredFixtures are the fixtures under testdata, by absolute paths, and
// the absolute directory they are in.
func vendoredFixtures(t *testing.T) (string, []conformance.Fixture) {
	t.Helper()
	dir, err := filepath.Abs(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	all, err := conformance.Fixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, all
}

// Every vendored fixture loads and plans, but for those notLoading lists,
// which fail as it says.
func TestFixturesLoadAndPlan(t *testing.T) {
	isolate(t)
	dir, all := vendoredFixtures(t)
	loads := 0
	seen := map[string]bool{}
	for _, f := range all {
		seen[f.Name] = true
		t.Run(f.Name, func(t *testing.T) {
			plan, err := loadAndPlan(f)
			want, listed := notLoading[f.Name]
			switch {
			case err == nil && listed:
				t.Errorf("loads and plans now: take it off notLoading (it says %q)", want)
			case err == nil && len(plan.Services) == 0:
				t.Errorf("planned no service")
			case err == nil:
				loads++
			case !listed:
				t.Errorf("does not load, and notLoading does not list it:\n%q: %q,", f.Name, firstLine(err, dir))
			case !strings.HasPrefix(firstLine(err, dir), "$FIXTURES/"+filepath.ToSlash(strings.TrimPrefix(f.Files[0], dir+string(filepath.Separator)))+": "+want):
				t.Errorf("error = %q, want it to name the file, then %q", firstLine(err, dir), want)
			}
		})
	}
	for name := range notLoading {
		if !seen[name] {
			t.Errorf("notLoading lists %s, which is no fixture", name)
		}
	}
	t.Logf("%d of %d fixtures load and plan", loads, len(all))
}

// firstLine is err's first line, with dir written $FIXTURES.
func firstLine(err error, dir string) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return strings.ReplaceAll(line, dir, "$FIXTURES")
}

// config's output of every fixture that loads is the same stack when
// loaded again from the fixture's directory. (Not always the same text:
// a build.dockerfile interpolated to "" is printed empty, as Compose
// prints it, and is loaded again as the default, Dockerfile.)
func TestFixturesRoundTripThroughConfig(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	_, all := vendoredFixtures(t)
	for _, f := range all {
		if _, listed := notLoading[f.Name]; listed {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			first, err := stack.Load(ctx, stack.LoadOptions{Files: f.Files})
			if err != nil {
				t.Fatal(err)
			}
			out, err := first.Render(stack.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			rendered := filepath.Join(t.TempDir(), "compose.yaml")
			if err := os.WriteFile(rendered, out, 0o644); err != nil {
				t.Fatal(err)
			}
			second, err := stack.Load(ctx, stack.LoadOptions{Files: []string{rendered}, WorkingDir: first.Source.WorkingDir})
			if err != nil {
				t.Fatalf("load config's output: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(first.Services, second.Services) || !reflect.DeepEqual(first.Networks, second.Networks) ||
				!reflect.DeepEqual(first.Volumes, second.Volumes) || first.Project != second.Project {
				t.Errorf("config's output loads as another stack; config printed:\n%s", out)
			}
		})
	}
}
