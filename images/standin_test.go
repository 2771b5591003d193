package images_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/moby/go-archive"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// The tests hold every image to the contract of the official image it
// names, so they pass on the official images too. What only a stand-in
// promises (its own log lines, the host's CA bundle, Debian's packages) is
// checked only on images scripts/images.sh labelled as stand-ins.
const standInLabel = "io.stackctl.standin"

// isStandIn reports whether image is one of scripts/images.sh's offline
// stand-ins rather than the official image.
func isStandIn(t *testing.T, cli *engine.Client, image string) bool {
	t.Helper()
	img, err := cli.ImageInspect(context.Background(), image)
	if err != nil {
		t.Fatalf("inspect image %s (`make images` provides it): %v", image, err)
	}
	return img.Labels[standInLabel] == "true"
}

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

// initTCPProbe runs as an init script, so while the entrypoint's temporary
// server is up: it records what pg_isready over TCP said then (2: no
// response). Both the official entrypoint and the stand-in source it under
// `set -e`, hence the `||`.
const initTCPProbe = `probe_rc=0
pg_isready -q -h 127.0.0.1 -p 5432 || probe_rc=$?
echo "$probe_rc" >/tmp/pg_isready-during-init
`

// readyProbe is the stack's healthcheck (pg_isready over TCP), exiting 100
// while it fails. Once it passes it asks, over TCP, the server that answered:
// its postmaster's PID (from postmaster.pid in its data directory) and whether
// appdb holds the table the last init script creates.
const readyProbe = `pg_isready -q -h 127.0.0.1 -p 5432 -U appuser || exit 100
PGPASSWORD=s3cret PGCONNECT_TIMEOUT=5 exec psql -h 127.0.0.1 -U appuser -d appdb -tAc \
	"select split_part(pg_read_file('postmaster.pid'), chr(10), 1), to_regclass('init_scripts_ran') is not null"
`

