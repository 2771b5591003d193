// Package golden holds a test's output to a file under testdata: `go test
// -update` rewrites the file, and a review of its diff is the review of the
// change in output.
package golden

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Check fails t when got is not the content of the file at path; with
// -update it writes got there first. what names the output in the failure
// ("the plan", "the create requests").
func Check(t testing.TB, path, got, what string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (run with -update to write it): %v", path, err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run with -update if the change is meant); got:\n%s", path, what, got)
	}
}
