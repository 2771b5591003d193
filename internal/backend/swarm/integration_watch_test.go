package swarm_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// watchSwarmFile is one busybox web server built from site/, rebuilt when
// a file there changes and restarted when one in conf/ does; its
// healthcheck tells the swarm when a new task serves. Its port is published where the swarm chooses, so that a new
// task can start beside the old one.
const watchSwarmFile = `
services:
  web:
    build: .
    ports: ["8080"]
    healthcheck:
      test: ["CMD", "wget", "-qO", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 1s
      retries: 3
    develop:
      watch:
        - path: ./site
          action: rebuild
        - path: ./conf
          action: restart
`

const watchSwarmDockerfile = `FROM busybox:latest
COPY site/ /www/
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
`

// watchSwarmSyncFile adds a sync trigger, which a swarm cannot carry out.
const watchSwarmSyncFile = watchSwarmFile + `        - path: ./static
          target: /www/static
          action: sync
`

// TestSwarmWatchRebuildsThroughTheRegistryAndRestartsStartFirst runs
// `stackctl --swarm --registry R watch` on a swarm of one node: a change
// under a rebuild trigger's path builds the image, pushes it to the
// registry, and updates the service to it by digest, its new task started
// before the old one stops; a change under a restart trigger's path
// replaces the task with one of the same image, start-first too. Ctrl-C
// ends the watch with success and leaves the service running. A file with a sync trigger is refused before
// anything is deployed, naming the trigger.
func TestSwarmWatchRebuildsThroughTheRegistryAndRestartsStartFirst(t *testing.T) {
	cluster := enginetest.Swarm(t, 0)
	ctx := enginetest.Context(t, 5*time.Minute)
	bin := stacktest.StaticStackctl(t)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"compose.yaml": watchSwarmFile, "sync.yaml": watchSwarmSyncFile, "Dockerfile": watchSwarmDockerfile,
		"site/index.html": "before\n", "static/app.css": "", "conf/web.conf": "",
	} {
		writeFile(t, filepath.Join(dir, name), content)
	}
	project := enginetest.ProjectName(t)
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}, ProjectName: project})
	if err != nil {
		t.Fatal(err)
	}
	command := func(file string, args ...string) *exec.Cmd {
		full := append([]string{"-f", filepath.Join(dir, file), "-p", project, "--swarm", "--registry", cluster.Registry.Addr}, args...)
		return exec.CommandContext(ctx, bin, full...)
	}
	t.Cleanup(func() {
		if out, err := command("compose.yaml", "down").CombinedOutput(); err != nil {
			t.Errorf("down in cleanup: %v\n%s", err, out)
		}
		if err := enginetest.RemoveProjectImages(context.Background(), project); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	out, err := command("sync.yaml", "watch").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "service web: sync of static") || !strings.Contains(string(out), "action: rebuild") {
		t.Errorf("watch of a file with a sync trigger on a swarm: %v\n%s\nwant a refusal naming web's sync of static and the rebuild to use instead", err, out)
	}
	if list, err := cluster.Manager.ServiceList(ctx, st.ProjectLabels()); err != nil || len(list) > 0 {
		t.Errorf("the refused watch deployed %d services (%v), want none", len(list), err)
	}

	watch := command("compose.yaml", "watch")
	lines := startLines(t, watch)
	if !lines.await(ctx, "watching", "site") {
		t.Fatalf("watch never said it was watching site:\n%s", lines)
	}
	before := runningTasks(t, ctx, cluster, st)
	if len(before) != 1 {
		t.Fatalf("web runs %d tasks after watch brought it up, want 1: %+v", len(before), before)
	}
	if body, err := get(ctx, "127.0.0.1", before[0].Ports); err != nil || body != "before\n" {
		t.Fatalf("GET / of web = %q, %v; want the first page", body, err)
	}
	imageBefore := serviceImage(t, ctx, cluster, st)

	written := time.Now()
	writeFile(t, filepath.Join(dir, "site", "index.html"), "after\n")
	serving := awaitPage(t, ctx, cluster, st, "after\n")
	t.Logf("the new page served on the swarm %s after the file was written", serving.Sub(written).Round(time.Millisecond))
	if !lines.await(ctx, "rebuilt", "site/index.html") {
		t.Fatalf("watch never said it rebuilt web for site/index.html:\n%s", lines)
	}

	image := serviceImage(t, ctx, cluster, st)
	if image == imageBefore || !strings.HasPrefix(image, cluster.Registry.Addr+"/") || !strings.Contains(image, "@sha256:") {
		t.Errorf("web's image after the rebuild is %s (before: %s), want a new digest in the registry %s", image, imageBefore, cluster.Registry.Addr)
	}
	rebuilt := assertReplacedStartFirst(t, ctx, cluster, st, "rebuild", before[0])

	written = time.Now()
	writeFile(t, filepath.Join(dir, "conf", "web.conf"), "changed\n")
	if !lines.await(ctx, "restarted", "conf/web.conf") {
		t.Fatalf("watch never said it restarted web for conf/web.conf:\n%s", lines)
	}
	t.Logf("the restart was done (the new task healthy) %s after the file was written", time.Since(written).Round(time.Millisecond))
	after := assertReplacedStartFirst(t, ctx, cluster, st, "restart", rebuilt)
	if now := serviceImage(t, ctx, cluster, st); now != image {
		t.Errorf("web's image after the restart is %s, want the rebuilt %s", now, image)
	}

	if err := watch.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := lines.wait(); err != nil {
		t.Errorf("watch ended by Ctrl-C: %v\n%s", err, lines)
	}
	if running := runningTasks(t, ctx, cluster, st); len(running) != 1 || running[0].ID != after.ID {
		t.Errorf("after Ctrl-C web runs %+v, want its task of the rebuilt image, left running", running)
	}
}

