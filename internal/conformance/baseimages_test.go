package conformance

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// The images a build starts FROM: ARG defaults and the build's args
// substituted, flags skipped; not scratch, an earlier stage or a named
// context.
func TestBaseImagesAreWhatTheBuildStartsFrom(t *testing.T) {
	b := &stack.Build{
		DockerfileInline: "ARG IMAGE=666\nARG TAG=1\n" +
			"FROM --platform=$BUILDPLATFORM golang:alpine AS build\n" +
			"from ${IMAGE}:${TAG}\n" +
			"ARG LATER=x\n" +
			"FROM build\nFROM scratch\nFROM base\nFROM nginx\n",
		Args:               map[string]string{"IMAGE": "alpine"},
		AdditionalContexts: map[string]string{"base": "service:base"},
	}
	got, err := baseImages(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"golang:alpine", "alpine:1", "nginx:latest"}; !slices.Equal(got, want) {
		t.Errorf("base images %v, want %v", got, want)
	}
}

// A Dockerfile that is not there, or a remote context, is an error.
func TestBaseImagesOfAnUnreadableBuildFail(t *testing.T) {
	if _, err := baseImages(&stack.Build{Context: t.TempDir(), Dockerfile: "Dockerfile"}); err == nil {
		t.Error("a missing Dockerfile gave no error")
	}
	if _, err := baseImages(&stack.Build{ContextURL: "https://example.com/x.git"}); err == nil {
		t.Error("a remote context gave no error")
	}
}