func TestPostgresImageHonoursTheOfficialContract(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	network := enginetest.Network(t, cli, project, project+"-net")
	ctx := enginetest.Context(t, 3*time.Minute)
	standIn := isStandIn(t, cli, "postgres:15")

	dbID := enginetest.Create(t, cli, project, engine.ContainerSpec{
		Name: project + "-db", Image: "postgres:15", Networks: []engine.Endpoint{{Network: network, Aliases: []string{"db"}}},
		Env: []string{"POSTGRES_USER=appuser", "POSTGRES_PASSWORD_FILE=/run/secrets/pg", "POSTGRES_DB=appdb"},
	})
	if err := cli.CopyFiles(ctx, dbID, "/", map[string][]byte{"run/secrets/pg": []byte("s3cret\n")}); err != nil {
		t.Fatal(err)
	}
	if err := cli.CopyFiles(ctx, dbID, "/docker-entrypoint-initdb.d", map[string][]byte{
		"10-tcp-probe.sh":  []byte(initTCPProbe),
		"20-last-step.sql": []byte("create table init_scripts_ran ();\n"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := cli.ContainerStart(ctx, dbID); err != nil {
		t.Fatal(err)
	}

	// From the start, pg_isready over TCP must not pass before initialisation
	// is complete. The first time it passes, the server that answered must be
	// the final one (the entrypoint execs it as PID 1; its temporary server
	// never is), with appdb and the init scripts' work in place.
	var first engine.ExecResult
	enginetest.Eventually(t, 90*time.Second, "pg_isready over TCP passes", func() error {
		res, err := cli.Exec(ctx, dbID, []string{"sh", "-c", readyProbe})
		if err != nil {
			return err
		}
		if res.ExitCode == 100 {
			return fmt.Errorf("pg_isready fails: %s", res.Output)
		}
		first = res
		return nil
	})
	if first.ExitCode != 0 || strings.TrimSpace(first.Output) != "1|t" {
		t.Fatalf("pg_isready over TCP passed before initialisation was complete: asked at once, the server said (exit %d) %q, want \"1|t\" (postmaster PID 1, init scripts done); logs:\n%s",
			first.ExitCode, first.Output, containerLogs(t, cli, dbID))
	}
	if res := exec(t, cli, dbID, "cat", "/tmp/pg_isready-during-init"); strings.TrimSpace(res.Output) != "2" {
		t.Errorf("during initialisation pg_isready over TCP said %q (exit %d of cat), want 2 (no response)", res.Output, res.ExitCode)
	}
	if standIn {
		if logs := containerLogs(t, cli, dbID); !strings.Contains(logs, "initdb: done") {
			t.Errorf("the stand-in's log has no \"initdb: done\":\n%s", logs)
		}
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

func TestPostgresImageRefusesToInitWithoutPassword(t *testing.T) {
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

func TestRedisImageAnswersPingFromAnotherContainer(t *testing.T) {
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

func TestNginxImageServesAndIncludesConfD(t *testing.T) {
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

func TestGolangImageIsGo126(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	standIn := isStandIn(t, cli, "golang:1.26")
	id := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-go", Image: "golang:1.26", Cmd: []string{"sleep", "infinity"},
	})
	if res := exec(t, cli, id, "go", "version"); res.ExitCode != 0 || !strings.Contains(res.Output, "go1.26") {
		t.Errorf("go version: exit %d, %q", res.ExitCode, res.Output)
	}
	if !standIn {
		return
	}
	// The stand-in's own promise: module downloads trust what the host trusts.
	host, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("read the host's CA bundle: %v", err)
	}
	sum := sha256.Sum256(host)
	res := exec(t, cli, id, "sha256sum", "/etc/ssl/certs/ca-certificates.crt")
	if !strings.HasPrefix(res.Output, hex.EncodeToString(sum[:])) {
		t.Errorf("the stand-in's CA bundle differs from the host's: %q", res.Output)
	}
}

const pythonImage = "python:3.11-slim"

// seedApp is the seed tutorial's Flask app, unchanged.
var seedApp = filepath.Join("..", "examples", "day-34", "app")

// seedAppReply is what the seed's app.py answers on GET /.
const seedAppReply = "Hello from Flask App connected to Postgres & Redis!"

func TestPythonImageBuildsAndRunsTheSeedFlaskApp(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	standIn := isStandIn(t, cli, pythonImage)

	base := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-python", Image: pythonImage, Cmd: []string{"sleep", "infinity"},
	})
	for _, c := range []struct{ cmd, want string }{
		{"python", "Python 3.11."}, {"python3", "Python 3.11."},
		{"pip", "(python 3.11)"}, {"pip3", "(python 3.11)"},
	} {
		if res := exec(t, cli, base, c.cmd, "--version"); res.ExitCode != 0 || !strings.Contains(res.Output, c.want) {
			t.Errorf("%s --version: exit %d, %q; want %q", c.cmd, res.ExitCode, res.Output, c.want)
		}
	}

	// The official image downloads the requirements; the stand-in has them
	// all, so its build runs with no network at all.
	networkMode := ""
	if standIn {
		networkMode = "none"
	}
	tag := project + "-web:test"
	out, err := buildClassic(ctx, t, seedApp, tag, project, networkMode)
	if err != nil {
		t.Fatalf("build the seed's app on %s (network %q): %v\n%s", pythonImage, networkMode, err, out)
	}
	if standIn {
		for _, req := range []string{"flask", "psycopg2-binary", "redis"} {
			if !strings.Contains(out, "Requirement already satisfied: "+req+" ") {
				t.Errorf("pip did not find %s already installed; build output:\n%s", req, out)
			}
		}
	}

	network := enginetest.Network(t, cli, project, project+"-net")
	web := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-web", Image: tag, Networks: []engine.Endpoint{{Network: network, Aliases: []string{"web"}}},
	})
	curl := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-client", Image: tag, Networks: []engine.Endpoint{{Network: network}}, Cmd: []string{"sleep", "infinity"},
	})
	get := `import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("http://web:5000/", timeout=5).read().decode())`
	enginetest.Eventually(t, 60*time.Second, "the app answers GET / on web:5000", func() error {
		if c, err := cli.ContainerInspect(ctx, web); err == nil && !c.Running() {
			t.Fatalf("the app's container is %s (exit %d); logs:\n%s", c.Status, c.ExitCode, containerLogs(t, cli, web))
		}
		res, err := cli.Exec(ctx, curl, []string{"python", "-c", get})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 || res.Output != seedAppReply {
			return fmt.Errorf("GET http://web:5000/: exit %d, %q", res.ExitCode, res.Output)
		}
		return nil
	})
	if res := exec(t, cli, web, "python", "-c", "import psycopg2, redis, flask"); res.ExitCode != 0 {
		t.Errorf("import psycopg2, redis, flask in the app's image: exit %d, %s", res.ExitCode, res.Output)
	}

	if standIn {
		checkPsycopg2BinaryIsDebians(t, cli, base)
		checkPipStaysOffline(t, cli, base)
	}
}

