package engine

import (
	"strings"
	"testing"
)

// A push's message stream as an engine sends it: progress per layer, then
// the digest in an aux message.
const recordedPush = `{"status":"The push refers to repository [127.0.0.1:5000/stackctl-app]"}
{"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"}
{"status":"Pushing","progressDetail":{"current":512,"total":1024},"progress":"[=========================>                         ]     512B/1.024kB","id":"5f70bf18a086"}
{"status":"Pushed","progressDetail":{},"id":"5f70bf18a086"}
{"status":"latest: digest: sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9 size: 528"}
{"progressDetail":{},"aux":{"Tag":"latest","Digest":"sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9","Size":528}}
`

func TestPushDigest(t *testing.T) {
	var lines []string
	digest, err := pushDigest(strings.NewReader(recordedPush), func(s string) { lines = append(lines, s) })
	if err != nil {
		t.Fatal(err)
	}
	if digest != "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9" {
		t.Errorf("digest %q", digest)
	}
	if len(lines) != 5 || lines[1] != "5f70bf18a086: Preparing" {
		t.Errorf("progress %q, want the five status lines, layers named", lines)
	}

	failed := `{"status":"Preparing","id":"5f70bf18a086"}
{"errorDetail":{"message":"Get \"https://127.0.0.1:5000/v2/\": http: server gave HTTP response to HTTPS client"},"error":"Get \"https://127.0.0.1:5000/v2/\": http: server gave HTTP response to HTTPS client"}
`
	if _, err := pushDigest(strings.NewReader(failed), nil); err == nil || !strings.Contains(err.Error(), "HTTP response to HTTPS client") {
		t.Errorf("failed push: %v, want the stream's error", err)
	}
	// The containerd image store sends no aux message: the status line
	// that ends the tag has the digest.
	noAux := strings.Join(strings.Split(recordedPush, "\n")[:5], "\n")
	if digest, err := pushDigest(strings.NewReader(noAux), nil); err != nil || digest != "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9" {
		t.Errorf("push without aux: %q, %v; want the status line's digest", digest, err)
	}
	noDigest := strings.Join(strings.Split(recordedPush, "\n")[:4], "\n")
	if _, err := pushDigest(strings.NewReader(noDigest), nil); err == nil || !strings.Contains(err.Error(), "no digest") {
		t.Errorf("push without a digest: %v, want an error", err)
	}
}
