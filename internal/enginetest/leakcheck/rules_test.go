package leakcheck

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// The stand-ins the rule accepts are exactly those scripts/images.sh
// builds: its IMAGES and ON_REQUEST references and its BASE_IMAGE.
func TestStandinsAreThoseOfImagesScript(t *testing.T) {
	script, err := os.ReadFile("../../../scripts/images.sh")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^\s+"([^"=]+)=[a-z0-9-]+"$`).FindAllSubmatch(script, -1) {
		want = append(want, string(m[1]))
	}
	base := regexp.MustCompile(`(?m)^readonly BASE_IMAGE=(\S+)$`).FindSubmatch(script)
	if base == nil || len(want) == 0 {
		t.Fatalf("cannot read IMAGES and BASE_IMAGE from scripts/images.sh (found %q, %q)", want, base)
	}
	want = append(want, string(base[1]))
	got := slices.Clone(Standins)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Standins = %q, scripts/images.sh builds %q", got, want)
	}
}
