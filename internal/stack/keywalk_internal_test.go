package stack

import (
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// A key is set when its value is not its type's zero value; a pointer to
// a number is set even to 0, since compose-go points to a number only when
// the file gives it.
func TestCheckKeysSetAndUnsetValues(t *testing.T) {
	zero, no := 0, false
	svc := types.ServiceConfig{Name: "a", Scale: &zero, Attach: &no}
	svc.Privileged = false
	svc.ContainerSpec.Init = &no
	allowed := keys{"services": {"*": {"image": anyValue}}}
	p := &types.Project{Name: "p", Services: types.Services{"a": svc}}
	var got []string
	for _, err := range checkKeys(reflect.ValueOf(p), allowed, "", "") {
		got = append(got, err.Error())
	}
	want := []string{"name: not supported", "services.a.scale: not supported"}
	if len(got) != len(want) {
		t.Fatalf("refused %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("refusal %d = %q, want %q...", i, got[i], want[i])
		}
	}
}
