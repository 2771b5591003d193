// Package walk is the one dependency walk of a stack: forward (a service
// after the services it depends on, as up and start go) and reverse (a
// service after the services that depend on it, as down and stop go).
// Independent services run side by side, at most Limit at once.
package walk

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/stackctl/stackctl/internal/stack"
)

// Limit is how many visits run at once. A visit that waits for others holds
// no slot, so a walk never waits on itself.
const Limit = 16

// ErrDependencyFailed marks a service that was not visited because a
// service it waits for failed; that service's own error is the one to show.
var ErrDependencyFailed = errors.New("dependency failed")

// Started is how a forward visit says its service has started: dependents
// that wait only for their dependency to start (service_started) go on
// from there, while the visit goes on to wait for readiness.
type Started func()

// Waiting is told when a service begins to wait for a dependency that has
// not met its condition yet.
type Waiting func(svc *stack.Service, d stack.Dependency)

// Forward visits every service of st once each service it depends on has
// finished its visit or, for a service_started dependency, said it started.
// The first failure cancels the walk: the services waiting on the failed one
// fail with ErrDependencyFailed, and only the first failures are returned.
// waiting, when set, is told of every wait.
func Forward(ctx context.Context, st *stack.Stack, waiting Waiting, visit func(ctx context.Context, svc *stack.Service, started Started) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	marks := newMarks(st)
	slots := make(chan struct{}, Limit)
	var g errgroup.Group
	failures := make([]error, len(st.Services))
	for i := range st.Services {
		svc := &st.Services[i]
		g.Go(func() error {
			m := marks[svc.Name]
			err := forward(ctx, svc, marks, slots, waiting, func(ctx context.Context) error { return visit(ctx, svc, m.markStarted) })
			if err != nil {
				close(m.failed)
				// Secondary: a dependency failed, or the walk was cancelled
				// (by another's failure or the caller). A visit's own
				// "canceled" while the walk goes on is a failure.
				secondary := errors.Is(err, ErrDependencyFailed) || (errors.Is(err, context.Canceled) && ctx.Err() != nil)
				if !secondary {
					failures[i] = err
					cancel()
				}
				return nil
			}
			m.markStarted()
			close(m.done)
			return nil
		})
	}
	_ = g.Wait()
	if err := errors.Join(failures...); err != nil {
		return err
	}
	return context.Cause(ctx)
}

func forward(ctx context.Context, svc *stack.Service, marks map[string]*mark, slots chan struct{}, waiting Waiting, visit func(context.Context) error) error {
	for _, d := range svc.DependsOn {
		dep, ok := marks[d.Service]
		if !ok {
			continue // an optional dependency the stack does not have
		}
		gate := dep.done
		if d.Condition == stack.ServiceStarted {
			gate = dep.started
		}
		select {
		case <-gate:
			continue
		default:
		}
		if waiting != nil {
			waiting(svc, d)
		}
		select {
		case <-gate:
		case <-dep.failed:
			return fmt.Errorf("service %s: %w: %s", svc.Name, ErrDependencyFailed, d.Service)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return limited(ctx, slots, visit)
}

// Reverse visits every service of st once the services that depend on it
// have finished theirs, whether they succeeded or not: taking a stack down
// goes as far as it can. It returns every failure.
func Reverse(ctx context.Context, st *stack.Stack, visit func(ctx context.Context, svc *stack.Service) error) error {
	marks := newMarks(st)
	dependents := map[string][]string{}
	for _, svc := range st.Services {
		for _, d := range svc.DependsOn {
			dependents[d.Service] = append(dependents[d.Service], svc.Name)
		}
	}
	slots := make(chan struct{}, Limit)
	var g errgroup.Group
	errs := make([]error, len(st.Services))
	for i := range st.Services {
		svc := &st.Services[i]
		g.Go(func() error {
			defer close(marks[svc.Name].done)
			for _, name := range dependents[svc.Name] {
				select {
				case <-marks[name].done:
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return nil
				}
			}
			errs[i] = limited(ctx, slots, func(ctx context.Context) error { return visit(ctx, svc) })
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// ReverseGroups is Reverse over items grouped by the service they belong
// to (service names it): visit gets each service's items once the services
// that depend on it are done. Items of a service the stack does not have
// (an orphan's) have no known dependents: they are visited at once, beside
// the walk, with svc nil. A service with no items is passed over.
func ReverseGroups[T any](ctx context.Context, st *stack.Stack, items []T, service func(T) string, visit func(ctx context.Context, svc *stack.Service, items []T) error) error {
	byService := map[string][]T{}
	var unknown []T
	for _, item := range items {
		name := service(item)
		if _, ok := st.Service(name); !ok {
			unknown = append(unknown, item)
			continue
		}
		byService[name] = append(byService[name], item)
	}
	var orphansErr error
	var orphans sync.WaitGroup
	if len(unknown) > 0 {
		orphans.Go(func() { orphansErr = visit(ctx, nil, unknown) })
	}
	err := Reverse(ctx, st, func(ctx context.Context, svc *stack.Service) error {
		if len(byService[svc.Name]) == 0 {
			return nil
		}
		return visit(ctx, svc, byService[svc.Name])
	})
	orphans.Wait()
	return errors.Join(err, orphansErr)
}

// Each calls fn for every item, at most Limit at once, and returns every
// failure.
func Each[T any](items []T, fn func(T) error) error {
	var g errgroup.Group
	g.SetLimit(Limit)
	errs := make([]error, len(items))
	for i, item := range items {
		g.Go(func() error {
			errs[i] = fn(item)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// limited runs visit once a slot is free.
func limited(ctx context.Context, slots chan struct{}, visit func(context.Context) error) error {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slots }()
	return visit(ctx)
}

// mark is what the services waiting on one service watch: started,
// done (its visit succeeded) or failed.
type mark struct {
	started, done, failed chan struct{}
	startOnce             sync.Once
}

func newMarks(st *stack.Stack) map[string]*mark {
	marks := make(map[string]*mark, len(st.Services))
	for _, svc := range st.Services {
		marks[svc.Name] = &mark{started: make(chan struct{}), done: make(chan struct{}), failed: make(chan struct{})}
	}
	return marks
}

func (m *mark) markStarted() { m.startOnce.Do(func() { close(m.started) }) }
