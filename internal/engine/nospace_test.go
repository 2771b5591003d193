package engine

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A build step that ran out of space, as the classic builder reports it:
// the step's own words, then its exit code.
const recordedNoSpaceBuild = `{"stream":"Step 2/2 : RUN dd if=/dev/zero of=/filler bs=1M count=2048\n"}
{"stream":" ---\u003e Running in 3c1f0e2a9b7d\n"}
{"stream":"dd: error writing '/filler': No space left on device\n"}
{"stream":"1000+0 records in\n"}
{"errorDetail":{"code":1,"message":"The command '/bin/sh -c dd if=/dev/zero of=/filler bs=1M count=2048' returned a non-zero code: 1"},"error":"The command '/bin/sh -c dd if=/dev/zero of=/filler bs=1M count=2048' returned a non-zero code: 1"}
`

func TestABuildOutOfSpaceSaysTheEngineDiskIsFull(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "0") // the output recorded is the classic builder's
	f := &fakeEngine{version: "1.41", routes: map[string]http.HandlerFunc{
		"POST /build": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(recordedNoSpaceBuild))
		},
	}}
	cli := f.client(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM redis:7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := cli.ImageBuild(context.Background(), BuildSpec{ContextDir: dir, Dockerfile: "Dockerfile", Tag: "filler"}, nil)
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("error %v, want ErrNoSpace", err)
	}
	for _, want := range []string{
		"build image filler failed at Step 2/2",
		"the disk of the engine at " + cli.Host() + " is full (no space left on device)",
		"remove unused images",
		"returned a non-zero code: 1",
		"dd: error writing '/filler': No space left on device",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}

func TestAFailedBuildWithRoomLeftSaysNothingOfTheDisk(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "0")
	failed := strings.Replace(recordedNoSpaceBuild, "No space left on device", "Permission denied", 1)
	f := &fakeEngine{version: "1.41", routes: map[string]http.HandlerFunc{
		"POST /build": func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(failed)) },
	}}
	cli := f.client(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM redis:7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := cli.ImageBuild(context.Background(), BuildSpec{ContextDir: dir, Dockerfile: "Dockerfile", Tag: "filler"}, nil)
	if err == nil || errors.Is(err, ErrNoSpace) || strings.Contains(err.Error(), "full") {
		t.Errorf("error %v, want a build error that does not blame the disk", err)
	}
}
