package images

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

func TestSyntaxDirectiveIsReadAtTheTopOnly(t *testing.T) {
	for _, tc := range []struct{ dockerfile, want string }{
		{"# syntax=docker/dockerfile:1.7\nFROM scratch\n", "docker/dockerfile:1.7"},
		{"# escape=`\n#   SYNTAX = docker/dockerfile:1 \r\nFROM scratch\n", "docker/dockerfile:1"},
		{"FROM scratch\n# syntax=docker/dockerfile:1\n", ""},
		{"# a comment\n# syntax=docker/dockerfile:1\nFROM scratch\n", ""},
		{"\n# syntax=docker/dockerfile:1\nFROM scratch\n", ""},
		{"", ""},
	} {
		if got := syntaxDirective(tc.dockerfile); got != tc.want {
			t.Errorf("syntaxDirective(%q) = %q, want %q", tc.dockerfile, got, tc.want)
		}
	}
}

func TestFrontendErrorOnlyForTheDirectivesImage(t *testing.T) {
	b := &stack.Build{DockerfileInline: "# syntax=docker/dockerfile:1.7\nFROM scratch\n"}
	failed := &engine.BuildError{Tag: "x", Step: "resolve image config for docker.io/docker/dockerfile:1.7", Err: errors.New("no such host")}
	err := frontendError(b, failed)
	if !strings.Contains(err.Error(), "its directive `# syntax=docker/dockerfile:1.7`") || !errors.Is(err, failed) {
		t.Errorf("frontendError = %v, want the directive named and the build's error kept", err)
	}
	other := &engine.BuildError{Tag: "x", Step: "resolve image config for docker.io/library/golang:1.26", Err: errors.New("no such host")}
	if got := frontendError(b, other); got != error(other) {
		t.Errorf("frontendError of another image's failure = %v, want it as it was", got)
	}
	plain := &stack.Build{DockerfileInline: "FROM scratch\n"}
	if got := frontendError(plain, failed); got != error(failed) {
		t.Errorf("frontendError without a directive = %v, want it as it was", got)
	}
}
