package images_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// toolbox runs a long-sleeping container from image on the network, to run
// clients from another container the way a service of the stack would.
func toolbox(t *testing.T, cli *engine.Client, project, image, network string) string {
	t.Helper()
	return enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-toolbox", Image: image, Networks: []engine.Endpoint{{Network: network}},
		Cmd: []string{"sleep", "infinity"},
	})
}

func exec(t *testing.T, cli *engine.Client, id string, cmd ...string) engine.ExecResult {
	t.Helper()
	res, err := cli.Exec(context.Background(), id, cmd)
	if err != nil {
		t.Fatalf("exec %q: %v", cmd, err)
	}
	return res
}

func TestPostgresStandInHonoursTheOfficialContract(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	network := enginetest.Network(t, cli, project, project+"-net")
	ctx := enginetest.Context(t, 2*time.Minute)

	dbID := enginetest.Create(t, cli, project, engine.ContainerSpec{
		Name: project + "-db", Image: "postgres:15", Networks: []engine.Endpoint{{Network: network, Aliases: []string{"db"}}},
		Env: []string{"POSTGRES_USER=appuser", "POSTGRES_PASSWORD_FILE=/run/secrets/pg", "POSTGRES_DB=appdb"},
	})
	if err := cli.CopyFiles(ctx, dbID, "/", map[string][]byte{"run/secrets/pg": []byte("s3cret\n")}); err != nil {
		t.Fatal(err)
	}
	if err := cli.ContainerStart(ctx, dbID); err != nil {
		t.Fatal(err)
	}

	// pg_isready over TCP must not pass while initdb's temporary server runs.
	enginetest.Eventually(t, 60*time.Second, "postgres accepts TCP connections", func() error {
		res, err := cli.Exec(ctx, dbID, []string{"pg_isready", "-U", "appuser", "-h", "127.0.0.1"})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("pg_isready: exit %d: %s", res.ExitCode, res.Output)
		}
		return nil
	})
	logs := containerLogs(t, cli, dbID)
	if !strings.Contains(logs, "initdb: done") {
		t.Fatalf("pg_isready passed before initdb finished; logs:\n%s", logs)
	}

	if comm := exec(t, cli, dbID, "cat", "/proc/1/comm"); strings.TrimSpace(comm.Output) != "postgres" {
		t.Errorf("PID 1 is %q, want postgres itself (exec'd, so signals reach it)", comm.Output)
	}
	if owner := exec(t, cli, dbID, "stat", "-c", "%U", "/proc/1"); strings.TrimSpace(owner.Output) != "postgres" {
		t.Errorf("PID 1 runs as %q, want postgres", owner.Output)
	}

	client := toolbox(t, cli, project, "postgres:15", network)
	psql := func(password string) engine.ExecResult {
		return exec(t, cli, client, "env", "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=5",
			"psql", "-h", "db", "-U", "appuser", "-d", "appdb", "-tAc", "select current_database()")
	}
	if res := psql("s3cret"); res.ExitCode != 0 || strings.TrimSpace(res.Output) != "appdb" {
		t.Errorf("login with the right password over TCP: exit %d, output %q", res.ExitCode, res.Output)
	}
	if res := psql("wrong"); res.ExitCode == 0 || !strings.Contains(res.Output, "password authentication failed") {
		t.Errorf("login with a wrong password: exit %d, output %q; want a password failure", res.ExitCode, res.Output)
	}
}

func TestPostgresStandInRefusesToInitWithoutPassword(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	id := enginetest.Run(t, cli, project, engine.ContainerSpec{Name: project + "-db", Image: "postgres:15"})
	var c engine.Container
	enginetest.Eventually(t, 30*time.Second, "container exits", func() error {
		var err error
		c, err = cli.ContainerInspect(context.Background(), id)
		if err == nil && c.Running() {
			err = fmt.Errorf("still %s", c.Status)
		}
		return err
	})
	if c.ExitCode == 0 {
		t.Errorf("exit code 0, want a failure")
	}
	if logs := containerLogs(t, cli, id); !strings.Contains(logs, "POSTGRES_PASSWORD") {
		t.Errorf("logs do not say what is missing:\n%s", logs)
	}
}

