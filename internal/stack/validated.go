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
)

// Checking a file against the Compose schema costs a new process about
// 20 ms (compiling the schema), more than the rest of a no-op up. Its
// verdict depends only on the files' bytes and the environment they are
// interpolated with, so a verdict that passed is remembered, by a digest of
// both, and the same inputs are not checked again. Files that pull in
// others (include, extends) are always checked: their digest would not
// cover what they include.
type validation struct {
	marker string // "" when the inputs cannot be remembered
}

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
	_, err = os.Stat(v.marker)
	return v, err == nil
}

// remember records that the inputs passed; failing to is no error: the
// next run checks them again.
func (v validation) remember() {
	if v.marker == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(v.marker), 0o700); err == nil {
		_ = os.WriteFile(v.marker, nil, 0o600)
	}
}
