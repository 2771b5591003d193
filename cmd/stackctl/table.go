package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
)

// printTable writes the containers as `ps` shows them.
func printTable(w io.Writer, containers []backend.ContainerStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// A swarm's tasks run on nodes, and may have failed there.
	onNodes := slices.ContainsFunc(containers, func(c backend.ContainerStatus) bool { return c.Node != "" })
	if onNodes {
		fmt.Fprintln(tw, "SERVICE\tTASK\tNODE\tSTATE\tHEALTH\tRESTART\tEXIT\tPORTS\tUPTIME\tERROR")
	} else {
		fmt.Fprintln(tw, "SERVICE\tCONTAINER\tSTATE\tHEALTH\tRESTART\tRESTARTS\tEXIT\tPORTS\tUPTIME")
	}
	for _, c := range containers {
		health := c.Health
		if health == "" {
			health = "-"
		}
		uptime := "-"
		if c.State == "running" && !c.StartedAt.IsZero() {
			uptime = now.Sub(c.StartedAt).Round(time.Second).String()
		}
		exit := "-"
		if c.State != "running" || c.RestartCount > 0 {
			exit = fmt.Sprint(c.ExitCode)
		}
		service := c.Service
		if c.OneOff {
			service += " (one-off)"
		}
		if onNodes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				service, c.Name, c.Node, c.State, health, c.RestartPolicy, exit, ports(c), uptime, cmp.Or(c.Error, "-"))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
			service, c.Name, c.State, health, c.RestartPolicy, c.RestartCount, exit, ports(c), uptime)
	}
	return tw.Flush()
}

func ports(c backend.ContainerStatus) string {
	if len(c.Ports) == 0 {
		return "-"
	}
	out := make([]string, 0, len(c.Ports))
	for _, p := range c.Ports {
		out = append(out, fmt.Sprintf("%s:%d->%d/%s", hostOrAny(p.HostIP), p.HostPort, p.ContainerPort, p.Protocol))
	}
	return strings.Join(out, ",")
}

func hostOrAny(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

// printSummary is up's closing word: the table, and where to reach the app.
func printSummary(w io.Writer, containers []backend.ContainerStatus, engineHost string) error {
	if err := printTable(w, containers, time.Now()); err != nil {
		return err
	}
	for _, u := range urls(containers, engineHost) {
		fmt.Fprintf(w, "\n%s\n", u)
	}
	return nil
}

// urls are where the stack's published TCP ports are reached: on the
// engine's host, or the address a port is bound to.
func urls(containers []backend.ContainerStatus, engineHost string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range containers {
		hasIPv4 := map[int]bool{}
		for _, p := range c.Ports {
			if p.HostIP != "::" {
				hasIPv4[p.ContainerPort] = true
			}
		}
		for _, p := range c.Ports {
			// A port bound on all addresses shows once, by its IPv4
			// binding: the engine may give IPv6 another host port.
			if (p.Protocol != "" && p.Protocol != "tcp") || (p.HostIP == "::" && hasIPv4[p.ContainerPort]) {
				continue
			}
			host := p.HostIP
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = engineHost
			}
			u := fmt.Sprintf("%s: http://%s:%d/", c.Service, host, p.HostPort)
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}