// assertReplacedStartFirst checks that web runs one task, not old, and
// that old stopped only once it ran; it returns the task.
func assertReplacedStartFirst(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack, what string, old engine.Task) engine.Task {
	t.Helper()
	running := runningTasks(t, ctx, cluster, st)
	if len(running) != 1 || running[0].ID == old.ID {
		t.Fatalf("web's running tasks after the %s: %+v; want one new task", what, running)
	}
	all := serviceTasks(t, ctx, cluster, st, "web")
	i := slices.IndexFunc(all, func(tk engine.Task) bool { return tk.ID == old.ID })
	switch {
	case i < 0 || all[i].DesiredState == "running":
		t.Errorf("web's tasks after the %s: %+v; want task %s shut down", what, all, old.ID)
	case all[i].StatusAt.Before(running[0].StatusAt):
		t.Errorf("the %s stopped web's task at %s, before the new one ran at %s; want start-first",
			what, all[i].StatusAt.Format(time.StampMilli), running[0].StatusAt.Format(time.StampMilli))
	}
	return running[0]
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runningTasks are web's tasks that run and are meant to.
func runningTasks(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack) []engine.Task {
	t.Helper()
	return slices.DeleteFunc(serviceTasks(t, ctx, cluster, st, "web"), func(tk engine.Task) bool {
		return tk.DesiredState != "running" || tk.State != "running"
	})
}

// serviceImage is the image web's service runs, as the swarm has it.
func serviceImage(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack) string {
	t.Helper()
	s, err := cluster.Manager.ServiceInspect(ctx, swarm.ServiceName(st.Project, "web"))
	if err != nil {
		t.Fatal(err)
	}
	return s.Spec.TaskTemplate.ContainerSpec.Image
}

// awaitPage polls web's running tasks until one answers page, and returns
// when it first did.
func awaitPage(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack, page string) time.Time {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for _, tk := range runningTasks(t, ctx, cluster, st) {
			for _, p := range tk.Ports {
				resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", p.HostPort))
				if err != nil {
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) == page {
					return time.Now()
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("web did not serve %q within 2 minutes", page)
	return time.Time{}
}

// cliLines are the stderr lines of a running stackctl, gathered as they
// come.
type cliLines struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	seen  []string
	more  chan struct{}
	ended chan struct{}
}

// startLines starts cmd and gathers its stderr; the command is killed if
// the test ends first.
func startLines(t *testing.T, cmd *exec.Cmd) *cliLines {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l := &cliLines{cmd: cmd, more: make(chan struct{}, 1), ended: make(chan struct{})}
	go func() {
		defer close(l.ended)
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			l.mu.Lock()
			l.seen = append(l.seen, scanner.Text())
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = l.wait()
		}
	})
	return l
}

// await waits for a line that holds every word, and says whether one came
// before the command ended or ctx did.
func (l *cliLines) await(ctx context.Context, words ...string) bool {
	for !l.has(words) {
		select {
		case <-l.more:
		case <-l.ended:
			return l.has(words) // every line is in
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// has says whether a line so far holds every word.
func (l *cliLines) has(words []string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.seen, func(line string) bool {
		return !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(line, w) })
	})
}

// wait waits for the command to end, once its output is all read.
func (l *cliLines) wait() error {
	<-l.ended
	err := l.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("exit status %d", exit.ExitCode())
	}
	return err
}

func (l *cliLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.seen, "\n")
}
