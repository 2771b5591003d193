package images

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A Dockerfile's `# syntax=IMAGE` directive makes BuildKit pull IMAGE and
// build with that frontend instead of its own. Where the image cannot be
// had (no registry, no network), the build fails resolving it, with words
// that name neither the directive nor a way out: frontendError adds both.

// directiveLine is one parser directive, `# key=value`. BuildKit reads them
// only at the top of the file: the first line that is not one ends them.
var directiveLine = regexp.MustCompile(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)

// syntaxDirective is the image the Dockerfile's syntax directive names, or
// "" when it has none.
func syntaxDirective(dockerfile string) string {
	for line := range strings.Lines(dockerfile) {
		m := directiveLine.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
		if m == nil {
			return ""
		}
		if strings.EqualFold(m[1], "syntax") {
			return m[2]
		}
	}
	return ""
}

// dockerfileText is b's Dockerfile as written, when stackctl can read it:
// inline, or a file of a local context.
func dockerfileText(b *stack.Build) string {
	if b.DockerfileInline != "" {
		return b.DockerfileInline
	}
	if b.ContextURL != "" {
		return ""
	}
	data, err := os.ReadFile(dockerfilePath(b))
	if err != nil {
		return ""
	}
	return string(data)
}

// frontendError is err with what to do, when the build failed resolving
// the frontend image b's syntax directive names; else err as it is.
func frontendError(b *stack.Build, err error) error {
	var be *engine.BuildError
	if !errors.As(err, &be) || !strings.HasPrefix(be.Step, "resolve image config for ") {
		return err
	}
	frontend := syntaxDirective(dockerfileText(b))
	if frontend == "" || !strings.HasSuffix(strings.TrimPrefix(be.Step, "resolve image config for "), frontend) {
		return err
	}
	return fmt.Errorf("its directive `# syntax=%s` asks BuildKit for the Dockerfile frontend image %s, which the engine could not pull: "+
		"make its registry reachable from the engine, or remove the directive to build with the engine's own Dockerfile frontend: %w", frontend, frontend, err)
}
