package main

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// logs shows the services named, else every one but those with attach:
// false; when every one has it, every one, as Compose's logs does.
func TestLoggedServices(t *testing.T) {
	st := func(noAttach ...bool) *stack.Stack {
		s := &stack.Stack{}
		for i, n := range noAttach {
			s.Services = append(s.Services, stack.Service{Name: string(rune('a' + i)), NoAttach: n})
		}
		return s
	}
	for _, tt := range []struct {
		name  string
		st    *stack.Stack
		named []string
		want  []string
	}{
		{"none left out", st(false, false), nil, nil},
		{"one left out", st(false, true, false), nil, []string{"a", "c"}},
		{"named, though left out", st(false, true), []string{"b"}, []string{"b"}},
		{"all left out", st(true, true), nil, nil},
	} {
		if got := logged(tt.st, tt.named); !slices.Equal(got, tt.want) {
			t.Errorf("%s: logged = %q, want %q", tt.name, got, tt.want)
		}
	}
}
