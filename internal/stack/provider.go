package stack

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Provider is a service that an executable stands for (`provider:`), as
// in Compose: `up` runs it before the services that depend on it are
// made, and gives them the variables it answers; `down` runs it again.
// It has no container, and no dependent waits on it for more.
type Provider struct {
	Name string
	// Type names the executable: a docker CLI plugin docker-<type>, or
	// <type> on PATH.
	Type string
	// Options are passed to it as --name=value, once per value.
	Options map[string][]string
	// DependsOn names the providers it runs after.
	DependsOn []string
}

// fromProvider is a provider service. One that depends on a service with
// containers is refused: stackctl runs providers before it makes any
// container, so that every dependent is made with their variables.
func fromProvider(p *types.Project, sc types.ServiceConfig) (Provider, error) {
	out := Provider{Name: sc.Name, Type: sc.Provider.Type, Options: map[string][]string(sc.Provider.Options)}
	for _, dep := range sortedKeys(sc.DependsOn) {
		ds, ok := p.Services[dep]
		if !ok {
			continue // an optional dependency a profile left out
		}
		if ds.Provider == nil {
			return Provider{}, fmt.Errorf("depends_on: %s has containers, and stackctl runs a provider service before it makes any; make %s depend on nothing but provider services", dep, sc.Name)
		}
		out.DependsOn = append(out.DependsOn, dep)
	}
	return out, nil
}

// Provider returns the provider service called name.
func (s *Stack) Provider(name string) (*Provider, bool) {
	for i := range s.Providers {
		if s.Providers[i].Name == name {
			return &s.Providers[i], true
		}
	}
	return nil, false
}

// ProvidersFor are the providers that services (every service when none
// are named) need, in the order they run: those named, those the services
// depend on, and the providers those depend on. services may name
// providers and services both.
func (s *Stack) ProvidersFor(services []string) []Provider {
	want := map[string]bool{}
	var add func(name string)
	add = func(name string) {
		p, ok := s.Provider(name)
		if !ok || want[name] {
			return
		}
		want[name] = true
		for _, d := range p.DependsOn {
			add(d)
		}
	}
	for _, svc := range s.Services {
		if len(services) == 0 || slices.Contains(services, svc.Name) {
			for _, p := range svc.Providers {
				add(p)
			}
		}
	}
	for _, p := range s.Providers {
		if len(services) == 0 || slices.Contains(services, p.Name) {
			add(p.Name)
		}
	}
	return s.providersInOrder(want)
}

// providersInOrder are the providers wanted, each after those it depends
// on (compose-go refuses a cycle), by name among equals.
func (s *Stack) providersInOrder(want map[string]bool) []Provider {
	var out []Provider
	done := map[string]bool{}
	var visit func(p Provider)
	visit = func(p Provider) {
		if done[p.Name] {
			return
		}
		done[p.Name] = true
		for _, d := range p.DependsOn {
			if dp, ok := s.Provider(d); ok {
				visit(*dp)
			}
		}
		if want[p.Name] {
			out = append(out, p)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if p, ok := s.Provider(name); ok {
			visit(*p)
		}
	}
	return out
}

// SetProviderVariables gives every service that depends on provider the
// variables it answered, as Compose gives them: prefixed ones as
// <PROVIDER>_<KEY> (the provider's name in upper case), raw ones as they
// are. It returns the raw variables that replaced another value, by
// service, for a warning. A variable set before is replaced, so running
// a provider again leaves one value.
func (s *Stack) SetProviderVariables(provider string, prefixed, raw map[string]string) (overridden map[string][]string) {
	prefix := strings.ToUpper(provider) + "_"
	overridden = map[string][]string{}
	for i := range s.Services {
		svc := &s.Services[i]
		if !slices.Contains(svc.Providers, provider) {
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(prefixed)) {
			svc.setEnv(prefix+key, prefixed[key])
		}
		for _, key := range slices.Sorted(maps.Keys(raw)) {
			if old, ok := svc.env(key); ok && old != raw[key] {
				overridden[svc.Name] = append(overridden[svc.Name], key)
			}
			svc.setEnv(key, raw[key])
		}
	}
	return overridden
}

func (svc *Service) env(name string) (string, bool) {
	for _, e := range svc.Environment {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// setEnv sets an environment variable of the service, in place of the
// one of that name.
func (svc *Service) setEnv(name, value string) {
	for i, e := range svc.Environment {
		if e.Name == name {
			svc.Environment[i].Value = value
			return
		}
	}
	svc.Environment = append(svc.Environment, EnvVar{Name: name, Value: value, Secret: secretName(name)})
}