func TestRedisStandInAnswersPingFromAnotherContainer(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	network := enginetest.Network(t, cli, project, project+"-net")
	redisID := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-cache", Image: "redis:7", Networks: []engine.Endpoint{{Network: network, Aliases: []string{"cache"}}},
	})
	client := toolbox(t, cli, project, "redis:7", network)
	enginetest.Eventually(t, 30*time.Second, "redis answers PING", func() error {
		res, err := cli.Exec(context.Background(), client, []string{"redis-cli", "-h", "cache", "ping"})
		if err != nil {
			return err
		}
		if strings.TrimSpace(res.Output) != "PONG" {
			return fmt.Errorf("redis-cli ping: exit %d: %q", res.ExitCode, res.Output)
		}
		return nil
	})
	if owner := exec(t, cli, redisID, "stat", "-c", "%U", "/proc/1"); strings.TrimSpace(owner.Output) != "redis" {
		t.Errorf("redis runs as %q, want redis", owner.Output)
	}
	if dir := exec(t, cli, client, "redis-cli", "-h", "cache", "config", "get", "dir"); !strings.HasSuffix(strings.TrimSpace(dir.Output), "/data") {
		t.Errorf("redis keeps its data in %q, want /data", dir.Output)
	}
}

func TestNginxStandInServesAndIncludesConfD(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	ctx := enginetest.Context(t, time.Minute)
	id := enginetest.Create(t, cli, project, engine.ContainerSpec{
		Name: project + "-edge", Image: "nginx:1.22",
		Ports: []stack.Port{{HostIP: "127.0.0.1", ContainerPort: 8080}},
	})
	conf := "server { listen 8080; location / { return 200 'from conf.d\\n'; } }\n"
	if err := cli.CopyFiles(ctx, id, "/etc/nginx/conf.d", map[string][]byte{"probe.conf": []byte(conf)}); err != nil {
		t.Fatal(err)
	}
	if err := cli.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	c, err := cli.ContainerInspect(ctx, id)
	if err != nil || len(c.Ports) == 0 {
		t.Fatalf("inspect published port: %v %+v", err, c.Ports)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/", c.Ports[0].HostPort)
	enginetest.Eventually(t, 20*time.Second, "nginx serves the conf.d server", func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "from conf.d\n" {
			return fmt.Errorf("GET %s: %d %q", url, resp.StatusCode, body)
		}
		return nil
	})
	if comm := exec(t, cli, id, "cat", "/proc/1/comm"); strings.TrimSpace(comm.Output) != "nginx" {
		t.Errorf("PID 1 is %q, want nginx in the foreground", comm.Output)
	}
}

func TestGolangStandInTrustsTheHostCABundle(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	id := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-go", Image: "golang:1.26", Cmd: []string{"sleep", "infinity"},
	})
	if res := exec(t, cli, id, "go", "version"); res.ExitCode != 0 || !strings.Contains(res.Output, "go1.26") {
		t.Errorf("go version: exit %d, %q", res.ExitCode, res.Output)
	}
	host, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("read the host's CA bundle: %v", err)
	}
	sum := sha256.Sum256(host)
	res := exec(t, cli, id, "sha256sum", "/etc/ssl/certs/ca-certificates.crt")
	if !strings.HasPrefix(res.Output, hex.EncodeToString(sum[:])) {
		t.Errorf("the image's CA bundle differs from the host's: %q", res.Output)
	}
}

func containerLogs(t *testing.T, cli *engine.Client, id string) string {
	t.Helper()
	var b strings.Builder
	if err := cli.ContainerLogs(context.Background(), id, engine.LogsOptions{Tail: -1}, &b, &b); err != nil {
		t.Fatalf("read logs: %v", err)
	}
	return b.String()
}
