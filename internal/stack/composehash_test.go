package stack_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// The config-hash labels of a network and a volume are Compose's: the
// values below are what Docker Compose v5.6.0 labelled them with for this
// file under project confvol.
func TestNetworkAndVolumeHashesAreCompose(t *testing.T) {
	isolate(t)
	path := filepath.Join(t.TempDir(), "compose.yaml")
	write(t, path, "services:\n  a:\n    image: busybox\n    command: sleep 30\n    volumes: [data:/data]\n    networks: [front]\n"+
		"volumes:\n  data: {}\nnetworks:\n  front:\n    driver: bridge\n")
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}, ProjectName: "confvol"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.ComposeNetworkHash("front"), "1de06b3db78a38d16fc33939656b8f5640ae28973b31ae8a4c21e1d0125c4754"; got != want {
		t.Errorf("network front's hash = %s, Compose's is %s", got, want)
	}
	if got, want := st.ComposeVolumeHash("data"), "6239473514cb771591ede164da21cc622e4044d26abf9e2ce4215bdc25069530"; got != want {
		t.Errorf("volume data's hash = %s, Compose's is %s", got, want)
	}
	if got := st.ComposeNetworkHash("absent"); got != "" {
		t.Errorf("hash of a network the file does not have = %q, want none", got)
	}
}
