package engine

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/stackctl/stackctl/internal/stack"
)

// Service is a swarm service as inspected or listed.
type Service struct {
	ID     string
	Name   string
	Labels map[string]string
	// Version is what ServiceUpdate must be given: the swarm refuses an
	// update made from an older read.
	Version uint64
	Spec    swarm.ServiceSpec
	// PreviousSpec is what a rollback returns to; nil before any update.
	PreviousSpec *swarm.ServiceSpec
	Update       UpdateStatus
	// Ports are the published ports, with the host ports the swarm chose
	// for those published on port 0.
	Ports []stack.Port
	// Running, Desired and Completed count the service's tasks; only
	// ServiceList fills them.
	Running, Desired, Completed uint64
	Created, Updated            time.Time
}

// UpdateStatus is how a service's last update went.
type UpdateStatus struct {
	// State is "" (never updated), updating, paused, completed,
	// rollback_started, rollback_paused or rollback_completed.
	State       string
	Message     string
	StartedAt   time.Time
	CompletedAt time.Time
}

func serviceOf(s swarm.Service) Service {
	out := Service{
		ID: s.ID, Name: s.Spec.Name, Labels: s.Spec.Labels, Version: s.Version.Index,
		Spec: s.Spec, PreviousSpec: s.PreviousSpec, Created: s.CreatedAt, Updated: s.UpdatedAt,
	}
	if u := s.UpdateStatus; u != nil {
		out.Update = UpdateStatus{State: string(u.State), Message: u.Message}
		if u.StartedAt != nil {
			out.Update.StartedAt = *u.StartedAt
		}
		if u.CompletedAt != nil {
			out.Update.CompletedAt = *u.CompletedAt
		}
	}
	out.Ports = portsOf(s.Endpoint.Ports)
	if st := s.ServiceStatus; st != nil {
		out.Running, out.Desired, out.Completed = st.RunningTasks, st.DesiredTasks, st.CompletedTasks
	}
	return out
}

func portsOf(ports []swarm.PortConfig) []stack.Port {
	var out []stack.Port
	for _, p := range ports {
		port := stack.Port{HostPort: int(p.PublishedPort), ContainerPort: int(p.TargetPort), Protocol: string(p.Protocol)}
		// A task's host-mode port is listed once per address family it
		// is bound on: one port for whoever reads it.
		if !slices.Contains(out, port) {
			out = append(out, port)
		}
	}
	return out
}

// ServiceCreate creates a swarm service and returns its ID, with the
// engine's warnings. The registry is not asked for the image's digest: the
// caller deploys by digest what it pushed, and a swarm of one node runs
// images no registry has.
func (c *Client) ServiceCreate(ctx context.Context, spec swarm.ServiceSpec) (string, []string, error) {
	if err := c.checkServiceSpec(spec); err != nil {
		return "", nil, fmt.Errorf("create service %s: %w", spec.Name, err)
	}
	resp, err := c.api.ServiceCreate(ctx, spec, swarm.ServiceCreateOptions{})
	if err != nil {
		return "", nil, classify(err, "create service %s", spec.Name)
	}
	return resp.ID, resp.Warnings, nil
}

// ServiceInspect returns the service with the given name or full ID;
// ErrNotFound when it is absent.
func (c *Client) ServiceInspect(ctx context.Context, ref string) (Service, error) {
	s, _, err := c.api.ServiceInspectWithRaw(ctx, ref, swarm.ServiceInspectOptions{})
	if err != nil {
		return Service{}, classify(err, "inspect service %s", ref)
	}
	// The engine matches IDs by prefix too; only an exact name is ours.
	if s.Spec.Name != ref && s.ID != ref {
		return Service{}, fmt.Errorf("inspect service %s: %w", ref, ErrNotFound)
	}
	return serviceOf(s), nil
}

