package docker

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

var (
	composeHashForm = regexp.MustCompile(`^[0-9a-f]{64}$`)
	dependsOnForm   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*:(service_started|service_healthy|service_completed_successfully):(true|false)$`)
)

// checkComposeContainerLabels fails the test for each of Compose's labels
// the container lacks or carries in another form than Compose's: replica
// is its container number, 0 for a one-off.
func checkComposeContainerLabels(t *testing.T, f *fakeEngine, st *stack.Stack, name string, replica int) {
	t.Helper()
	c, err := f.ContainerInspect(t.Context(), name)
	if err != nil {
		t.Fatalf("inspect %s: %v", name, err)
	}
	l := c.Labels
	want := map[string]string{
		stack.LabelComposeProject:    st.Project,
		stack.LabelComposeService:    l[stack.LabelService],
		stack.LabelComposeOneOff:     "False",
		stack.LabelComposeWorkingDir: st.Source.WorkingDir,
		stack.LabelComposeImage:      c.ImageID,
		stack.LabelComposeVersion:    "5.6.0",
	}
	if replica > 0 {
		want[stack.LabelComposeNumber] = l[stack.LabelReplica]
	} else {
		want[stack.LabelComposeOneOff] = "True"
		if v, ok := l[stack.LabelComposeNumber]; ok {
			t.Errorf("%s: one-off numbered %s=%q; Compose numbers no one-off", name, stack.LabelComposeNumber, v)
		}
	}
	for k, v := range want {
		if got, ok := l[k]; !ok || got != v || v == "" {
			t.Errorf("%s: label %s = %q (present: %t), want %q", name, k, got, ok, v)
		}
	}
	if !filepath.IsAbs(l[stack.LabelComposeWorkingDir]) {
		t.Errorf("%s: working_dir %q is not absolute", name, l[stack.LabelComposeWorkingDir])
	}
	files := strings.Split(l[stack.LabelComposeConfigFiles], ",")
	if !slices.Equal(files, st.Files) {
		t.Errorf("%s: config_files = %q, want %q", name, l[stack.LabelComposeConfigFiles], strings.Join(st.Files, ","))
	}
	for _, file := range files {
		if !filepath.IsAbs(file) {
			t.Errorf("%s: config file %q is not absolute", name, file)
		}
	}
	if h := l[stack.LabelComposeConfigHash]; !composeHashForm.MatchString(h) {
		t.Errorf("%s: config-hash %q is not Compose's 64 hex digits", name, h)
	}
	deps, ok := l[stack.LabelComposeDependsOn]
	if !ok {
		t.Errorf("%s: no %s label (Compose writes it empty when there is no dependency)", name, stack.LabelComposeDependsOn)
	}
	svc, _ := st.Service(l[stack.LabelService])
	var wantDeps []string
	for _, d := range svc.DependsOn {
		wantDeps = append(wantDeps, d.Service+":"+string(d.Condition)+":false")
	}
	slices.Sort(wantDeps)
	if deps != strings.Join(wantDeps, ",") {
		t.Errorf("%s: depends_on = %q, want %q", name, deps, strings.Join(wantDeps, ","))
	}
	for d := range strings.SplitSeq(deps, ",") {
		if deps != "" && !dependsOnForm.MatchString(d) {
			t.Errorf("%s: depends_on entry %q is not service:condition:restart", name, d)
		}
	}
	if l[stack.LabelProject] != st.Project || l[stack.LabelConfigHash] == "" && replica > 0 {
		t.Errorf("%s: stackctl's own labels lost: %v", name, l)
	}
}

func TestComposeLabelsOnEveryContainerNetworkAndVolume(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	mustUp(t, o, st)

	containers, err := f.ContainerList(t.Context(), st.ProjectLabels())
	if err != nil || len(containers) != 4 {
		t.Fatalf("containers = %d, %v; want 4", len(containers), err)
	}
	for _, c := range containers {
		checkComposeContainerLabels(t, f, st, c.Name, 1)
	}
	web, _ := f.ContainerInspect(t.Context(), "stackctl-web-1")
	if got, want := web.Labels[stack.LabelComposeDependsOn], "cache:service_started:false,db:service_healthy:false,migrate:service_completed_successfully:false"; got != want {
		t.Errorf("web's depends_on = %q, want %q", got, want)
	}
	if db, _ := f.ContainerInspect(t.Context(), "stackctl-db-1"); db.Labels[stack.LabelComposeImage] != "sha256:postgres15" {
		t.Errorf("db's image label = %q, want the image's ID sha256:postgres15", db.Labels[stack.LabelComposeImage])
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	for name, labels := range f.networks {
		want := map[string]string{stack.LabelComposeProject: st.Project, stack.LabelComposeNetwork: "app-network", stack.LabelComposeVersion: "5.6.0",
			stack.LabelComposeConfigHash: st.ComposeNetworkHash("app-network")}
		for k, v := range want {
			if labels[k] != v {
				t.Errorf("network %s: label %s = %q, want %q", name, k, labels[k], v)
			}
		}
	}
	keys := map[string]string{}
	for name, labels := range f.volumes {
		if labels[stack.LabelProject] != st.Project {
			continue // the lock: not a resource of the project's file
		}
		if labels[stack.LabelComposeProject] != st.Project || labels[stack.LabelComposeVersion] != "5.6.0" {
			t.Errorf("volume %s: Compose's project or version label missing: %v", name, labels)
		}
		key := labels[stack.LabelComposeVolume]
		if hash, want := labels[stack.LabelComposeConfigHash], st.ComposeVolumeHash(key); hash != want {
			t.Errorf("volume %s: config-hash %q, want %q (Compose's, for a volume of the file; none for another)", name, hash, want)
		}
		if other, ok := keys[key]; ok || key == "" {
			t.Errorf("volume %s: Compose key %q, also %s's: Compose would take one for the other", name, key, other)
		}
		keys[key] = name
	}
	if keys["postgres_data"] != "stackctl_postgres_data" {
		t.Errorf("Compose volume keys = %v, want postgres_data for stackctl_postgres_data", keys)
	}
}

func TestComposeLabelsOnAOneOff(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	res := mustRun(t, o, st, backend.RunOptions{Service: "cache", NoDeps: true, Cmd: []string{"true"}})
	checkComposeContainerLabels(t, f, st, res.Container, 0)
}

// Compose's labels say how the project was invoked; running the same file
// from another path must not recreate what runs, as in Compose.
func TestComposeLabelsDoNotRecreate(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	mustUp(t, o, st)
	ids := containerIDs(f)

	elsewhere := *st
	elsewhere.Files = []string{filepath.Join(t.TempDir(), "compose.yaml")}
	if res := mustUp(t, o, &elsewhere); res.Changed {
		t.Error("Up of the same stack from another file changed it")
	}
	if got := containerIDs(f); !equalMaps(got, ids) {
		t.Errorf("containers after Up from another file = %v, want %v", got, ids)
	}
}
