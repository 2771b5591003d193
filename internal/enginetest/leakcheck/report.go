package leakcheck

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Report writes one line per leak: kind, ID (short) and name, when it was
// made, a container's image, and the labels that say whose it is.
func Report(w io.Writer, leaks []Resource) error {
	for _, r := range leaks {
		var b strings.Builder
		fmt.Fprintf(&b, "%-9s %s", r.Kind, shortID(r))
		if r.Name != "" && r.Name != r.ID {
			fmt.Fprintf(&b, " %s", r.Name)
		}
		if len(r.Tags) > 1 {
			fmt.Fprintf(&b, " (also %s)", strings.Join(r.Tags[1:], ", "))
		}
		if r.Kind == KindImage && len(r.Tags) == 0 {
			b.WriteString(" <none>")
		}
		fmt.Fprintf(&b, " created %s", r.Created.Format(time.RFC3339))
		if r.Image != "" {
			fmt.Fprintf(&b, " image %s", r.Image)
		}
		fmt.Fprintf(&b, " labels %s", labels(r.Labels))
		if r.Note != "" {
			fmt.Fprintf(&b, " (%s)", r.Note)
		}
		b.WriteString("\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write the leak report: %w", err)
		}
	}
	return nil
}

// shortID is the 12 characters `docker` shows of an ID, and a volume's
// whole name (its ID).
func shortID(r Resource) string {
	if r.Kind == KindVolume {
		return r.ID
	}
	id := strings.TrimPrefix(r.ID, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

func labels(l map[string]string) string {
	if len(l) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}
