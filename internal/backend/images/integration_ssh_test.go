package images_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/agent"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// sshBase has python, to speak the agent protocol from a RUN step
// (`make images` provides it).
const sshBase = "python:3.11-slim"

// agentSocket serves an SSH agent holding one key on a unix socket in a
// directory of the test's, until the test ends.
func agentSocket(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: key, Comment: "bk-test"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			go func() {
				defer conn.Close()
				_ = agent.ServeAgent(keyring, conn)
			}()
		}
	}()
	return path
}

// A RUN step that mounts ssh reaches the agent the build names (by its
// socket's path), and the default one ($SSH_AUTH_SOCK): it lists the
// agent's one key through the socket the step sees.
func TestBuildKitForwardsSSHAgents(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	t.Setenv("SSH_AUTH_SOCK", agentSocket(t))
	named := agentSocket(t)
	// Asks the agent for its identities (SSH_AGENTC_REQUEST_IDENTITIES,
	// 11) and writes how many it holds (SSH_AGENT_IDENTITIES_ANSWER, 12).
	const listKeys = `import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["SSH_AUTH_SOCK"])
s.sendall(struct.pack(">IB", 1, 11))
n = struct.unpack(">I", s.recv(4))[0]
d = b""
while len(d) < n:
    d += s.recv(n - len(d))
assert d[0] == 12, d[0]
open(sys.argv[1], "w").write(str(struct.unpack(">I", d[1:5])[0]))
`
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"listkeys.py": listKeys,
		"Dockerfile": "FROM " + sshBase + "\n" +
			"COPY listkeys.py /listkeys.py\n" +
			"RUN --mount=type=ssh echo " + project + " && python /listkeys.py /default-keys\n" +
			"RUN --mount=type=ssh,id=deploy python /listkeys.py /deploy-keys\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", SSH: []stack.BuildSSH{
		{ID: "default"},
		{ID: "deploy", Paths: []string{named}},
	}})
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	api := rawAPI(t)
	for _, f := range []string{"/default-keys", "/deploy-keys"} {
		if got := readImageFile(t, ctx, api, st.Services[0].Image, f); got != "1" {
			t.Errorf("%s: the step saw %q keys through its agent socket, want the test agent's 1", f, got)
		}
	}
}
