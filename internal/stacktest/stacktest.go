// Package stacktest loads the built-in stack for tests, through the same
// compose-go path as the command, under a project of the test's own.
package stacktest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// Options shape the built-in stack for a test.
type Options struct {
	// Project is the test's own project name.
	Project string
	// AppDir is the web app's build context; "" is the repository's app/.
	AppDir string
	// WebPort is web's host port; "" lets the engine choose one.
	WebPort string
	// Password, when set, is the database password, in a file of its own
	// (the stack reads it as a secret).
	Password string
	// Env adds to the interpolation environment.
	Env map[string]string
	// Shape scales services and puts them behind their edge.
	Shape stack.Shape
}

// Builtin loads the built-in stack or fails the test.
func Builtin(t testing.TB, opts Options) *stack.Stack {
	t.Helper()
	st, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Load loads the built-in compose file as `stackctl` does with no file,
// with the repository root as project directory, and shapes it.
func Load(opts Options) (*stack.Stack, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	env := map[string]string{"WEB_PORT": "0"}
	if opts.WebPort != "" {
		env["WEB_PORT"] = opts.WebPort
	}
	if opts.AppDir != "" {
		env["APP_DIR"] = opts.AppDir
	}
	if opts.Password != "" {
		// One small file per project, replaced by each run.
		dir := filepath.Join(os.TempDir(), "stackctl-test-secrets")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		file := filepath.Join(dir, cmp.Or(opts.Project, "stackctl"))
		if err := os.WriteFile(file, []byte(opts.Password+"\n"), 0o600); err != nil {
			return nil, err
		}
		env["POSTGRES_PASSWORD_FILE"] = file
	}
	maps.Copy(env, opts.Env)
	// The embedded file by its path, so that no COMPOSE_FILE or compose
	// file around the checkout can stand in for it.
	st, err := stack.Load(context.Background(), stack.LoadOptions{
		Files:      []string{filepath.Join(root, "internal", "stack", "builtin", "compose.yaml")},
		WorkingDir: root, ProjectName: opts.Project, Environment: env,
	})
	if err != nil {
		return nil, fmt.Errorf("load the built-in stack: %w", err)
	}
	if err := st.ApplyShape(opts.Shape); err != nil {
		return nil, fmt.Errorf("shape the built-in stack: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("the built-in stack is invalid: %w", err)
	}
	return st, nil
}

// RepoRoot is the repository's root: the nearest directory above the
// current one that holds go.mod and app/.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		_, errMod := os.Stat(filepath.Join(dir, "go.mod"))
		_, errApp := os.Stat(filepath.Join(dir, "app"))
		if errMod == nil && errApp == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no repository root (go.mod beside app/) above the current directory")
		}
		dir = parent
	}
}

var (
	staticOnce sync.Once
	staticBin  string
	staticErr  error
)

// StaticStackctl builds cmd/stackctl without cgo once per test binary, as
// `make build` does, and returns its path: the program the crash helper
// runs, and the command the end-to-end tests run.
func StaticStackctl(t testing.TB) string {
	t.Helper()
	staticOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			staticErr = err
			return
		}
		// Into the checkout's bin/ (ignored by git), one file that each
		// run replaces: test runs leave nothing behind. Built aside and
		// renamed, so concurrent test binaries never run a half-written one.
		staticBin = filepath.Join(root, "bin", "stackctl-test")
		if err := os.MkdirAll(filepath.Dir(staticBin), 0o755); err != nil {
			staticErr = err
			return
		}
		partial := fmt.Sprintf("%s.%d", staticBin, os.Getpid())
		build := exec.Command("go", "build", "-o", partial, "./cmd/stackctl")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			staticErr = fmt.Errorf("go build ./cmd/stackctl: %w\n%s", err, out)
			return
		}
		staticErr = os.Rename(partial, staticBin)
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	return staticBin
}
