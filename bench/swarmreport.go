package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// The swarm comparison's results: its samples are a Report's, under the
// metrics below, and SwarmReport (Report.Swarm) holds the rest: the swarm,
// what each tool was given, the order rows and what the update's client
// saw.

// The swarm comparison's metrics, per stack (swarmMetric).
const (
	swarmFirst200     = "first-200"
	swarmReturned     = "returned"
	swarmUpdate       = "update"
	swarmUpdateFailed = "update-failed-requests"
	swarmUpdateGap    = "update-longest-gap"
)

// swarmRows are the table's rows per stack.
var swarmRows = []struct{ base, title, unit, label string }{
	{swarmFirst200, "deploy -> first 200 on web's port (any node)", unitSeconds, "first 200"},
	{swarmReturned, "deploy -> the command returned", unitSeconds, "command\nreturned"},
	{swarmUpdate, "update web's env -> the swarm says completed", unitSeconds, "update"},
	{swarmUpdateFailed, "   failed requests (client over every node)", unitRequests, "update:\nfailed"},
	{swarmUpdateGap, "   longest gap between two answers", unitSeconds, "update:\nlongest gap"},
}

func swarmMetric(stack, base string) string { return "swarm-" + stack + "-" + base }

// SwarmReport is what the swarm comparison records besides its samples.
type SwarmReport struct {
	Registry string           `json:"registry"`
	Nodes    []SwarmNodeInfo  `json:"nodes"`
	Stacks   []SwarmStackInfo `json:"stacks"`
	// Order says, per round, tool and stack, whether web's first task was
	// made before the dependencies it waits for were ready.
	Order []SwarmOrder `json:"order"`
	// Updates are what the client saw during each update.
	Updates []SwarmUpdate `json:"updates"`
	// Leftovers are what each teardown left on the nodes, which the
	// benchmark removed before the next deploy.
	Leftovers []SwarmLeftover `json:"leftovers,omitempty"`
}

// SwarmLeftover is one thing a tool's teardown left behind.
type SwarmLeftover struct {
	Round int    `json:"round"`
	Tool  string `json:"tool"`
	Stack string `json:"stack"`
	What  string `json:"what"`
}

// SwarmNodeInfo is one node of the swarm.
type SwarmNodeInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	Addr string `json:"addr"`
}

// SwarmStackInfo is one stack as both tools ran it.
type SwarmStackInfo struct {
	Key   string         `json:"key"`
	Title string         `json:"title"`
	File  string         `json:"file"`
	Web   string         `json:"web"`
	Scale map[string]int `json:"scale,omitempty"`
	// Projects, Ports and Commands are each tool's, by tool.
	Projects map[string]string `json:"projects"`
	Ports    map[string]int    `json:"ports"`
	Commands map[string]string `json:"commands"`
	// Images are the references by digest in the registry, by service,
	// that stack deploy's variant names.
	Images map[string]string `json:"images"`
	// Variant is what stack deploy's variant changed; Ignored what stack
	// deploy said it ignored of it.
	Variant []string `json:"variant"`
	Ignored []string `json:"ignored,omitempty"`
}

// SwarmOrder is when web's first task was made and when each dependency
// it waits for by a condition was ready, in seconds after the deploy
// began, from the swarm's task timestamps.
type SwarmOrder struct {
	Round      int             `json:"round"`
	Tool       string          `json:"tool"`
	Stack      string          `json:"stack"`
	WebCreated float64         `json:"web_created_s"`
	Deps       []SwarmDepReady `json:"deps"`
}

// SwarmDepReady is one dependency of web: healthy (service_healthy) or
// completed (service_completed_successfully).
type SwarmDepReady struct {
	Service   string `json:"service"`
	Condition string `json:"condition"`
	// Ready is false when the dependency never was, as far as the tasks
	// tell; ReadyAt is when it was.
	Ready   bool    `json:"ready"`
	ReadyAt float64 `json:"ready_at_s,omitempty"`
	// WebFirst says web's first task was made before it was ready.
	WebFirst bool `json:"web_first"`
	// Tasks say what became of its tasks when it never was ready.
	Tasks []string `json:"tasks,omitempty"`
}

