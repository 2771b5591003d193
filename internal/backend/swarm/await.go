package swarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// logTail is how many of a failed task's last log lines an error shows.
const logTail = 20

// awaitService waits, within timeout, until the service is ready (see
// swarmRun.Await), and says so.
func (b *Backend) awaitService(ctx context.Context, st *stack.Stack, svc *stack.Service, id string, timeout time.Duration) error {
	name := ServiceName(st.Project, svc.Name)
	began := time.Now()
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := wait.Until(waitCtx, b.poll, wait.Func(func(ctx context.Context) (bool, error) {
		return b.serviceReady(ctx, svc, id)
	}))
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = &backend.ServiceFailedError{Service: svc.Name, Task: name, Node: "any", Reason: fmt.Sprintf("did not become ready within %s", timeout)}
	}
	if err != nil {
		b.reportError("service "+name, "failed", firstLine(err.Error()))
		return err
	}
	status := "ready"
	if svc.OneShot {
		status = "completed"
	}
	b.report("service "+name, status, time.Since(began).Round(time.Millisecond).String())
	return nil
}

// serviceReady looks once at the service and its tasks of the current
// revision.
func (b *Backend) serviceReady(ctx context.Context, svc *stack.Service, id string) (bool, error) {
	s, err := b.engine.ServiceInspect(ctx, id)
	if err != nil {
		return false, err
	}
	switch s.Update.State {
	case "rollback_started", "rollback_completed", "rollback_paused", "paused":
		return false, &backend.ServiceFailedError{Service: svc.Name, Task: s.Name, Node: "any",
			Reason: fmt.Sprintf("update failed, the swarm %s it: %s", strings.ReplaceAll(s.Update.State, "_", " "), s.Update.Message)}
	}
	tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: s.ID})
	if err != nil {
		return false, err
	}
	rev := revisionOf(s.Spec)
	current := slices.DeleteFunc(tasks, func(t engine.Task) bool { return t.Labels[labelRevision] != rev })
	job := s.Spec.Mode.ReplicatedJob != nil
	if t, failed := lastFailed(current, job); failed {
		return false, b.taskFailure(ctx, svc, s, t)
	}
	if job {
		return slices.ContainsFunc(current, func(t engine.Task) bool { return t.State == "complete" }), nil
	}
	want := 0
	if r := s.Spec.Mode.Replicated; r != nil && r.Replicas != nil {
		want = int(*r.Replicas)
	}
	// Ready is want tasks running and no more meant to: after a scale-down
	// the swarm marks the surplus tasks for shutdown a moment later. A
	// task told to stop is not waited for: one on a node that went away
	// never says it stopped.
	running, meant := 0, 0
	for _, t := range tasks {
		if t.DesiredState != "running" {
			continue
		}
		meant++
		if t.State == "running" && t.Labels[labelRevision] == rev {
			running++
		}
	}
	return running >= want && meant <= want && s.Update.State != "updating", nil
}

// lastFailed finds a slot whose latest task failed, was rejected by its
// node, or (but for a job's) ended: the swarm may try again, but start-up
// waits on it no longer. A task the swarm stopped because its healthcheck
// failed ends "complete" if its process exits 0 on the signal; a slot a
// scale-down removed leaves no task behind.
func lastFailed(tasks []engine.Task, job bool) (engine.Task, bool) {
	latest := map[int]engine.Task{}
	for _, t := range tasks {
		if l, ok := latest[t.Slot]; !ok || t.Created.After(l.Created) {
			latest[t.Slot] = t
		}
	}
	for _, slot := range slices.Sorted(maps.Keys(latest)) {
		switch t := latest[slot]; t.State {
		case "failed", "rejected":
			return t, true
		case "complete", "shutdown":
			if !job {
				return t, true
			}
		}
	}
	return engine.Task{}, false
}

// taskFailure says which task failed, where, why, and what it last
// logged.
func (b *Backend) taskFailure(ctx context.Context, svc *stack.Service, s engine.Service, t engine.Task) error {
	node := t.NodeID
	if nodes, err := b.engine.NodeList(ctx); err == nil {
		node = nodeName(nodes, t.NodeID)
	}
	reason := t.State
	if t.State == "complete" || t.State == "shutdown" {
		reason = "stopped (" + t.State + "): its process ended, or the swarm stopped it for failing its healthcheck"
	}
	if t.Err != "" {
		reason += ": " + t.Err
	} else if t.Message != "" {
		reason += ": " + t.Message
	}
	if t.ExitCode != 0 {
		reason += fmt.Sprintf(" (exit %d)", t.ExitCode)
	}
	if b.registry == "" && strings.Contains(t.Err, "No such image") {
		reason += "; the node has no copy of the image: give --registry HOST:PORT, and stackctl pushes every image there for all nodes to pull"
	}
	return &backend.ServiceFailedError{
		Service: svc.Name, Task: fmt.Sprintf("%s (%s)", taskName(s, t), shortID(t.ID)), Node: node,
		Reason: reason, LogTail: b.taskLogs(ctx, s.ID, t.ID),
	}
}

// taskLogs is the task's last log lines; the swarm fetches them from the
// task's node. Nothing when they cannot be had: the error says enough.
func (b *Backend) taskLogs(ctx context.Context, serviceID, taskID string) string {
	var out bytes.Buffer
	if err := b.engine.ServiceLogs(ctx, serviceID, engine.LogsOptions{Tail: 10 * logTail, Details: true}, &out, &out); err != nil {
		return ""
	}
	var lines []string
	for line := range strings.Lines(out.String()) {
		details, text, ok := strings.Cut(line, " ")
		if ok && strings.Contains(details, "com.docker.swarm.task.id="+taskID) {
			lines = append(lines, strings.TrimRight(text, "\n"))
		}
	}
	if len(lines) > logTail {
		lines = lines[len(lines)-logTail:]
	}
	return strings.Join(lines, "\n")
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