// checkPsycopg2BinaryIsDebians checks the stand-in's psycopg2-binary: a
// distribution record at the version of Debian's psycopg2 that installs no
// files of its own, while the psycopg2 module is Debian's package.
func checkPsycopg2BinaryIsDebians(t *testing.T, cli *engine.Client, id string) {
	t.Helper()
	script := `import importlib.metadata as md, psycopg2
b = md.distribution("psycopg2-binary")
print(b.version, md.version("psycopg2"), psycopg2.__file__)
for f in b.files:
    print(f)
`
	res := exec(t, cli, id, "python", "-c", script)
	lines := strings.Split(strings.TrimSpace(res.Output), "\n")
	head := strings.Fields(lines[0])
	if res.ExitCode != 0 || len(head) != 3 {
		t.Fatalf("read psycopg2-binary's record: exit %d, %q", res.ExitCode, res.Output)
	}
	binaryVersion, debianVersion, module := head[0], head[1], head[2]
	if binaryVersion != debianVersion {
		t.Errorf("psycopg2-binary is %s, Debian's psycopg2 %s; want the same version", binaryVersion, debianVersion)
	}
	infoDir := "psycopg2_binary-" + binaryVersion + ".dist-info/"
	if len(lines) == 1 {
		t.Errorf("psycopg2-binary's RECORD lists nothing, not even its own files")
	}
	for _, f := range lines[1:] {
		if !strings.HasPrefix(f, infoDir) {
			t.Errorf("psycopg2-binary installs %s; want no files outside %s", f, infoDir)
		}
	}
	if owner := exec(t, cli, id, "dpkg", "-S", module); owner.ExitCode != 0 || !strings.HasPrefix(owner.Output, "python3-psycopg2:") {
		t.Errorf("the psycopg2 module %s is not from Debian's python3-psycopg2: dpkg -S: exit %d, %q", module, owner.ExitCode, owner.Output)
	}
	if check := exec(t, cli, id, "pip", "check"); check.ExitCode != 0 {
		t.Errorf("pip check: exit %d, %s", check.ExitCode, check.Output)
	}
}

// pipAudited runs pip with its arguments and reports on stderr, prefixed
// "network:", every name lookup or connection it attempts.
const pipAudited = `import runpy, sys
def audit(event, args):
    if event in ("socket.getaddrinfo", "socket.connect"):
        print("network:", event, args, file=sys.stderr)
sys.addaudithook(audit)
sys.argv[0] = "pip"
runpy.run_module("pip", run_name="__main__", alter_sys=True)
`

// checkPipStaysOffline checks that the seed's `pip install` finds every
// requirement installed and attempts no network access at all, not even
// pip's check for a newer pip.
func checkPipStaysOffline(t *testing.T, cli *engine.Client, id string) {
	t.Helper()
	reqs, err := os.ReadFile(filepath.Join(seedApp, "requirements.txt"))
	if err != nil {
		t.Fatalf("read the seed's requirements: %v", err)
	}
	if err := cli.CopyFiles(context.Background(), id, "/tmp", map[string][]byte{"requirements.txt": reqs}); err != nil {
		t.Fatal(err)
	}
	res := exec(t, cli, id, "python", "-c", pipAudited, "install", "--no-cache-dir", "-r", "/tmp/requirements.txt")
	if res.ExitCode != 0 || strings.Contains(res.Output, "network:") {
		t.Errorf("pip install -r requirements.txt: exit %d, want 0 and no network access; output:\n%s", res.ExitCode, res.Output)
	}
	if n := strings.Count(res.Output, "Requirement already satisfied:"); n < 3 {
		t.Errorf("pip found %d requirements already satisfied, want all three (and their dependencies); output:\n%s", n, res.Output)
	}
}

