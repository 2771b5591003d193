package bench

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// What the swarm comparison measures of each deploy: the first 200 and the
// command's return, the order in which the swarm started web and its
// dependencies, and an update of web under a client loop.

// measureDeploy deploys the copy from nothing and times, from the
// command's start, the first 200 through web's published port on any node
// and the command's return. It returns when the deploy began.
func (r *swarmRunner) measureDeploy(ctx context.Context, round int, c *swarmCopy) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, swarmDeployTimeout)
	defer cancel()
	type served struct {
		at  time.Time
		url string
		err error
	}
	answered := make(chan served, 1)
	urls := c.urls(r.target.Nodes)
	// Whatever answers already would be taken for the new deploy.
	for i, u := range urls {
		if getOK(ctx, r.probe, u) {
			return time.Time{}, fmt.Errorf("something answers on port %d of %s before the deploy", c.port, r.target.Nodes[i].Name)
		}
	}
	began := time.Now()
	go func() {
		at, url, err := firstAnswer(ctx, r.probe, urls)
		answered <- served{at, url, err}
	}()
	run, err := c.deploy(ctx)
	returned := time.Now()
	if err != nil {
		cancel()
		<-answered
		return began, err
	}
	a := <-answered
	if a.err != nil {
		return began, fmt.Errorf("web answered 200 on port %d of no node within %s: %w", c.port, swarmDeployTimeout, a.err)
	}
	if c.tool.Name == toolStackDeploy {
		if info := r.stackInfo(c.stack.Key); info != nil && info.Ignored == nil {
			info.Ignored = ignoredOptions(run.Output)
		}
	}
	node := r.target.Nodes[slices.Index(urls, a.url)].Name
	r.record(Sample{Round: round, Tool: c.tool.Name, Metric: swarmMetric(c.stack.Key, swarmFirst200),
		Value: a.at.Sub(began).Seconds(), Unit: unitSeconds, Note: "first from " + node})
	r.record(Sample{Round: round, Tool: c.tool.Name, Metric: swarmMetric(c.stack.Key, swarmReturned),
		Value: returned.Sub(began).Seconds(), Unit: unitSeconds, Timeline: timeline(run.Began, run.Events)})
	return began, nil
}