// ServiceUpdate replaces the spec of service id, read at version, and
// returns the engine's warnings; ErrOutOfSequence when the service changed
// since (inspect it again). The swarm then rolls the change out as the
// spec's UpdateConfig says.
func (c *Client) ServiceUpdate(ctx context.Context, id string, version uint64, spec swarm.ServiceSpec) ([]string, error) {
	if err := c.checkServiceSpec(spec); err != nil {
		return nil, fmt.Errorf("update service %s: %w", spec.Name, err)
	}
	resp, err := c.api.ServiceUpdate(ctx, id, swarm.Version{Index: version}, spec, swarm.ServiceUpdateOptions{})
	if err != nil {
		return nil, classify(err, "update service %s", cmp.Or(spec.Name, id))
	}
	return resp.Warnings, nil
}

// ServiceList lists the services that carry every given label, with their
// task counts.
func (c *Client) ServiceList(ctx context.Context, labels map[string]string) ([]Service, error) {
	list, err := c.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: labelFilters(labels), Status: true})
	if err != nil {
		return nil, classify(err, "list services")
	}
	out := make([]Service, 0, len(list))
	for _, s := range list {
		out = append(out, serviceOf(s))
	}
	return out, nil
}

// ServiceRemove removes a service by name or ID; the swarm stops its tasks.
func (c *Client) ServiceRemove(ctx context.Context, ref string) error {
	if err := c.api.ServiceRemove(ctx, ref); err != nil {
		return classify(err, "remove service %s", ref)
	}
	return nil
}

// ServiceLogs copies the stdout and stderr of all of a service's tasks to
// the writers until the selected logs end (or, with Follow, until ctx is
// done). With opts.Details each line names its task.
func (c *Client) ServiceLogs(ctx context.Context, ref string, opts LogsOptions, stdout, stderr io.Writer) error {
	rc, err := c.api.ServiceLogs(ctx, ref, logsOptions(opts))
	if err != nil {
		return classify(err, "read logs of service %s", ref)
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(stdout, stderr, rc); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read logs of service %s: %w", ref, err)
	}
	return nil
}

// TaskFilter selects tasks; empty fields select all.
type TaskFilter struct {
	// Service is a service's name or ID.
	Service string
	// DesiredState is what the swarm wants of the task: running, shutdown,
	// accepted, or complete (a job's).
	DesiredState string
}

// Task is one scheduled run of a service's container. The API says
// nothing of a task's health: a task with a healthcheck stays starting
// until its first probe passes, and fails when it turns unhealthy.
type Task struct {
	ID        string
	ServiceID string
	// Slot is the replica's number (from 1 for a replicated service, from
	// 0 for a job).
	Slot   int
	NodeID string
	// DesiredState and State are the swarm's task states: new, pending,
	// assigned, preparing, starting, running, complete, shutdown, failed,
	// rejected, remove or orphaned.
	DesiredState string
	State        string
	Message      string
	// Err is why the task failed or was rejected.
	Err         string
	ContainerID string
	ExitCode    int
	// Labels are the labels its container was made with (the service's
	// task template when the task was made).
	Labels map[string]string
	// Ports are those published in host mode, with the node's host ports.
	Ports []stack.Port
	// Created, Updated and StatusAt (when State was reached) are the
	// swarm's clock.
	Created, Updated, StatusAt time.Time
}

// TaskList lists the tasks f selects.
func (c *Client) TaskList(ctx context.Context, f TaskFilter) ([]Task, error) {
	args := filters.NewArgs()
	if f.Service != "" {
		args.Add("service", f.Service)
	}
	if f.DesiredState != "" {
		args.Add("desired-state", f.DesiredState)
	}
	list, err := c.api.TaskList(ctx, swarm.TaskListOptions{Filters: args})
	if err != nil {
		return nil, classify(err, "list tasks%s", describeTaskFilter(f))
	}
	out := make([]Task, 0, len(list))
	for _, t := range list {
		task := Task{
			ID: t.ID, ServiceID: t.ServiceID, Slot: t.Slot, NodeID: t.NodeID,
			DesiredState: string(t.DesiredState), State: string(t.Status.State),
			Message: t.Status.Message, Err: t.Status.Err, Ports: portsOf(t.Status.PortStatus.Ports),
			Created: t.CreatedAt, Updated: t.UpdatedAt, StatusAt: t.Status.Timestamp,
		}
		if cs := t.Status.ContainerStatus; cs != nil {
			task.ContainerID, task.ExitCode = cs.ContainerID, cs.ExitCode
		}
		if c := t.Spec.ContainerSpec; c != nil {
			task.Labels = c.Labels
		}
		out = append(out, task)
	}
	return out, nil
}