// buildClassic builds dir as tag with the classic builder through the Docker
// SDK, labelled with project, in networkMode ("none": no network at all, ""
// the engine's default), without the layer cache, and returns the build's
// output. The image goes when the test ends, and so do the images of the
// steps a failed build made.
func buildClassic(ctx context.Context, t *testing.T, dir, tag, project, networkMode string) (string, error) {
	t.Helper()
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return "", fmt.Errorf("docker client: %w", err)
	}
	t.Cleanup(func() { _ = api.Close() })
	buildContext, err := archive.TarWithOptions(dir, &archive.TarOptions{})
	if err != nil {
		return "", fmt.Errorf("pack build context %s: %w", dir, err)
	}
	defer buildContext.Close()
	resp, err := api.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags:        []string{tag},
		Labels:      map[string]string{stack.LabelProject: project},
		NetworkMode: networkMode,
		// Every step runs: a cached pip step would prove nothing.
		NoCache:     true,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return "", fmt.Errorf("build %s from %s: %w", tag, dir, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	streamErr := jsonmessage.DisplayJSONMessagesStream(resp.Body, &out, 0, false, nil)
	// The last step's image is the built image or, after a failure, that of
	// the last step that passed; removing it removes its untagged parents.
	last := ""
	if m := stepImage.FindAllStringSubmatch(out.String(), -1); len(m) > 0 {
		last = m[len(m)-1][1]
	}
	t.Cleanup(func() {
		ctx := context.Background()
		ref := tag
		if streamErr != nil {
			if last == "" {
				return
			}
			img, err := api.ImageInspect(ctx, last)
			if err != nil || len(img.RepoTags) > 0 {
				return // gone, or someone else's
			}
			ref = last
		}
		_, err := api.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
		switch {
		case err == nil || errdefs.IsNotFound(err):
		case streamErr != nil:
			// The test failed already; a step image another build went on
			// from is in use and stays.
			t.Logf("remove image %s of the failed build: %v", ref, err)
		default:
			t.Errorf("remove image %s: %v", ref, err)
		}
	})
	if streamErr != nil {
		return out.String(), fmt.Errorf("build %s from %s: %w", tag, dir, streamErr)
	}
	return out.String(), nil
}

// stepImage matches the classic builder's report of a step's image.
var stepImage = regexp.MustCompile(`(?m)^ ---> ([0-9a-f]{12})$`)

func containerLogs(t *testing.T, cli *engine.Client, id string) string {
	t.Helper()
	var b strings.Builder
	if err := cli.ContainerLogs(context.Background(), id, engine.LogsOptions{Tail: -1}, &b, &b); err != nil {
		t.Fatalf("read logs: %v", err)
	}
	return b.String()
}

// dindSleeper runs, in a docker:dind container, a container that sleeps in
// its engine, from an image of /bin/sleep and its libraries that the engine
// imports from the container's own filesystem. sleep, as PID 1, ignores
// SIGTERM, so it stops on SIGKILL at once.
const dindSleeper = `set -eu
files=$(ldd /bin/sleep | grep -o '/[^ ]*' | sed 's|^/||')
tar -C / -ch bin/sleep $files | docker import - stackctl-test/sleep:1 >/dev/null
docker run -d --name sleeper --stop-signal=KILL stackctl-test/sleep:1 /bin/sleep infinity >/dev/null
`

