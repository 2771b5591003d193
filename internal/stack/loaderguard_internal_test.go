package stack

import (
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// A panic of the loader is an error, not a crash.
func TestLoadGuardedTurnsAPanicIntoAnError(t *testing.T) {
	p, err := loadGuarded(func() (*types.Project, error) {
		var v any = 0
		_ = v.(string)
		return &types.Project{}, nil
	})
	if p != nil || err == nil || !strings.Contains(err.Error(), "the Compose loader failed on it: interface conversion") {
		t.Errorf("loadGuarded = %v, %v; want no project and the panic as an error", p, err)
	}
}
