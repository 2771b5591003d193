package stack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Checking a file against the Compose schema means compiling the schema,
// in every new process: the largest fixed cost of loading a file, larger
// than the rest of a no-op up. Its verdict depends only on the files'
// bytes and the environment they are interpolated with, so a verdict that
// passed is remembered, by a digest of both, and the same inputs are not
// checked again. Files that pull in
// others (include, extends) are always checked: their digest would not
// cover what they include.
type validation struct {
	marker string // "" when the inputs cannot be remembered
}

// keptVerdicts bounds the verdicts remembered: every environment a file is
// loaded in leaves one, and a CI job's variables differ on every run. The
// ones used least recently go first.
const keptVerdicts = 256

// schemaVersion changes the digest when the schema stackctl checks against
// may have changed (a new compose-go).
const schemaVersion = "compose-go v2.16.2"

// rememberedValidation looks up whether these exact inputs passed before.
func rememberedValidation(contents [][]byte, env map[string]string) (validation, bool) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return validation{}, false
	}
	h := sha256.New()
	fmt.Fprintln(h, schemaVersion)
	for _, c := range contents {
		if bytes.Contains(c, []byte("include")) || bytes.Contains(c, []byte("extends")) {
			return validation{}, false
		}
		fmt.Fprintf(h, "%d\n", len(c))
		h.Write(c)
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, strings.ReplaceAll(env[k], "\n", "\\n"))
	}
	v := validation{marker: filepath.Join(dir, "stackctl", "validated", hex.EncodeToString(h.Sum(nil)))}
	if _, err := os.Stat(v.marker); err != nil {
		return v, false
	}
	// A verdict used is touched, so it outlives those that were not; one
	// that cannot be touched still counts.
	now := time.Now()
	_ = os.Chtimes(v.marker, now, now)
	return v, true
}

// remember records that the inputs passed; failing to is no error: the
// next run checks them again.
func (v validation) remember() {
	if v.marker == "" {
		return
	}
	dir := filepath.Dir(v.marker)
	if err := os.MkdirAll(dir, 0o700); err == nil && os.WriteFile(v.marker, nil, 0o600) == nil {
		forgetOldVerdicts(dir, keptVerdicts)
	}
}

// forgetOldVerdicts removes all but the keep verdicts of dir used last.
func forgetOldVerdicts(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= keep {
		return
	}
	type verdict struct {
		path string
		used time.Time
	}
	verdicts := make([]verdict, 0, len(entries))
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			verdicts = append(verdicts, verdict{filepath.Join(dir, e.Name()), info.ModTime()})
		}
	}
	slices.SortFunc(verdicts, func(a, b verdict) int { return b.used.Compare(a.used) })
	for _, old := range verdicts[min(keep, len(verdicts)):] {
		_ = os.Remove(old.path)
	}
}
