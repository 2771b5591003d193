package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/docker/pkg/stdcopy"
)

// The benchmark reads and changes the engine through the Docker SDK, as a
// client of its own: nothing of stackctl stands between what it measures
// and the engine, and the tools under test are only ever run as commands.

// newEngineClient connects to the engine DOCKER_HOST names (the local
// socket by default), at the highest API version both sides speak.
func newEngineClient(opts ...client.Opt) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(append([]client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("configure a Docker engine client: %w", err)
	}
	return cli, nil
}

// describeEngine says which engine a run used, for the report: where it
// answers, the API version spoken, and the engine's own version.
func describeEngine(ctx context.Context, cli *client.Client) (string, error) {
	v, err := cli.ServerVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("ask the engine at %s for its version: %w", cli.DaemonHost(), err)
	}
	return fmt.Sprintf("%s (API %s), Docker Engine %s", cli.DaemonHost(), cli.ClientVersion(), v.Version), nil
}

// isLocalEngine says the engine answers on a unix socket of this machine,
// so its containers' processes are this machine's.
func isLocalEngine(cli *client.Client) bool {
	return strings.HasPrefix(cli.DaemonHost(), "unix://")
}

// isNotFound says the engine has no object of that name.
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// labelFilters selects what carries every one of labels.
func labelFilters(labels map[string]string) filters.Args {
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	return args
}

// healthOf is the engine's verdict on a container's healthcheck: healthy,
// unhealthy, starting, or "" without a healthcheck or when not running.
func healthOf(c container.InspectResponse) string {
	if c.State == nil || c.State.Health == nil {
		return ""
	}
	return string(c.State.Health.Status)
}

// isRunning says the container's process runs.
func isRunning(c container.InspectResponse) bool {
	return c.State != nil && c.State.Running
}

// startedAt is when the container's process last started; zero when the
// engine does not say.
func startedAt(c container.InspectResponse) time.Time {
	if c.State == nil {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, c.State.StartedAt)
	return t
}

// stateOf is the container's state as the engine words it: running,
// exited, restarting, ...
func stateOf(c container.InspectResponse) string {
	if c.State == nil {
		return "unknown"
	}
	return string(c.State.Status)
}

// execExitCode runs cmd in the container, without a terminal, and returns
// its exit code once it ended.
func execExitCode(ctx context.Context, cli *client.Client, ref string, cmd []string) (int, error) {
	created, err := cli.ContainerExecCreate(ctx, ref, container.ExecOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return 0, fmt.Errorf("exec %q in container %s: %w", cmd, ref, err)
	}
	attached, err := cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return 0, fmt.Errorf("attach to exec %q in container %s: %w", cmd, ref, err)
	}
	defer attached.Close()
	// The output ends when the command does; ctx ending closes the
	// connection under the copy.
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &out, attached.Reader)
		done <- err
	}()
	select {
	case <-ctx.Done():
		return 0, fmt.Errorf("exec %q in container %s: %w", cmd, ref, ctx.Err())
	case err := <-done:
		if err != nil {
			return 0, fmt.Errorf("read the output of %q in container %s: %w", cmd, ref, err)
		}
	}
	inspected, err := cli.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return 0, fmt.Errorf("inspect exec %q in container %s: %w", cmd, ref, err)
	}
	return inspected.ExitCode, nil
}

// pullImage pulls ref onto the engine and returns once the pull ended, with
// the error the engine's progress stream ended in, if any.
func pullImage(ctx context.Context, cli *client.Client, ref string) error {
	stream, err := cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	defer stream.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(stream, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	return nil
}

// removeContainer removes a container, running or not, with its anonymous
// volumes (named volumes stay).
func removeContainer(ctx context.Context, cli *client.Client, ref string) error {
	if err := cli.ContainerRemove(ctx, ref, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
		return fmt.Errorf("remove container %s: %w", ref, err)
	}
	return nil
}
