package engine

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
)

func TestLostFeatures(t *testing.T) {
	one := uint64(1)
	job := swarm.ServiceSpec{Mode: swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: &one, TotalCompletions: &one}}}
	caps := swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{CapabilityDrop: []string{"ALL"}}}}
	nnp := swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Privileges: &swarm.Privileges{NoNewPrivileges: true}}}}
	noexec := swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Mounts: []mount.Mount{
		{Type: mount.TypeTmpfs, Target: "/run", TmpfsOptions: &mount.TmpfsOptions{Options: [][]string{{"noexec"}}}},
	}}}}
	tests := []struct {
		name    string
		spec    swarm.ServiceSpec
		version string
		want    string
	}{
		{"job on 1.40", job, "1.40", "a job's mode"},
		{"job on 1.41", job, "1.41", ""},
		{"caps on 1.40", caps, "1.40", "cap_add and cap_drop"},
		{"no-new-privileges on 1.43", nnp, "1.43", "no-new-privileges"},
		{"no-new-privileges on 1.44", nnp, "1.44", ""},
		{"noexec on 1.45", noexec, "1.45", "tmpfs exec and noexec"},
		{"noexec on 1.47", noexec, "1.47", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(lostFeatures(tt.spec, tt.version), ", ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("lost %q, want %q", got, tt.want)
			}
		})
	}
}

// fakeEngine answers the API paths it is given (without the version
// prefix, "GET /services/x"), 404 to the others, and records the requests.
type fakeEngine struct {
	version string
	osType  string // the ping's OSType header, when set
	routes  map[string]http.HandlerFunc
	mu      sync.Mutex
	seen    []string
}

var versionPrefix = regexp.MustCompile(`^/v[0-9.]+`)

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := versionPrefix.ReplaceAllString(r.URL.Path, "")
	w.Header().Set("API-Version", f.version)
	if f.osType != "" {
		w.Header().Set("OSType", f.osType)
	}
	if path == "/_ping" {
		_, _ = w.Write([]byte("OK"))
		return
	}
	key := r.Method + " " + path
	f.mu.Lock()
	f.seen = append(f.seen, key+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	if h, ok := f.routes[key]; ok {
		h(w, r)
		return
	}
	apiError(w, http.StatusNotFound, "page not found: "+key)
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func reply(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

func (f *fakeEngine) client(t *testing.T) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cli, err := NewWithHost(context.Background(), "tcp://"+srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func TestServiceInspect(t *testing.T) {
	f := &fakeEngine{version: "1.47", routes: map[string]http.HandlerFunc{
		"GET /services/p_web": reply(swarm.Service{
			ID: "abc123", Meta: swarm.Meta{Version: swarm.Version{Index: 42}},
			Spec:         swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "p_web", Labels: map[string]string{"k": "v"}}},
			Endpoint:     swarm.Endpoint{Ports: []swarm.PortConfig{{Protocol: "tcp", TargetPort: 80, PublishedPort: 30001}}},
			UpdateStatus: &swarm.UpdateStatus{State: swarm.UpdateStateRollbackCompleted, Message: "update rolled back"},
		}),
		// An ID prefix the engine would match: not the service asked for.
		"GET /services/abc": reply(swarm.Service{ID: "abc123", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "p_web"}}}),
	}}
	cli := f.client(t)
	ctx := context.Background()

	s, err := cli.ServiceInspect(ctx, "p_web")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "abc123" || s.Version != 42 || s.Labels["k"] != "v" || s.Update.State != "rollback_completed" ||
		len(s.Ports) != 1 || s.Ports[0].HostPort != 30001 || s.Ports[0].ContainerPort != 80 {
		t.Errorf("service %+v", s)
	}
	for _, ref := range []string{"abc", "p_gone"} {
		_, err := cli.ServiceInspect(ctx, ref)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "inspect service "+ref) {
			t.Errorf("ServiceInspect(%s) = %v, want ErrNotFound naming it", ref, err)
		}
	}
}

func TestCallsOnAnEngineOutsideASwarm(t *testing.T) {
	notManager := func(w http.ResponseWriter, _ *http.Request) {
		apiError(w, http.StatusServiceUnavailable, `This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`)
	}
	f := &fakeEngine{version: "1.47", routes: map[string]http.HandlerFunc{
		"GET /nodes":    notManager,
		"GET /services": notManager,
		"GET /info":     reply(map[string]any{"Swarm": map[string]any{"NodeID": "", "LocalNodeState": "inactive", "ControlAvailable": false}}),
	}}
	cli := f.client(t)
	ctx := context.Background()
	state, err := cli.SwarmInspect(ctx)
	if err != nil || state.State != "inactive" || state.Manager {
		t.Errorf("SwarmInspect = %+v, %v; want inactive, no manager", state, err)
	}
	if _, err := cli.NodeList(ctx); !errors.Is(err, ErrNotSwarmManager) || !strings.Contains(err.Error(), "list swarm nodes") {
		t.Errorf("NodeList: %v, want ErrNotSwarmManager", err)
	}
	if _, err := cli.ServiceList(ctx, nil); !errors.Is(err, ErrNotSwarmManager) {
		t.Errorf("ServiceList: %v, want ErrNotSwarmManager", err)
	}
}

