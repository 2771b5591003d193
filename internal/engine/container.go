package engine

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/stackctl/stackctl/internal/stack"
)

// ContainerList lists all containers (any state) carrying every given label.
func (c *Client) ContainerList(ctx context.Context, labels map[string]string) ([]ContainerSummary, error) {
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	return c.containerList(ctx, container.ListOptions{All: true, Filters: args})
}

// ContainersLabelled lists the containers that carry every key in keys,
// whatever their values: all of them, or with all false only those the
// engine counts as running (as `docker ps` without -a).
func (c *Client) ContainersLabelled(ctx context.Context, keys []string, all bool) ([]ContainerSummary, error) {
	args := filters.NewArgs()
	for _, k := range keys {
		args.Add("label", k)
	}
	return c.containerList(ctx, container.ListOptions{All: all, Filters: args})
}

func (c *Client) containerList(ctx context.Context, opts container.ListOptions) ([]ContainerSummary, error) {
	list, err := c.api.ContainerList(ctx, opts)
	if err != nil {
		return nil, classify(err, "list containers")
	}
	out := make([]ContainerSummary, 0, len(list))
	for _, s := range list {
		name := ""
		if len(s.Names) > 0 {
			name = strings.TrimPrefix(s.Names[0], "/")
		}
		mounts := make([]MountPoint, 0, len(s.Mounts))
		for _, m := range s.Mounts {
			mounts = append(mounts, MountPoint{Type: string(m.Type), Volume: m.Name, Source: m.Source, Driver: m.Driver,
				Destination: m.Destination, Writable: m.RW})
		}
		ports := make([]stack.Port, 0, len(s.Ports))
		for _, p := range s.Ports {
			ports = append(ports, stack.Port{HostIP: p.IP, HostPort: int(p.PublicPort), ContainerPort: int(p.PrivatePort), Protocol: p.Type})
		}
		var networks []string
		if s.NetworkSettings != nil {
			networks = slices.Sorted(maps.Keys(s.NetworkSettings.Networks))
		}
		out = append(out, ContainerSummary{
			ID: s.ID, Name: name, Labels: s.Labels, State: string(s.State),
			// The list has health only in its status text: "Up 2 minutes (healthy)".
			Healthy: strings.HasSuffix(s.Status, "(healthy)"),
			Mounts:  mounts,
			Image:   s.Image, Command: s.Command, Created: time.Unix(s.Created, 0), Status: s.Status,
			Names: s.Names, Ports: ports, Networks: networks,
		})
	}
	return out, nil
}

// ContainerInspect returns the container with the given ID or name;
// ErrNotFound when it is absent.
func (c *Client) ContainerInspect(ctx context.Context, ref string) (Container, error) {
	in, err := c.api.ContainerInspect(ctx, ref)
	if err != nil {
		return Container{}, classify(err, "inspect container %s", ref)
	}
	out := Container{
		ID:           in.ID,
		Name:         strings.TrimPrefix(in.Name, "/"),
		ImageID:      in.Image,
		RestartCount: in.RestartCount,
		Created:      parseTime(in.Created),
	}
	if in.Config != nil {
		out.Labels = in.Config.Labels
		out.Entrypoint, out.Cmd = in.Config.Entrypoint, in.Config.Cmd
	}
	if in.HostConfig != nil {
		out.Restart = stack.RestartPolicy{
			Name:       string(in.HostConfig.RestartPolicy.Name),
			MaxRetries: in.HostConfig.RestartPolicy.MaximumRetryCount,
		}
	}
	if st := in.State; st != nil {
		out.Status = string(st.Status)
		out.ExitCode = st.ExitCode
		out.OOMKilled = st.OOMKilled
		out.Error = st.Error
		out.Pid = st.Pid
		out.StartedAt = parseTime(st.StartedAt)
		out.FinishedAt = parseTime(st.FinishedAt)
		if h := st.Health; h != nil {
			out.Health = string(h.Status)
			for _, r := range h.Log {
				out.HealthLog = append(out.HealthLog, HealthResult{Start: r.Start, End: r.End, ExitCode: r.ExitCode, Output: r.Output})
			}
		}
	}
	if in.NetworkSettings != nil {
		out.IPs = map[string]string{}
		for name, ep := range in.NetworkSettings.Networks {
			if ep != nil && ep.IPAddress != "" {
				out.IPs[name] = ep.IPAddress
			}
		}
		for port, bindings := range in.NetworkSettings.Ports {
			for _, b := range bindings {
				hostPort, _ := strconv.Atoi(b.HostPort)
				out.Ports = append(out.Ports, stack.Port{
					HostIP: b.HostIP, HostPort: hostPort,
					ContainerPort: port.Int(), Protocol: port.Proto(),
				})
			}
		}
	}
	return out, nil
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// ContainerCreate creates a container from spec (see NewCreateRequest)
// and returns its ID.
func (c *Client) ContainerCreate(ctx context.Context, spec ContainerSpec) (string, error) {
	req, err := NewCreateRequest(spec, c.api.ClientVersion())
	if err != nil {
		return "", err
	}
	resp, err := c.api.ContainerCreate(ctx, req.Config, req.HostConfig, req.NetworkingConfig, req.Platform, spec.Name)
	if err != nil {
		if explained := explainMissingBindSource(err, spec, c.api.ClientVersion()); explained != nil {
			return "", explained
		}
		return "", classify(err, "create container %s", spec.Name)
	}
	for _, conn := range req.Connect {
		if err := c.api.NetworkConnect(ctx, conn.Network, resp.ID, conn.Endpoint); err != nil {
			_ = c.api.ContainerRemove(context.WithoutCancel(ctx), resp.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
			return "", classify(err, "connect container %s to network %s", spec.Name, conn.Network)
		}
	}
	return resp.ID, nil
}

func restartName(name string) string {
	if name == "" {
		return "no"
	}
	return name
}

// ContainerStart starts a created or stopped container.
func (c *Client) ContainerStart(ctx context.Context, ref string) error {
	if err := c.api.ContainerStart(ctx, ref, container.StartOptions{}); err != nil {
		return classify(err, "start container %s", ref)
	}
	return nil
}

// ContainerStop stops a container: its stop signal, then SIGKILL after
// timeout. The engine counts this as a manual stop, so no restart policy
// brings the container back.
func (c *Client) ContainerStop(ctx context.Context, ref string, timeout time.Duration) error {
	secs := int(timeout.Round(time.Second) / time.Second)
	if err := c.api.ContainerStop(ctx, ref, container.StopOptions{Timeout: &secs}); err != nil {
		return classify(err, "stop container %s", ref)
	}
	return nil
}

// ContainerRemove removes a container, running or not, with its anonymous
// volumes (named volumes stay).
func (c *Client) ContainerRemove(ctx context.Context, ref string) error {
	if err := c.api.ContainerRemove(ctx, ref, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
		return classify(err, "remove container %s", ref)
	}
	return nil
}

// ContainerKill sends signal through the API. The engine treats this as a
// manual stop: restart policies do not apply to what follows.
func (c *Client) ContainerKill(ctx context.Context, ref, signal string) error {
	if err := c.api.ContainerKill(ctx, ref, signal); err != nil {
		return classify(err, "kill container %s", ref)
	}
	return nil
}

// ContainerRename renames a container.
func (c *Client) ContainerRename(ctx context.Context, ref, newName string) error {
	if err := c.api.ContainerRename(ctx, ref, newName); err != nil {
		return classify(err, "rename container %s to %s", ref, newName)
	}
	return nil
}
