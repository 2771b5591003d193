package backend

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/stack"
)

// UnknownService is the error for a service name the stack does not have:
// ErrUnknownService, with the names it has.
func UnknownService(st *stack.Stack, name string) error {
	return fmt.Errorf("%w %q (the stack has: %s)", ErrUnknownService, name, strings.Join(st.ServiceNames(), ", "))
}

// CheckServices refuses the first of names the stack does not have.
func CheckServices(st *stack.Stack, names []string) error {
	for _, name := range names {
		if _, ok := st.Service(name); !ok {
			return UnknownService(st, name)
		}
	}
	return nil
}

// SelectServices checks the named services and returns them, or all of the
// stack's when none are named.
func SelectServices(st *stack.Stack, names []string) ([]string, error) {
	if len(names) == 0 {
		return st.ServiceNames(), nil
	}
	if err := CheckServices(st, names); err != nil {
		return nil, err
	}
	return slices.Clone(names), nil
}