// Labels are merged into the node's own, from the version just read; a
// node changed in between is read again.
func TestNodeUpdateLabels(t *testing.T) {
	var (
		mu      sync.Mutex
		version uint64 = 7
		labels         = map[string]string{"zone": "a", "old": "x"}
		updates int
	)
	f := &fakeEngine{version: "1.47", routes: map[string]http.HandlerFunc{
		"GET /nodes/n1": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			reply(swarm.Node{ID: "n1", Meta: swarm.Meta{Version: swarm.Version{Index: version}},
				Spec: swarm.NodeSpec{Annotations: swarm.Annotations{Labels: labels}, Role: "worker", Availability: "active"}})(w, r)
		},
		"POST /nodes/n1/update": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			updates++
			if updates == 1 {
				version++ // someone else got there first
				apiError(w, http.StatusInternalServerError, "rpc error: code = Unknown desc = update out of sequence")
				return
			}
			if got := r.URL.Query().Get("version"); got != "8" {
				apiError(w, http.StatusInternalServerError, "update out of sequence: version "+got)
				return
			}
			var spec swarm.NodeSpec
			_ = json.NewDecoder(r.Body).Decode(&spec)
			labels = spec.Labels
		},
	}}
	cli := f.client(t)
	if err := cli.NodeUpdateLabels(context.Background(), "n1", map[string]string{"io.stackctl.data.p": "true"}, "old"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"zone": "a", "io.stackctl.data.p": "true"}
	if updates != 2 || len(labels) != 2 || labels["zone"] != "a" || labels["io.stackctl.data.p"] != "true" {
		t.Errorf("after %d updates labels %v, want %v", updates, labels, want)
	}
}

func TestTaskList(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &fakeEngine{version: "1.47", routes: map[string]http.HandlerFunc{
		"GET /tasks": reply([]swarm.Task{{
			ID: "t1", ServiceID: "s1", Slot: 2, NodeID: "n1", DesiredState: "shutdown",
			Status: swarm.TaskStatus{
				Timestamp: at, State: "failed", Message: "started", Err: "task: non-zero exit (3)",
				ContainerStatus: &swarm.ContainerStatus{ContainerID: "c1", ExitCode: 3},
				PortStatus:      swarm.PortStatus{Ports: []swarm.PortConfig{{Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "host"}}},
			},
		}}),
	}}
	cli := f.client(t)
	tasks, err := cli.TaskList(context.Background(), TaskFilter{Service: "p_web", DesiredState: "running"})
	if err != nil {
		t.Fatal(err)
	}
	want := Task{ID: "t1", ServiceID: "s1", Slot: 2, NodeID: "n1", DesiredState: "shutdown", State: "failed", Message: "started",
		Err: "task: non-zero exit (3)", ContainerID: "c1", ExitCode: 3, StatusAt: at}
	if len(tasks) != 1 || len(tasks[0].Ports) != 1 || tasks[0].Ports[0].HostPort != 8080 {
		t.Fatalf("tasks %+v", tasks)
	}
	got := tasks[0]
	got.Ports = nil
	if !got.StatusAt.Equal(at) {
		t.Errorf("status at %v, want %v", got.StatusAt, at)
	}
	got.StatusAt, want.StatusAt = time.Time{}, time.Time{}
	if jsonText(got) != jsonText(want) {
		t.Errorf("task %s, want %s", jsonText(got), jsonText(want))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.seen, func(s string) bool { return strings.HasPrefix(s, "GET /tasks?") })
	if i < 0 || !strings.Contains(f.seen[i], "p_web") || !strings.Contains(f.seen[i], "running") {
		t.Errorf("requests %q, want the task list filtered by service and desired state", f.seen)
	}
}

// A spec the engine's API version would quietly cut down is refused before
// anything is sent.
func TestServiceCreateRefusesWhatAnOldEngineDrops(t *testing.T) {
	created := false
	f := &fakeEngine{version: "1.40", routes: map[string]http.HandlerFunc{
		"POST /services/create": func(w http.ResponseWriter, r *http.Request) {
			created = true
			reply(swarm.ServiceCreateResponse{ID: "s1"})(w, r)
		},
	}}
	cli := f.client(t)
	one := uint64(1)
	spec := swarm.ServiceSpec{
		Annotations:  swarm.Annotations{Name: "p_migrate"},
		TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "busybox:1"}},
		Mode:         swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: &one, TotalCompletions: &one}},
	}
	_, _, err := cli.ServiceCreate(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "create service p_migrate: the engine speaks API 1.40, which would drop a job's mode") {
		t.Errorf("ServiceCreate: %v", err)
	}
	if created {
		t.Errorf("the service was created")
	}

	spec.Mode = swarm.ServiceMode{}
	id, _, err := cli.ServiceCreate(context.Background(), spec)
	if err != nil || id != "s1" || !created {
		t.Errorf("ServiceCreate = %q, %v; want s1 created", id, err)
	}
}

func TestServiceLogsDemuxes(t *testing.T) {
	f := &fakeEngine{version: "1.47", routes: map[string]http.HandlerFunc{
		"GET /services/p_web/logs": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("timestamps") != "1" || r.URL.Query().Get("tail") != "10" {
				apiError(w, http.StatusBadRequest, "want timestamps and tail 10, got "+r.URL.RawQuery)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
			_, _ = w.Write(frame(1, "out line\n"))
			_, _ = w.Write(frame(2, "err line\n"))
		},
	}}
	cli := f.client(t)
	var stdout, stderr strings.Builder
	err := cli.ServiceLogs(context.Background(), "p_web", LogsOptions{Tail: 10, Timestamps: true}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "out line\n" || stderr.String() != "err line\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

// frame is one frame of the engine's multiplexed stream.
func frame(stream byte, s string) []byte {
	n := len(s)
	return append([]byte{stream, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, s...)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
