// Command compatdoc writes docs/compose-compatibility.md, what stackctl
// makes of every key of the Compose Specification
// (stack.CompatibilityDoc), to the file it is given. `make docs` runs it
// through go generate ./internal/stack.
package main

import (
	"fmt"
	"os"

	"github.com/stackctl/stackctl/internal/stack"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compatdoc FILE")
		os.Exit(2)
	}
	doc, err := stack.CompatibilityDoc()
	if err == nil {
		err = os.WriteFile(os.Args[1], doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compatdoc:", err)
		os.Exit(1)
	}
}
