package conformance

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackctl/stackctl/internal/stack"
)

// baseImages are the images b's Dockerfile builds FROM, each with the tag
// the engine assumes: not scratch, not an earlier stage, not a named
// context of the build. ARG defaults before the first FROM and the build's
// args are substituted, as the builder does; the run needs these on the
// engine, since nothing can be pulled.
func baseImages(b *stack.Build) ([]string, error) {
	if b.ContextURL != "" {
		return nil, fmt.Errorf("the build context %s is remote", b.ContextURL)
	}
	text := b.DockerfileInline
	if text == "" {
		path := b.Dockerfile
		if !filepath.IsAbs(path) {
			path = filepath.Join(b.Context, path)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read the Dockerfile: %w", err)
		}
		text = string(raw)
	}
	args := map[string]string{}
	stages := map[string]bool{}
	var out []string
	seenFrom := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "ARG":
			if seenFrom {
				continue
			}
			name, value, _ := strings.Cut(fields[1], "=")
			args[name] = strings.Trim(value, `"'`)
			if v, ok := b.Args[name]; ok {
				args[name] = v
			}
		case "FROM":
			seenFrom = true
			rest := fields[1:]
			for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				continue
			}
			ref := os.Expand(rest[0], func(k string) string { return args[k] })
			_, named := b.AdditionalContexts[ref]
			if ref != "scratch" && !stages[strings.ToLower(ref)] && !named {
				out = append(out, fullReference(ref))
			}
			if len(rest) >= 3 && strings.EqualFold(rest[1], "AS") {
				stages[strings.ToLower(rest[2])] = true
			}
		}
	}
	return out, sc.Err()
}