func (o SwarmOrder) String() string {
	parts := []string{fmt.Sprintf("web's first task made at +%.3fs", o.WebCreated)}
	for _, d := range o.Deps {
		what := "healthy"
		if d.Condition == "service_completed_successfully" {
			what = "completed"
		}
		if !d.Ready {
			parts = append(parts, fmt.Sprintf("%s never %s (tasks: %s)", d.Service, what, strings.Join(d.Tasks, "; ")))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s at +%.3fs", d.Service, what, d.ReadyAt))
	}
	return strings.Join(parts, ", ")
}

// SwarmUpdate is what the client saw during one update.
type SwarmUpdate struct {
	Round       int         `json:"round"`
	Tool        string      `json:"tool"`
	Stack       string      `json:"stack"`
	Requests    int         `json:"requests"`
	Failed      int         `json:"failed"`
	LongestGap  float64     `json:"longest_gap_s"`
	DialRetries int         `json:"dial_retries"`
	Failures    []SoakEvent `json:"failures,omitempty"`
}

// toolTitle is how the table and the charts name a tool.
var toolTitle = map[string]string{toolStackctl: "stackctl --swarm", toolStackDeploy: "docker stack deploy"}

// printSwarm writes the swarm comparison's table.
func (r *Report) printSwarm(w io.Writer) {
	s := r.Swarm
	fmt.Fprintf(w, "\nstackctl --swarm against docker stack deploy: %d rounds; %s\n", r.Rounds, r.Started.Format("2006-01-02T15:04Z07:00"))
	fmt.Fprintf(w, "  swarm: %d nodes, registry %s; engine %s\n", len(s.Nodes), s.Registry, r.Engine)
	for _, n := range s.Nodes {
		fmt.Fprintf(w, "    %-8s %s (ports reached at %s)\n", n.Role, n.Name, n.Addr)
	}
	if r.Machine != nil {
		fmt.Fprintf(w, "  machine: %s\n  %s\n", r.Machine, r.Machine.LoadText())
	}
	for _, tool := range swarmTools {
		if t, ok := r.Tools[tool]; ok {
			fmt.Fprintf(w, "  %-20s %s\n", toolTitle[tool], t.Version)
		}
	}
	row := func(cells ...any) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-50s  %-31s  %-31s  %s", cells...), " "))
	}
	for _, st := range s.Stacks {
		fmt.Fprintf(w, "\n%s (%s)\n", st.Title, st.File)
		for _, tool := range swarmTools {
			fmt.Fprintf(w, "  %s, project %s, web on port %d:\n    %s\n", toolTitle[tool], st.Projects[tool], st.Ports[tool], st.Commands[tool])
		}
		fmt.Fprintln(w, "  stack deploy's variant of the file:")
		for _, v := range st.Variant {
			fmt.Fprintf(w, "    - %s\n", v)
		}
		for _, line := range st.Ignored {
			fmt.Fprintf(w, "  stack deploy said: %s\n", line)
		}
		fmt.Fprintln(w)
		row("", "stackctl min/median/max", "stack deploy min/median/max", "stackctl/stack deploy")
		for _, m := range swarmRows {
			metric := swarmMetric(st.Key, m.base)
			if !r.measured(metric) {
				continue
			}
			ratio := "-"
			if v, ok := r.Ratios[metric]; ok {
				ratio = fmt.Sprintf("%.2fx", v)
			}
			row(m.title, r.cell(metric, toolStackctl, m.unit), r.cell(metric, toolStackDeploy, m.unit), ratio)
		}
		for _, dep := range r.swarmDeps(st.Key) {
			row(fmt.Sprintf("web's first task made before %s was %s", dep.service, dep.what),
				r.orderCell(st.Key, toolStackctl, dep.service), r.orderCell(st.Key, toolStackDeploy, dep.service), "")
		}
	}
	fmt.Fprintln(w, "\n(the order rows compare the swarm's own timestamps: web's first task Created against the dependency's running task's StatusAt, or its first completed task's)")
	r.printSwarmLeftovers(w)
	r.printSwarmFailures(w)
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\n%d errors:\n", len(r.Errors))
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  - %s\n", strings.ReplaceAll(e, "\n", "\n    "))
		}
	}
}

type swarmDep struct{ service, what string }

// swarmDeps are the dependencies the order rows of stack key name, in the
// order they first appear.
func (r *Report) swarmDeps(key string) []swarmDep {
	var out []swarmDep
	for _, o := range r.Swarm.Order {
		if o.Stack != key {
			continue
		}
		for _, d := range o.Deps {
			dep := swarmDep{d.Service, "healthy"}
			if d.Condition == "service_completed_successfully" {
				dep.what = "complete"
			}
			if !slices.Contains(out, dep) {
				out = append(out, dep)
			}
		}
	}
	return out
}

