package stack_test

import (
	"context"
	"path/filepath"
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
