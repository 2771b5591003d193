package stack_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// An ssh entry with a path renders as JSON in Compose's short form: the
// form compose-go writes it in is no JSON.
func TestConfigAsJSONWritesBuildSSHWithItsPath(t *testing.T) {
	isolate(t)
	t.Setenv("API_KEY", "not a real key")
	dir, err := filepath.Abs(filepath.Join("testdata", "build"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := st.Render(stack.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"deploy=` + filepath.Join(dir, "id_deploy") + `"`; !strings.Contains(string(out), want) {
		t.Errorf("the JSON does not hold %s:\n%s", want, out)
	}
}

// build.provenance and build.sbom become BuildKit's attest attributes as
// Compose hands them to buildx: true is the type alone, false none,
// options sorted after the type.
func TestBuildAttestations(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		provenance, sbom string
		want             map[string]string
	}{
		{"true", "true", map[string]string{"provenance": "type=provenance", "sbom": "type=sbom"}},
		{"mode=max", "generator=scanner:1,scan-stage=true", map[string]string{"provenance": "type=provenance,mode=max", "sbom": "type=sbom,generator=scanner:1,scan-stage=true"}},
		{"false", "disabled=true", nil},
	} {
		st, _, err := loadString(t, "services:\n  a:\n    build:\n      context: .\n      provenance: \""+tc.provenance+"\"\n      sbom: \""+tc.sbom+"\"\n")
		if err != nil {
			t.Fatalf("provenance %q, sbom %q: %v", tc.provenance, tc.sbom, err)
		}
		a, _ := st.Service("a")
		if !reflect.DeepEqual(a.Build.Attests, tc.want) {
			t.Errorf("provenance %q, sbom %q: attests %q, want %q", tc.provenance, tc.sbom, a.Build.Attests, tc.want)
		}
	}
	_, _, err := loadString(t, "services:\n  a:\n    build:\n      context: .\n      provenance: max\n")
	if err == nil || !strings.Contains(err.Error(), `services.a.build.provenance: "max": give options as key=value`) {
		t.Errorf("provenance max: %v, want it refused", err)
	}
}