func TestDindImageServesTheEngineAPI(t *testing.T) {
	cli := enginetest.Connect(t)
	standIn := isStandIn(t, cli, enginetest.DindImage)
	// With DOCKER_TLS_CERTDIR empty (Dind sets it so) the official image
	// serves plain TCP on 2375, and the unix socket, and passes its
	// arguments to dockerd.
	e := enginetest.Dind(t, enginetest.DindArgs("--label=io.stackctl.test.probe=flags-reach-dockerd"))
	ctx := enginetest.Context(t, 3*time.Minute)
	if _, err := e.Client.ContainerList(ctx, nil); err != nil {
		t.Errorf("the engine over TCP at %s: %v", e.Host, err)
	}
	info := exec(t, cli, e.ContainerID, "docker", "-H", "unix:///var/run/docker.sock",
		"info", "--format", "{{.Driver}} {{json .Labels}}")
	driver, labels, _ := strings.Cut(strings.TrimSpace(info.Output), " ")
	if info.ExitCode != 0 || !strings.Contains(labels, "io.stackctl.test.probe=flags-reach-dockerd") {
		t.Errorf("docker info over the unix socket: exit %d, %q; want the label given as an argument", info.ExitCode, info.Output)
	}
	t.Logf("the inner engine's storage driver is %s", driver)
	if !standIn {
		return
	}

	// The stand-in's own promises: overlay2 where an overlay mount works in
	// its /var/lib/docker, else vfs, and says which; a healthcheck that
	// passes once the engine answers; its containers' cgroups gone when it
	// stops.
	if driver != "overlay2" && driver != "vfs" {
		t.Errorf("storage driver %q, want overlay2 or vfs", driver)
	}
	if logs := containerLogs(t, cli, e.ContainerID); !strings.Contains(logs, "--storage-driver="+driver) {
		t.Errorf("the entrypoint's log does not name --storage-driver=%s:\n%s", driver, logs)
	}
	enginetest.Eventually(t, 2*time.Minute, "the healthcheck passes", func() error {
		c, err := cli.ContainerInspect(ctx, e.ContainerID)
		if err == nil && c.Health != "healthy" {
			err = fmt.Errorf("health %q, last probes %+v", c.Health, c.HealthLog)
		}
		return err
	})

	if res := exec(t, cli, e.ContainerID, "sh", "-c", dindSleeper); res.ExitCode != 0 {
		t.Fatalf("run a container in the inner engine: exit %d: %s", res.ExitCode, res.Output)
	}
	if dirs, err := enginetest.CgroupDirs(e.Name); err != nil || len(dirs) == 0 {
		t.Fatalf("cgroup directories under /%s while the inner engine runs a container: %v %v", e.Name, dirs, err)
	}
	if err := cli.ContainerStop(ctx, e.ContainerID, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := cli.ContainerInspect(ctx, e.ContainerID)
	if err != nil {
		t.Fatal(err)
	}
	if c.ExitCode != 0 {
		t.Errorf("stopped with exit code %d, want 0 (dockerd stopped in time)", c.ExitCode)
	}
	if dirs, err := enginetest.CgroupDirs(e.Name); err != nil || len(dirs) != 0 {
		t.Errorf("cgroup directories left under /%s after a clean stop: %v %v", e.Name, dirs, err)
	}
}

func TestDindStandInRefusesTLS(t *testing.T) {
	cli := enginetest.Connect(t)
	if !isStandIn(t, cli, enginetest.DindImage) {
		t.Skip("the official docker:dind serves TLS; only the stand-in refuses it")
	}
	project := enginetest.ProjectName(t)
	id := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-dind", Image: enginetest.DindImage, Env: []string{"DOCKER_TLS_CERTDIR=/certs"},
	})
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
	if logs := containerLogs(t, cli, id); !strings.Contains(logs, "DOCKER_TLS_CERTDIR") {
		t.Errorf("logs do not say what is wrong:\n%s", logs)
	}
}

const registryImage = "registry:2"

