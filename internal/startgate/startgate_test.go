package startgate

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary holds as a gated container would when this variable
// names the marker; the command it then runs echoes a line.
const holdMarkerEnv = "STARTGATE_TEST_MARKER"

// As the hold command does: the held test binary execs from main's thread.
func init() {
	if os.Getenv(holdMarkerEnv) != "" {
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	if marker := os.Getenv(holdMarkerEnv); marker != "" {
		err := Hold(context.Background(), marker, []string{"sh", "-c", `echo "ran as $$"`}, time.Millisecond)
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// The held process runs nothing before the marker exists, and then becomes
// the command: the same process, found through PATH.
func TestHoldRunsTheCommandOnlyOnceTheMarkerExists(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "open")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdMarkerEnv+"="+marker)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()

	select {
	case line := <-lines:
		t.Fatalf("the command ran before the marker existed: %q", line)
	case <-time.After(300 * time.Millisecond):
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-lines:
		if want := "ran as " + strconv.Itoa(cmd.Process.Pid); strings.TrimSpace(line) != want {
			t.Errorf("the command said %q, want %q: it should replace the held process", line, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not run within 10 s of the marker")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the command's process ended with %v, want exit 0", err)
	}
}

func TestHoldEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := Hold(ctx, filepath.Join(t.TempDir(), "never"), []string{"true"}, time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hold = %v, want the context's deadline", err)
	}
}

func TestHoldSaysWhenTheCommandIsMissing(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "open")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Hold(context.Background(), marker, []string{"no-such-command-here"}, time.Millisecond)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no-such-command-here") {
		t.Errorf("Hold = %v, want ErrNotFound naming the command", err)
	}
}

func TestEntrypointNamesTheMarkerOfItsToken(t *testing.T) {
	got := strings.Join(Entrypoint("abc"), " ")
	if want := "/.stackctl/gate/stackctl hold /.stackctl/open/abc --"; got != want {
		t.Errorf("Entrypoint = %q, want %q", got, want)
	}
}

// Exec from any thread but the main one refuses, and replaces nothing. (Were
// it to replace the test binary, false would fail the run.)
func TestExecRefusesAThreadOtherThanTheMain(t *testing.T) {
	errs := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if syscall.Gettid() != syscall.Getpid() {
			errs <- Exec([]string{"false"})
			return
		}
		// This goroutine holds the main thread, so the next one runs on another.
		done := make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			errs <- Exec([]string{"false"})
		}()
		<-done
	}()
	if err := <-errs; !errors.Is(err, ErrNotMainThread) {
		t.Errorf("Exec from another thread = %v, want ErrNotMainThread", err)
	}
}
