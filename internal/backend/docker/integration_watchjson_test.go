package docker_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
)

// Under --progress json, `stackctl watch` writes each change as one event
// whose change object names the service, the action, the files and the
// duration, for an editor to read; every line of its stderr is one JSON
// object.
func TestWatchCLIJSONProgressGivesAnEventPerChange(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st, file := e.composeStack(ctx, watchFile)
	dir := filepath.Dir(file)
	writeIn(t, dir, "src/a.txt", "a")
	cli := itgBuildCLI(t, e.project, nil)
	cmd := exec.CommandContext(ctx, cli.bin, "-p", cli.project, "--progress", "json", "watch")
	cmd.Dir, cmd.Env = dir, cli.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The two files are written back to back, which one batch gathers;
	// a loaded machine may still split them, so the events are read
	// until both files have been reported.
	var changes []progress.Change
	var files []string
	var lines []string
	scanner := bufio.NewScanner(stderr)
	for scanner.Scan() {
		lines = append(lines, scanner.Text())
		var ev progress.Event
		if err := json.Unmarshal(scanner.Bytes(), &ev); err != nil {
			t.Errorf("stderr line %q is not a JSON event: %v", scanner.Text(), err)
			continue
		}
		switch {
		case ev.Resource == "stack "+st.ProjectName() && ev.Status == "watching":
			writeIn(t, dir, "src/b.txt", "b")
			writeIn(t, dir, "src/c.txt", "c")
		case ev.Change != nil && len(files) < 2:
			changes = append(changes, *ev.Change)
			files = append(files, ev.Change.Files...)
			if len(files) >= 2 {
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("watch interrupted: %v", err)
	}
	if len(changes) == 0 {
		t.Fatalf("no event carries a change:\n%s", strings.Join(lines, "\n"))
	}
	t.Logf("the changes: %+v", changes)
	for _, change := range changes {
		if change.Service != "app" || change.Action != "sync" || change.DurationMS <= 0 || change.Outcome != progress.Serving || change.Error != "" {
			t.Errorf("the change event is %+v, want app's sync, serving, with its duration", change)
		}
	}
	if slices.Sort(files); !reflect.DeepEqual(files, []string{"src/b.txt", "src/c.txt"}) {
		t.Errorf("the change events name the files %v, want src/b.txt and src/c.txt, each once", files)
	}
	if got, _ := e.readIn(ctx, e.project+"-app-1", "/app/c.txt"); got != "c" {
		t.Errorf("/app/c.txt is %q after the change, want c", got)
	}
}
