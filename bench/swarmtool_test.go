package bench

import (
	"slices"
	"testing"
)

func TestIgnoredOptions(t *testing.T) {
	output := "Ignoring unsupported options: build\n\nIgnoring deprecated options:\n\n" +
		"container_name: Setting the container name is not supported.\n\n" +
		"Creating network bench-sw34-d_app-network\nCreating service bench-sw34-d_web\n"
	got := ignoredOptions(output)
	want := []string{"Ignoring unsupported options: build",
		"Ignoring deprecated option container_name: Setting the container name is not supported."}
	if !slices.Equal(got, want) {
		t.Errorf("ignoredOptions = %q, want %q", got, want)
	}
}
