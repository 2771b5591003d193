package orchestrator

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/provider"
	"github.com/stackctl/stackctl/internal/stack"
)

// Provider services (stack.Provider) are run here, around what the
// backend does, as Compose runs them: up before the services that depend
// on them are made, one after another in dependency order, each one's
// variables given to its dependents; down after the containers are gone,
// in reverse; stop only for a provider that declares it.

// providerStatus are the statuses of a provider's line while verb runs
// and once it is done, Compose's words.
var providerStatus = map[string][2]string{
	provider.Up:   {"creating", "created"},
	provider.Down: {"removing", "removed"},
	provider.Stop: {"stopping", "stopped"},
}

// runProviders runs verb for each provider, in the order given, and on
// up gives its variables to the services of st that depend on it.
func (o *Orchestrator) runProviders(ctx context.Context, st *stack.Stack, providers []stack.Provider, verb string) error {
	if len(providers) == 0 {
		return nil
	}
	env := projectEnvironment(st)
	getenv := func(name string) string { return env[name] }
	envList := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		envList = append(envList, k+"="+env[k])
	}
	doing, done := providerStatus[verb][0], providerStatus[verb][1]
	for _, p := range providers {
		resource := "service " + p.Name
		path, err := provider.Lookup(p.Type, getenv)
		if err != nil {
			o.reportError(resource, "failed", err.Error())
			return fmt.Errorf("service %s: %w", p.Name, err)
		}
		began := time.Now()
		cmd := provider.Command{Path: path, Type: p.Type, Project: st.ProjectName(), Service: p.Name, Verb: verb, Options: p.Options, Env: envList}
		args, run, err := provider.Args(ctx, cmd)
		if err == nil && !run {
			continue // a verb it does not declare (stop), as Compose skips it
		}
		var vars provider.Variables
		if err == nil {
			o.report(resource, doing, "provider "+p.Type)
			vars, err = provider.Run(ctx, cmd, args, func(detail string) { o.report(resource, "working", detail) })
		}
		if err != nil {
			o.reportError(resource, "failed", err.Error())
			return err
		}
		o.report(resource, done, since(began))
		if verb != provider.Up {
			continue
		}
		for svc, keys := range st.SetProviderVariables(p.Name, vars.Prefixed, vars.Raw) {
			o.reportWarning(resource, "overrides", fmt.Sprintf("provider %s overrides environment variables %s of service %s", p.Name, strings.Join(keys, ", "), svc))
		}
	}
	return nil
}

// projectEnvironment is the environment a provider runs in, as Compose
// runs it: the project's (the process's, with .env), without the variable
// that would make a docker CLI plugin think the CLI started it.
func projectEnvironment(st *stack.Stack) map[string]string {
	env := map[string]string{}
	if st.Source != nil && st.Source.Environment != nil {
		for k, v := range st.Source.Environment {
			env[k] = v
		}
	} else {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	delete(env, "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND")
	return env
}

// splitProviders parts names into the stack's provider services and the
// rest.
func splitProviders(st *stack.Stack, names []string) (services, providers []string) {
	for _, name := range names {
		if _, ok := st.Provider(name); ok {
			providers = append(providers, name)
		} else {
			services = append(services, name)
		}
	}
	return services, providers
}

// Down takes the stack down as the backend does, then runs down for its
// provider services, dependents first.
func (o *Orchestrator) Down(ctx context.Context, st *stack.Stack, opts backend.DownOptions) error {
	if err := o.Backend.Down(ctx, st, opts); err != nil {
		return err
	}
	providers := st.ProvidersFor(nil)
	slices.Reverse(providers)
	return o.runProviders(ctx, st, providers, provider.Down)
}

// Stop stops the services as the backend does, then runs stop for the
// provider services among them (all when none are named) that declare
// it, dependents first.
func (o *Orchestrator) Stop(ctx context.Context, st *stack.Stack, services []string, timeout time.Duration) error {
	names, provs := splitProviders(st, services)
	if len(services) == 0 || len(names) > 0 {
		if err := o.Backend.Stop(ctx, st, names, timeout); err != nil {
			return err
		}
	}
	var providers []stack.Provider
	for _, p := range st.ProvidersFor(nil) {
		if len(services) == 0 || slices.Contains(provs, p.Name) {
			providers = append(providers, p)
		}
	}
	slices.Reverse(providers)
	return o.runProviders(ctx, st, providers, provider.Stop)
}
