package walk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// chain: web waits for db healthy and cache started; migrate for db healthy.
func chain() *stack.Stack {
	return &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "web", DependsOn: []stack.Dependency{{Service: "db", Condition: stack.ServiceHealthy}, {Service: "cache", Condition: stack.ServiceStarted}}},
		{Name: "db"},
		{Name: "cache"},
		{Name: "migrate", DependsOn: []stack.Dependency{{Service: "db", Condition: stack.ServiceHealthy}}},
	}}
}

// log records visits in the order they began and ended.
type log struct {
	mu     sync.Mutex
	events []string
}

func (l *log) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *log) index(e string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Index(l.events, e)
}

func TestForwardWaitsForEachCondition(t *testing.T) {
	var l log
	cacheReady := make(chan struct{})
	err := Forward(context.Background(), chain(), nil, func(ctx context.Context, svc *stack.Service, started Started) error {
		l.add("begin " + svc.Name)
		if svc.Name == "cache" {
			started()
			// web may begin while cache is not ready yet: it waits only
			// for cache to start.
			select {
			case <-cacheReady:
			case <-time.After(5 * time.Second):
				return errors.New("web never began while cache was starting")
			}
		}
		if svc.Name == "web" {
			close(cacheReady)
		}
		l.add("end " + svc.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range [][2]string{{"end db", "begin web"}, {"end db", "begin migrate"}, {"begin cache", "begin web"}} {
		if l.index(after[0]) > l.index(after[1]) {
			t.Errorf("%q came after %q: %q", after[0], after[1], l.events)
		}
	}
	if l.index("begin web") > l.index("end cache") {
		t.Errorf("web began only once cache finished, not once it started: %q", l.events)
	}
}

func TestForwardFailureStopsDependentsOnly(t *testing.T) {
	boom := errors.New("db failed")
	var visited sync.Map
	err := Forward(context.Background(), chain(), nil, func(ctx context.Context, svc *stack.Service, _ Started) error {
		visited.Store(svc.Name, true)
		if svc.Name == "db" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want db's failure", err)
	}
	if errors.Is(err, ErrDependencyFailed) {
		t.Errorf("err = %v: the dependents' secondary failures are not the error", err)
	}
	for _, name := range []string{"web", "migrate"} {
		if _, ok := visited.Load(name); ok {
			t.Errorf("%s was visited although db failed", name)
		}
	}
}

func TestReverseGoesDependentsFirstAndPastFailures(t *testing.T) {
	var l log
	boom := errors.New("web failed to stop")
	err := Reverse(context.Background(), chain(), func(ctx context.Context, svc *stack.Service) error {
		l.add(svc.Name)
		if svc.Name == "web" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want web's failure", err)
	}
	if len(l.events) != 4 {
		t.Fatalf("visited %q, want all four despite web's failure", l.events)
	}
	for _, after := range [][2]string{{"web", "db"}, {"migrate", "db"}, {"web", "cache"}} {
		if l.index(after[0]) > l.index(after[1]) {
			t.Errorf("%s was visited after %s: %q", after[0], after[1], l.events)
		}
	}
}

func TestWalksAreBounded(t *testing.T) {
	st := &stack.Stack{Project: "p"}
	for i := range 3 * Limit {
		st.Services = append(st.Services, stack.Service{Name: string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	var running, most atomic.Int32
	visit := func() {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
	}
	_ = Forward(context.Background(), st, nil, func(context.Context, *stack.Service, Started) error { visit(); return nil })
	_ = Reverse(context.Background(), st, func(context.Context, *stack.Service) error { visit(); return nil })
	_ = Each(st.Services, func(stack.Service) error { visit(); return nil })
	if got := most.Load(); got > Limit || got < 2 {
		t.Errorf("at most %d visits ran at once, want between 2 and %d", got, Limit)
	}
}

// Down and stop go dependents first on the built-in stack: web (which
// depends on migrate, cache and, through migrate, db) before migrate and
// cache, migrate before db.
func TestReverseOnTheBuiltinStack(t *testing.T) {
	var l log
	err := Reverse(context.Background(), stacktest.Builtin(t, stacktest.Options{Project: "p"}), func(_ context.Context, svc *stack.Service) error {
		l.add(svc.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range [][2]string{{"web", "migrate"}, {"web", "cache"}, {"migrate", "db"}} {
		if l.index(after[0]) < 0 || l.index(after[0]) > l.index(after[1]) {
			t.Errorf("%s was not visited before %s: %q", after[0], after[1], l.events)
		}
	}
}

// Items of a service go after its dependents' items; an orphan's go at
// once, with no service.
func TestReverseGroupsGroupsByService(t *testing.T) {
	var l log
	items := []string{"db/1", "web/1", "gone/1", "web/2", "migrate/1"}
	service := func(item string) string { name, _, _ := strings.Cut(item, "/"); return name }
	err := ReverseGroups(context.Background(), chain(), items, service, func(_ context.Context, svc *stack.Service, items []string) error {
		name := "orphans"
		if svc != nil {
			name = svc.Name
		}
		l.add(name + " " + strings.Join(items, ","))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"web web/1,web/2", "db db/1", "migrate migrate/1", "orphans gone/1"} {
		if l.index(want) < 0 {
			t.Errorf("no visit %q in %q", want, l.events)
		}
	}
	if len(l.events) != 4 {
		t.Errorf("visits %q: want four (cache has no items)", l.events)
	}
	if l.index("web web/1,web/2") > l.index("db db/1") || l.index("migrate migrate/1") > l.index("db db/1") {
		t.Errorf("db's items went before its dependents': %q", l.events)
	}
}

// A visit that fails with "canceled" of its own, while nothing cancelled
// the walk, fails the walk: it is not taken for a cancellation.
func TestForwardKeepsAVisitsOwnCanceled(t *testing.T) {
	err := Forward(context.Background(), chain(), nil, func(_ context.Context, svc *stack.Service, _ Started) error {
		if svc.Name == "db" {
			return fmt.Errorf("db: pull: %w", context.Canceled)
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "db: pull") {
		t.Errorf("err = %v, want db's own failure", err)
	}
}