// settle waits until the swarm has every service of the copy's file that
// keeps running (not a one-shot), and every service it holds of the
// project but the one-shots (a tool's own too, as stackctl's edge) runs
// all the replicas it wants, none of them being updated: the swarm has
// finished the deploy, whatever the command said. (docker stack deploy
// returns before any task runs.)
func (r *swarmRunner) settle(ctx context.Context, c *swarmCopy) error {
	ctx, cancel := context.WithTimeout(ctx, swarmSettleTimeout)
	defer cancel()
	oneShots := map[string]bool{}
	for _, svc := range c.config.serviceNames() {
		if c.config.oneShot(svc) {
			oneShots[c.serviceName(svc)] = true
		}
	}
	var pending []string
	err := poll(ctx, swarmPoll, func(ctx context.Context) (bool, error) {
		list, err := r.target.Manager.ServiceList(ctx, swarm.ServiceListOptions{
			Filters: labelFilters(map[string]string{labelNamespace: c.project}), Status: true,
		})
		if err != nil {
			return false, fmt.Errorf("list the services of %s: %w", c.project, err)
		}
		pending = pending[:0]
		for _, svc := range c.config.serviceNames() {
			name := c.serviceName(svc)
			if !oneShots[name] && !slices.ContainsFunc(list, func(s swarm.Service) bool { return s.Spec.Name == name }) {
				pending = append(pending, svc+" missing")
			}
		}
		for _, s := range list {
			if oneShots[s.Spec.Name] {
				continue
			}
			var running, desired uint64
			if st := s.ServiceStatus; st != nil {
				running, desired = st.RunningTasks, st.DesiredTasks
			}
			if desired == 0 || running != desired || (s.UpdateStatus != nil && s.UpdateStatus.State == swarm.UpdateStateUpdating) {
				pending = append(pending, fmt.Sprintf("%s %d/%d running", s.Spec.Name, running, desired))
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("the swarm did not finish the deploy (%s): %w", strings.Join(pending, ", "), err)
	}
	return nil
}

// orderRow reads from the swarm's tasks, on its clock, when web's first
// task was made, and when each dependency web waits for by a condition was
// ready: a service_healthy one's running task reached running (a swarm
// holds a task with a healthcheck in starting until its first probe
// passes), a service_completed_successfully one's first task completed.
func (r *swarmRunner) orderRow(ctx context.Context, round int, c *swarmCopy, began time.Time) error {
	web := c.config.Services[c.stack.Web]
	webTasks, err := r.tasks(ctx, c.serviceName(c.stack.Web))
	if err != nil {
		return err
	}
	if len(webTasks) == 0 {
		return fmt.Errorf("web has no tasks")
	}
	first := slices.MinFunc(webTasks, func(a, b swarm.Task) int { return a.CreatedAt.Compare(b.CreatedAt) }).CreatedAt
	row := SwarmOrder{Round: round, Tool: c.tool.Name, Stack: c.stack.Key, WebCreated: first.Sub(began).Seconds()}
	for _, service := range slices.Sorted(maps.Keys(web.DependsOn)) {
		condition := web.DependsOn[service].Condition
		var state swarm.TaskState
		switch condition {
		case conditionHealthy:
			state = swarm.TaskStateRunning
		case conditionCompleted:
			state = swarm.TaskStateComplete
		default:
			continue
		}
		tasks, err := r.tasks(ctx, c.serviceName(service))
		if err != nil {
			return err
		}
		dep := SwarmDepReady{Service: service, Condition: condition, WebFirst: true}
		for _, t := range tasks {
			at := t.Status.Timestamp
			if t.Status.State == state && (!dep.Ready || at.Sub(began).Seconds() < dep.ReadyAt) {
				dep.Ready, dep.ReadyAt = true, at.Sub(began).Seconds()
				dep.WebFirst = first.Before(at)
			}
		}
		if !dep.Ready {
			dep.Tasks = taskStates(tasks, began)
		}
		row.Deps = append(row.Deps, dep)
	}
	r.report.Swarm.Order = append(r.report.Swarm.Order, row)
	r.logf("round %d/%d  %-12s  %s", round, r.cfg.Rounds, c.tool.Name, row)
	return nil
}

// tasks are the swarm's tasks of a service, in every state.
func (r *swarmRunner) tasks(ctx context.Context, service string) ([]swarm.Task, error) {
	list, err := r.target.Manager.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", service))})
	if err != nil {
		return nil, fmt.Errorf("list the tasks of %s: %w", service, err)
	}
	return list, nil
}

// measureUpdate adds the round's variable to web's environment, redeploys
// with the tool, and times until the swarm says web's update completed,
// while swarmLoop sends requests over the nodes: the failed ones, and the
// longest time between two answers.
func (r *swarmRunner) measureUpdate(ctx context.Context, round int, c *swarmCopy) error {
	ctx, cancel := context.WithTimeout(ctx, swarmUpdateTimeout)
	defer cancel()
	dialer := &soakDialer{}
	began := time.Now()
	tally := newSoakTally(began)
	tally.begin(round, began)
	loopCtx, stopLoop := context.WithCancel(ctx)
	defer stopLoop()
	stopped := make(chan time.Time, 1)
	go func() { stopped <- swarmLoop(loopCtx, newSoakClient(dialer), dialer, c.urls(r.target.Nodes), tally) }()

	run, err := c.update(ctx, round)
	returned := time.Now()
	var completed time.Time
	if err == nil {
		completed, err = r.waitUpdated(ctx, c.serviceName(c.stack.Web), round)
	}
	if err == nil {
		// The client's last word: an answer after the update completed.
		againCtx, cancelAgain := context.WithTimeout(ctx, servingAgainMax)
		err = poll(againCtx, webGap, func(context.Context) (bool, error) { return tally.lastOK().After(completed), nil })
		cancelAgain()
		if err != nil {
			err = fmt.Errorf("no node answered 200 within %s after web's update completed: %w", servingAgainMax, err)
		}
	}
	stopLoop()
	seen := tally.finish(<-stopped)[0]
	if err != nil {
		return err
	}
	metric := func(base string) string { return swarmMetric(c.stack.Key, base) }
	r.record(Sample{Round: round, Tool: c.tool.Name, Metric: metric(swarmUpdate), Value: completed.Sub(began).Seconds(), Unit: unitSeconds,
		Note: fmt.Sprintf("command returned at %.3fs; %d requests", returned.Sub(began).Seconds(), seen.Requests), Timeline: timeline(run.Began, run.Events)})
	r.record(Sample{Round: round, Tool: c.tool.Name, Metric: metric(swarmUpdateFailed), Value: float64(seen.Failed), Unit: unitRequests})
	r.record(Sample{Round: round, Tool: c.tool.Name, Metric: metric(swarmUpdateGap), Value: seen.LongestGap, Unit: unitSeconds})
	r.report.Swarm.Updates = append(r.report.Swarm.Updates, SwarmUpdate{
		Round: round, Tool: c.tool.Name, Stack: c.stack.Key, Requests: seen.Requests, Failed: seen.Failed,
		LongestGap: seen.LongestGap, DialRetries: seen.DialRetries, Failures: tally.Failed,
	})
	return nil
}

// waitUpdated waits until the swarm says the update of service that
// brought the round's variable completed, and returns when it did (the
// swarm's clock).
func (r *swarmRunner) waitUpdated(ctx context.Context, service string, round int) (time.Time, error) {
	want := fmt.Sprintf("%s=%d", swarmUpdateVar, round)
	var last swarm.UpdateStatus
	err := poll(ctx, swarmPoll, func(ctx context.Context) (bool, error) {
		s, _, err := r.target.Manager.ServiceInspectWithRaw(ctx, service, swarm.ServiceInspectOptions{})
		if err != nil {
			return false, fmt.Errorf("inspect service %s: %w", service, err)
		}
		// The engine matches IDs by prefix too: only the exact name is
		// the copy's service.
		if s.Spec.Name != service {
			return false, fmt.Errorf("inspect service %s: the engine answered with %s", service, s.Spec.Name)
		}
		last = swarm.UpdateStatus{}
		if s.UpdateStatus != nil {
			last = *s.UpdateStatus
		}
		if cs := s.Spec.TaskTemplate.ContainerSpec; cs == nil || !slices.Contains(cs.Env, want) {
			return false, nil // the tool has not changed the spec yet
		}
		switch last.State {
		case swarm.UpdateStateCompleted:
			return true, nil
		case "", swarm.UpdateStateUpdating:
			return false, nil
		}
		return false, fmt.Errorf("the update of %s ended %s: %s", service, last.State, last.Message)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("wait for the swarm to complete the update of %s (last state %q): %w", service, last.State, err)
	}
	if last.CompletedAt == nil || last.CompletedAt.IsZero() {
		return time.Now(), nil
	}
	return *last.CompletedAt, nil
}

// taskStates says what became of each task, for a dependency that was
// never ready: its state, when, its exit code and error.
func taskStates(tasks []swarm.Task, began time.Time) []string {
	var out []string
	for _, t := range tasks {
		what := fmt.Sprintf("%s at +%.3fs", t.Status.State, t.Status.Timestamp.Sub(began).Seconds())
		if cs := t.Status.ContainerStatus; cs != nil && cs.ExitCode != 0 {
			what += fmt.Sprintf(", exit %d", cs.ExitCode)
		}
		if msg := cmp.Or(t.Status.Err, t.Status.Message); msg != "" {
			what += ": " + msg
		}
		out = append(out, what)
	}
	return out
}
