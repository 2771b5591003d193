package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Shell completion (cobra's `completion bash|zsh|fish|powershell`)
// completes what the commands take: the project's service names, loaded
// from the compose files as the flags already typed select them (no engine
// asked), --profile's profiles, and kill's replicas from the project's
// containers on the engine. A file that does not load completes nothing.

// serviceArgs says, by command, which positional arguments are services:
// all of them, or only the first (the rest is a command, a port...).
var serviceArgs = map[string]string{
	"up": "all", "create": "all", "ps": "all", "logs": "all", "stop": "all", "start": "all",
	"restart": "all", "build": "all", "pause": "all", "unpause": "all", "top": "all", "rm": "all",
	"wait": "all", "events": "all", "pull": "all", "push": "all", "watch": "all",
	"exec": "first", "run": "first", "attach": "first", "port": "first", "stats": "first", "kill": "first",
	"cp": "service-path", "scale": "service=n",
}

// addCompletions gives the root's commands and flags their completions.
func addCompletions(root *cobra.Command, g *globalOptions) {
	_ = root.RegisterFlagCompletionFunc("profile", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		st, err := g.loadStack(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return st.Profiles(), cobra.ShellCompDirectiveNoFileComp
	})
	for _, cmd := range root.Commands() {
		kind, ok := serviceArgs[cmd.Name()]
		if !ok {
			continue
		}
		cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return g.completeArgs(cmd, kind, args, toComplete)
		}
	}
}

// completeArgs completes the argument after args for a command whose
// arguments are of kind (see serviceArgs).
func (g *globalOptions) completeArgs(cmd *cobra.Command, kind string, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	none := cobra.ShellCompDirectiveNoFileComp
	if cmd.Name() == "kill" && len(args) == 1 {
		return g.completeReplicas(cmd, args[0])
	}
	if kind == "service-path" {
		// SERVICE:PATH either way round; a local path completes as files.
		if strings.Contains(toComplete, ":") || strings.HasPrefix(toComplete, "/") || strings.HasPrefix(toComplete, ".") {
			return nil, cobra.ShellCompDirectiveDefault
		}
		services := g.services(cmd, nil)
		for i := range services {
			services[i] += ":"
		}
		return services, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveDefault
	}
	if len(args) > 0 && kind != "all" && kind != "service=n" {
		if cmd.Name() == "exec" || cmd.Name() == "run" {
			return nil, cobra.ShellCompDirectiveDefault
		}
		return nil, none
	}
	services := g.services(cmd, args)
	if kind == "service=n" {
		for i := range services {
			services[i] += "="
		}
		return services, none | cobra.ShellCompDirectiveNoSpace
	}
	return services, none
}

// services are the project's service names not yet among args.
func (g *globalOptions) services(cmd *cobra.Command, args []string) []string {
	st, err := g.loadStack(cmd.Context())
	if err != nil {
		return nil
	}
	return slices.DeleteFunc(st.ServiceNames(), func(name string) bool { return slices.Contains(args, name) })
}

// completeReplicas are the names of service's containers on the engine,
// for kill's REPLICA.
func (g *globalOptions) completeReplicas(cmd *cobra.Command, service string) ([]string, cobra.ShellCompDirective) {
	none := cobra.ShellCompDirectiveNoFileComp
	st, err := g.loadStack(cmd.Context())
	if err != nil {
		return nil, none
	}
	orch, err := g.connect(cmd.Context())
	if err != nil {
		return nil, none
	}
	defer orch.close()
	containers, err := orch.PS(cmd.Context(), st)
	if err != nil {
		return nil, none
	}
	var names []string
	for _, c := range containers {
		if c.Service == service && !c.OneOff {
			names = append(names, c.Name+"\t"+c.State)
		}
	}
	return names, none
}
