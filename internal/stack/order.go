package stack

import (
	"fmt"
	"slices"
	"strings"
)

// StartOrder lists the services so that each comes after everything it
// depends on, keeping declaration order among independent services. A
// dependency cycle is an error that names the cycle.
func (s *Stack) StartOrder() ([]string, error) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var order, path []string
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case done:
			return nil
		case visiting:
			cycle := append(path[slices.Index(path, name):], name)
			return fmt.Errorf("services.%s.depends_on: dependency cycle %s", name, strings.Join(cycle, " -> "))
		}
		svc, ok := s.Service(name)
		if !ok {
			return fmt.Errorf("unknown service %q", name)
		}
		state[name] = visiting
		path = append(path, name)
		for _, d := range svc.DependsOn {
			if err := visit(d.Service); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		order = append(order, name)
		return nil
	}
	for _, svc := range s.Services {
		if err := visit(svc.Name); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// StartRank orders services as they start, for listing them; a service
// the stack does not have comes last.
func (s *Stack) StartRank() func(service string) int {
	order, err := s.StartOrder()
	if err != nil {
		order = s.ServiceNames()
	}
	return func(service string) int {
		if i := slices.Index(order, service); i >= 0 {
			return i
		}
		return len(order)
	}
}

// DependencyStack is the part of st that svc needs running: the services
// it depends on, directly or not, with the edge in front of any of them,
// and all of st's networks and volumes.
func (st *Stack) DependencyStack(svc *Service) *Stack {
	want := map[string]bool{svc.Name: true}
	var visit func(s *Service)
	add := func(name string) {
		if want[name] {
			return
		}
		if s, ok := st.Service(name); ok {
			want[name] = true
			visit(s)
		}
	}
	visit = func(s *Service) {
		for _, d := range s.DependsOn {
			add(d.Service)
		}
		if s.Name != svc.Name {
			if lb, ok := st.BalancerOf(s.Name); ok {
				add(lb.Name)
			}
		}
	}
	visit(svc)
	sub := *st
	sub.Services, sub.Notices = nil, nil
	for _, s := range st.Services {
		if want[s.Name] && s.Name != svc.Name {
			sub.Services = append(sub.Services, s)
		}
	}
	return &sub
}

// Select is the part of st that runs the named services: them, the edges
// in front of them and, with dependencies, what DependencyStack adds for
// each; all of st's networks and volumes. Unknown names are left out.
// Without dependencies, a service's depends_on keeps only the services
// selected: the others are not waited for.
func (st *Stack) Select(names []string, dependencies bool) *Stack {
	want := map[string]bool{}
	for _, name := range names {
		svc, ok := st.Service(name)
		if !ok {
			continue
		}
		want[name] = true
		if lb, ok := st.BalancerOf(name); ok {
			want[lb.Name] = true
		}
		if dependencies {
			for _, dep := range st.DependencyStack(svc).Services {
				want[dep.Name] = true
			}
		}
	}
	sub := *st
	sub.Services = nil
	for _, s := range st.Services {
		if !want[s.Name] {
			continue
		}
		s.DependsOn = slices.DeleteFunc(slices.Clone(s.DependsOn), func(d Dependency) bool { return !want[d.Service] })
		sub.Services = append(sub.Services, s)
	}
	return &sub
}