func describeTaskFilter(f TaskFilter) string {
	var parts []string
	if f.Service != "" {
		parts = append(parts, "of service "+f.Service)
	}
	if f.DesiredState != "" {
		parts = append(parts, "meant to be "+f.DesiredState)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

// checkServiceSpec refuses a spec that asks for what the negotiated API
// version would drop without a word (the engine clears the fields newer
// than the client's version): a service run without no-new-privileges, or
// as a replicated service instead of a job, is not the one asked for. A
// healthcheck's start interval may go: stackctl's own probe covers it.
func (c *Client) checkServiceSpec(spec swarm.ServiceSpec) error {
	version := c.api.ClientVersion()
	if lost := lostFeatures(spec, version); len(lost) > 0 {
		return fmt.Errorf("the engine speaks API %s, which would drop %s", version, strings.Join(lost, ", "))
	}
	return nil
}

// FitServiceSpec removes from spec the hardening the negotiated API version
// cannot express, and says what it removed: no-new-privileges, seccomp and
// apparmor before 1.44, tmpfs exec and noexec before 1.46. What runs is the
// same service, less hardened; the caller says so. What would change what
// runs (a job's mode, capabilities) stays, for ServiceCreate to refuse.
func (c *Client) FitServiceSpec(spec swarm.ServiceSpec) (swarm.ServiceSpec, []string) {
	version := c.api.ClientVersion()
	before := func(v string) bool { return versions.LessThan(version, v) }
	cs := spec.TaskTemplate.ContainerSpec
	if cs == nil {
		return spec, nil
	}
	fitted := *cs
	var dropped []string
	if before("1.44") && fitted.Privileges != nil {
		if p := fitted.Privileges; p.NoNewPrivileges || p.Seccomp != nil || p.AppArmor != nil {
			dropped = append(dropped, fmt.Sprintf("security_opt no-new-privileges, seccomp and apparmor (the engine's API %s has them from 1.44)", version))
			p := *p
			p.NoNewPrivileges, p.Seccomp, p.AppArmor = false, nil, nil
			fitted.Privileges = &p
		}
	}
	if before("1.46") {
		mounts := slices.Clone(fitted.Mounts)
		for i, m := range mounts {
			if m.TmpfsOptions != nil && len(m.TmpfsOptions.Options) > 0 {
				opts := *m.TmpfsOptions
				opts.Options = nil
				mounts[i].TmpfsOptions = &opts
				dropped = append(dropped, fmt.Sprintf("tmpfs %s exec/noexec (the engine's API %s has them from 1.46)", m.Target, version))
			}
		}
		fitted.Mounts = mounts
	}
	spec.TaskTemplate.ContainerSpec = &fitted
	return spec, dropped
}

func lostFeatures(spec swarm.ServiceSpec, version string) []string {
	var lost []string
	before := func(v string) bool { return versions.LessThan(version, v) }
	cs := spec.TaskTemplate.ContainerSpec
	if before("1.41") {
		if spec.Mode.ReplicatedJob != nil || spec.Mode.GlobalJob != nil {
			lost = append(lost, "a job's mode (API 1.41)")
		}
		if cs != nil && (len(cs.CapabilityAdd) > 0 || len(cs.CapabilityDrop) > 0) {
			lost = append(lost, "cap_add and cap_drop (API 1.41)")
		}
	}
	if before("1.44") && cs != nil && cs.Privileges != nil {
		if p := cs.Privileges; p.NoNewPrivileges || p.Seccomp != nil || p.AppArmor != nil {
			lost = append(lost, "no-new-privileges, seccomp and apparmor (API 1.44)")
		}
	}
	if before("1.46") && cs != nil {
		for _, m := range cs.Mounts {
			if m.TmpfsOptions != nil && len(m.TmpfsOptions.Options) > 0 {
				lost = append(lost, "tmpfs exec and noexec (API 1.46)")
				break
			}
		}
	}
	return lost
}
