package engine

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// classicBuild answers /build as the classic builder does, and records the
// builder version the build asked for.
func classicBuild(version *string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		*version = r.URL.Query().Get("version")
		_, _ = w.Write([]byte(`{"stream":"Step 1/1 : FROM scratch\n"}` + "\n" + `{"aux":{"ID":"sha256:0123"}}` + "\n"))
	}
}

// buildWith builds through an engine of the given API version and OS, and
// returns the builder version the build asked for and the notices.
func buildWith(t *testing.T, apiVersion, osType string) (string, []string, error) {
	t.Helper()
	var asked string
	f := &fakeEngine{version: apiVersion, osType: osType, routes: map[string]http.HandlerFunc{"POST /build": classicBuild(&asked)}}
	cli := f.client(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var notices []string
	_, err := cli.ImageBuild(context.Background(), BuildSpec{ContextDir: dir, Dockerfile: "Dockerfile", Tag: "bk-builder"}, func(e BuildEvent) {
		if e.Notice != "" {
			notices = append(notices, e.Notice)
		}
	})
	return asked, notices, err
}

func TestTheClassicBuilderBuildsWhereTheEngineHasNoBuildKit(t *testing.T) {
	tests := []struct {
		name, env, api, os string
		want               string // the builder version asked for
		notice             string
	}{
		{name: "BuildKit by default", api: "1.41", os: "linux", want: "2"},
		{name: "turned off", env: "0", api: "1.41", os: "linux", want: "1", notice: "DOCKER_BUILDKIT=0 turns BuildKit off"},
		{name: "asked for", env: "1", api: "1.38", os: "linux", want: "2"},
		{name: "too old an API", api: "1.38", os: "linux", want: "1", notice: "speaks API 1.38, older than 1.39"},
		{name: "a Windows engine", api: "1.41", os: "windows", want: "1", notice: "runs on windows, where it has no BuildKit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOCKER_BUILDKIT", tt.env)
			asked, notices, _ := buildWith(t, tt.api, tt.os)
			if asked != tt.want {
				t.Errorf("the build asked for builder version %q, want %q", asked, tt.want)
			}
			switch {
			case tt.notice == "" && len(notices) > 0:
				t.Errorf("notices %q on BuildKit", notices)
			case tt.notice != "" && (len(notices) != 1 || !strings.Contains(notices[0], tt.notice)):
				t.Errorf("notices %q, want one saying %q", notices, tt.notice)
			}
		})
	}
}

func TestABadDockerBuildKitValueIsRefused(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "maybe")
	asked, _, err := buildWith(t, "1.41", "linux")
	if err == nil || !strings.Contains(err.Error(), `DOCKER_BUILDKIT="maybe"`) || asked != "" {
		t.Errorf("error %v (asked for %q), want DOCKER_BUILDKIT refused before building", err, asked)
	}
}

func TestTheClassicBuilderRefusesSecretsAndSSH(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "0")
	f := &fakeEngine{version: "1.41"}
	cli := f.client(t)
	_, err := cli.ImageBuild(context.Background(), BuildSpec{Tag: "bk-secret", Secrets: []stack.BuildSecret{{ID: "s", Env: "X"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "a build secret needs BuildKit, and DOCKER_BUILDKIT=0 turns BuildKit off") {
		t.Errorf("error %v, want a build secret refused on the classic builder", err)
	}
}
