package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
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
			mounts = append(mounts, MountPoint{Type: string(m.Type), Volume: m.Name, Destination: m.Destination, Writable: m.RW})
		}
		out = append(out, ContainerSummary{
			ID: s.ID, Name: name, Labels: s.Labels, State: string(s.State),
			// The list has health only in its status text: "Up 2 minutes (healthy)".
			Healthy: strings.HasSuffix(s.Status, "(healthy)"),
			Mounts:  mounts,
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

// ContainerCreate creates a container from spec and returns its ID.
// Engines before API 1.44 do not know healthcheck start intervals, so the
// interval is left out for them.
func (c *Client) ContainerCreate(ctx context.Context, spec ContainerSpec) (string, error) {
	cfg := &container.Config{
		Hostname:     spec.Hostname,
		Image:        spec.Image,
		Entrypoint:   spec.Entrypoint,
		Cmd:          spec.Cmd,
		WorkingDir:   spec.WorkingDir,
		Env:          spec.Env,
		Labels:       spec.Labels,
		User:         spec.User,
		StopSignal:   spec.StopSignal,
		ExposedPorts: nat.PortSet{},
		Tty:          spec.Tty,
		OpenStdin:    spec.OpenStdin,
		StdinOnce:    spec.OpenStdin,
	}
	if spec.StopTimeout > 0 {
		secs := int(spec.StopTimeout.Round(time.Second) / time.Second)
		cfg.StopTimeout = &secs
	}
	if hc := spec.Healthcheck; hc != nil {
		cfg.Healthcheck = &container.HealthConfig{
			Test:        hc.Test,
			Interval:    hc.Interval,
			Timeout:     hc.Timeout,
			StartPeriod: hc.StartPeriod,
			Retries:     hc.Retries,
		}
		if c.supportsStartInterval() {
			cfg.Healthcheck.StartInterval = hc.StartInterval
		}
	}
	host := &container.HostConfig{
		RestartPolicy: container.RestartPolicy{
			Name:              container.RestartPolicyMode(restartName(spec.Restart.Name)),
			MaximumRetryCount: spec.Restart.MaxRetries,
		},
		PortBindings:   nat.PortMap{},
		ReadonlyRootfs: spec.ReadOnlyRootfs,
		Init:           spec.Init,
		CapAdd:         spec.CapAdd,
		CapDrop:        spec.CapDrop,
		SecurityOpt:    spec.SecurityOpt,
		ExtraHosts:     spec.ExtraHosts,
		PidMode:        container.PidMode(spec.PidMode),
	}
	for _, p := range spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		port := nat.Port(fmt.Sprintf("%d/%s", p.ContainerPort, proto))
		cfg.ExposedPorts[port] = struct{}{}
		hostPort := ""
		if p.HostPort != 0 {
			hostPort = strconv.Itoa(p.HostPort)
		}
		if p.HostPortEnd != 0 {
			hostPort += "-" + strconv.Itoa(p.HostPortEnd)
		}
		host.PortBindings[port] = append(host.PortBindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: hostPort})
	}
	for _, m := range spec.Mounts {
		switch m.Type {
		case stack.MountTmpfs:
			if host.Tmpfs == nil {
				host.Tmpfs = map[string]string{}
			}
			host.Tmpfs[m.Target] = m.Options
		case stack.MountBind:
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		default:
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		}
	}
	var netCfg *network.NetworkingConfig
	if len(spec.Networks) > 0 {
		first := spec.Networks[0]
		host.NetworkMode = container.NetworkMode(first.Network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			first.Network: {Aliases: first.Aliases},
		}}
	}
	resp, err := c.api.ContainerCreate(ctx, cfg, host, netCfg, nil, spec.Name)
	if err != nil {
		return "", classify(err, "create container %s", spec.Name)
	}
	// Engines before API 1.44 take one network at creation; the others
	// are connected before the container starts.
	for _, ep := range spec.Networks[min(1, len(spec.Networks)):] {
		err := c.api.NetworkConnect(ctx, ep.Network, resp.ID, &network.EndpointSettings{Aliases: ep.Aliases})
		if err != nil {
			_ = c.api.ContainerRemove(context.WithoutCancel(ctx), resp.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
			return "", classify(err, "connect container %s to network %s", spec.Name, ep.Network)
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
