package progress

import (
	"slices"
	"testing"
)

func TestHideBuildOutputDropsOnlyTheBuildSteps(t *testing.T) {
	var rec Recorder
	r := HideBuildOutput(&rec)
	for _, e := range []Event{
		{Resource: "image app", Status: "building", Detail: "."},
		{Resource: "image app", Status: "building", Detail: "[2/2] COPY version.txt /version.txt"},
		{Resource: "image app", Status: "step failed", Detail: "[2/2] RUN false: exit code 1", Level: "error"},
		{Resource: "image app", Status: "built", Detail: "a2cd9c12cb32"},
		{Resource: "container app-1", Status: "building", Detail: "not an image's step"},
		{Resource: "service app", Status: "rebuilt"},
	} {
		r.Report(e)
	}
	var got []string
	for _, e := range rec.Events() {
		got = append(got, e.Resource+" "+e.Status)
	}
	want := []string{"image app step failed", "image app built", "container app-1 building", "service app rebuilt"}
	if !slices.Equal(got, want) {
		t.Errorf("passed on %q, want %q", got, want)
	}
}