// orderCell says in how many rounds web's first task came before the
// dependency was ready, and by how much (the median).
func (r *Report) orderCell(key, tool, service string) string {
	var first, rounds int
	var leads []float64
	for _, o := range r.Swarm.Order {
		if o.Stack != key || o.Tool != tool {
			continue
		}
		for _, d := range o.Deps {
			if d.Service != service {
				continue
			}
			rounds++
			if d.WebFirst {
				first++
			}
			if d.Ready {
				leads = append(leads, d.ReadyAt-o.WebCreated)
			}
		}
	}
	if rounds == 0 {
		return "-"
	}
	verdict := "no"
	if first > 0 {
		verdict = "yes"
	}
	cell := fmt.Sprintf("%s in %d of %d", verdict, first, rounds)
	if lead := summarize(leads); lead.N > 0 {
		if lead.Median >= 0 {
			cell += fmt.Sprintf(", %.1fs before", lead.Median)
		} else {
			cell += fmt.Sprintf(", %.1fs after", -lead.Median)
		}
	}
	return cell
}

// printSwarmLeftovers lists what the teardowns left.
func (r *Report) printSwarmLeftovers(w io.Writer) {
	if len(r.Swarm.Leftovers) == 0 {
		return
	}
	fmt.Fprintln(w, "\nleft on the nodes by the teardown (down -v, stack rm), removed by the benchmark before the next deploy:")
	for _, line := range r.swarmLeftoverLines() {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// swarmLeftoverLines are what the teardowns left, each kind once with the
// rounds it was left in.
func (r *Report) swarmLeftoverLines() []string {
	var order []string
	rounds := map[string][]string{}
	for _, l := range r.Swarm.Leftovers {
		key := fmt.Sprintf("%s, %s: %s", toolTitle[l.Tool], l.Stack, l.What)
		if _, ok := rounds[key]; !ok {
			order = append(order, key)
		}
		rounds[key] = append(rounds[key], fmt.Sprint(l.Round))
	}
	lines := make([]string, len(order))
	for i, key := range order {
		lines[i] = fmt.Sprintf("%s (round %s)", key, strings.Join(rounds[key], ", "))
	}
	return lines
}

// printSwarmFailures lists the requests no node answered, per update.
func (r *Report) printSwarmFailures(w io.Writer) {
	for _, u := range r.Swarm.Updates {
		if len(u.Failures) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s, round %d, %s: %d of %d requests failed during the update:\n", u.Stack, u.Round, toolTitle[u.Tool], u.Failed, u.Requests)
		for i, f := range u.Failures {
			if i == 5 {
				fmt.Fprintf(w, "  ... %d more (in the JSON results)\n", len(u.Failures)-i)
				break
			}
			fmt.Fprintf(w, "  +%.3fs: %s\n", f.After, oneLine(f.What, 200))
		}
	}
}

// swarmCharts are the swarm comparison's bar charts: the times, and the
// failed requests when any request failed.
func (r *Report) swarmCharts() []scenarioChart {
	if r.Swarm == nil {
		return nil
	}
	times := scenarioChart{file: chartSwarmTimes, title: "stackctl --swarm and docker stack deploy, same swarm and file", unit: "seconds"}
	failed := scenarioChart{file: chartSwarmFailed, title: "stackctl --swarm and docker stack deploy: requests no node answered during the update", unit: "requests"}
	anyFailed := false
	for _, st := range r.Swarm.Stacks {
		for _, m := range swarmRows {
			metric := swarmMetric(st.Key, m.base)
			if !r.measured(metric) {
				continue
			}
			if m.unit == unitRequests {
				failed.metrics = append(failed.metrics, metric)
				for _, s := range r.Summaries[metric] {
					anyFailed = anyFailed || s.Max > 0
				}
				continue
			}
			times.metrics = append(times.metrics, metric)
		}
	}
	var out []scenarioChart
	for _, c := range []scenarioChart{times, failed} {
		if len(c.metrics) > 0 && (c.unit != "requests" || anyFailed) {
			out = append(out, c)
		}
	}
	return out
}

// swarmChartLabel is a swarm metric's label under its bars.
func swarmChartLabel(metric string) (string, bool) {
	for _, m := range swarmRows {
		for _, st := range swarmStacks {
			if metric == swarmMetric(st.Key, m.base) {
				return st.Label + ":\n" + m.label, true
			}
		}
	}
	return "", false
}