func TestRegistryImageStoresPushesInItsVolumeAndServesPulls(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	standIn := isStandIn(t, cli, registryImage)
	img, err := cli.ImageInspect(ctx, registryImage)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Volumes) != 1 || img.Volumes[0] != "/var/lib/registry" {
		t.Errorf("the image's volumes are %v, want [/var/lib/registry]", img.Volumes)
	}

	// Published on the loopback: the engine pushes to 127.0.0.0/8 over
	// plain HTTP without being told to.
	id := enginetest.Run(t, cli, project, engine.ContainerSpec{
		Name: project + "-registry", Image: registryImage,
		Ports: []stack.Port{{HostIP: "127.0.0.1", ContainerPort: 5000}},
	})
	c, err := cli.ContainerInspect(ctx, id)
	if err != nil || len(c.Ports) == 0 {
		t.Fatalf("inspect published port: %v %+v", err, c.Ports)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", c.Ports[0].HostPort)
	get := func(path string) (string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GET %s: %s %q", path, resp.Status, body)
		}
		return string(body), nil
	}
	enginetest.Eventually(t, 30*time.Second, "the registry answers GET /v2/", func() error {
		_, err := get("/v2/")
		return err
	})

	// An image of one file unique to this test, so only the registry can
	// give it back once the engine has forgotten it.
	repo := addr + "/stackctl-test/" + project
	ref := repo + ":1"
	if err := cli.ImageCreate(ctx, ref, []engine.ImageFile{{Path: "probe", Mode: 0o644, Data: []byte(project)}}, nil, []string{"/probe"}); err != nil {
		t.Fatal(err)
	}
	made, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.ImageRemove(context.Background(), made.ID) })
	digest := push(ctx, t, ref)
	if tags, err := get("/v2/stackctl-test/" + project + "/tags/list"); err != nil || !strings.Contains(tags, `"1"`) {
		t.Errorf("the registry's tags of the pushed repository: %q, %v; want tag 1", tags, err)
	}
	stored := "/var/lib/registry/docker/registry/v2/repositories/stackctl-test/" + project
	if res := exec(t, cli, id, "ls", stored); res.ExitCode != 0 {
		t.Errorf("the pushed repository is not in the volume at %s: exit %d, %s", stored, res.ExitCode, res.Output)
	}

	if err := cli.ImageRemove(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ImageInspect(ctx, made.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("image %s is still on the engine after its removal (inspect: %v)", made.ID, err)
	}
	pinned := repo + "@" + digest
	if err := cli.ImagePull(ctx, pinned, nil); err != nil {
		t.Fatal(err)
	}
	pulled, err := cli.ImageInspect(ctx, pinned)
	if err != nil {
		t.Fatal(err)
	}
	if pulled.ID != made.ID {
		t.Errorf("pulled %s as image %s, want the pushed %s", pinned, pulled.ID, made.ID)
	}

	cmdline := exec(t, cli, id, "cat", "/proc/1/cmdline")
	if args := strings.Split(strings.TrimRight(cmdline.Output, "\x00"), "\x00"); len(args) < 3 ||
		args[len(args)-2] != "serve" || args[len(args)-1] != "/etc/docker/registry/config.yml" {
		t.Errorf("PID 1 runs %q, want registry serve /etc/docker/registry/config.yml (exec'd by the entrypoint)", args)
	}
	if !standIn {
		return
	}
	// The stand-in's own promise: Debian's registry, as the official image's
	// `registry` command.
	if v := exec(t, cli, id, "registry", "--version"); v.ExitCode != 0 || !strings.Contains(v.Output, "github.com/docker/distribution 2.8.2") {
		t.Errorf("registry --version: exit %d, %q; want Debian's distribution 2.8.2", v.ExitCode, v.Output)
	}
}

// push pushes ref from the engine and returns the digest the registry gave
// its manifest.
func push(ctx context.Context, t *testing.T, ref string) string {
	t.Helper()
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	defer api.Close()
	stream, err := api.ImagePush(ctx, ref, image.PushOptions{})
	if err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	defer stream.Close()
	digest := ""
	err = engine.DecodeMessages(stream, func(m jsonmessage.JSONMessage) {
		var aux struct{ Digest string }
		if m.Aux != nil && json.Unmarshal(*m.Aux, &aux) == nil && aux.Digest != "" {
			digest = aux.Digest
		}
	})
	if err != nil || digest == "" {
		t.Fatalf("push %s: %v (digest %q)", ref, err, digest)
	}
	return digest
}
