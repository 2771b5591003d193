package stack_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// A provider service has no container: it is kept apart, and the services
// that depend on it name it instead of waiting for it.
func TestProviderServicesAreKeptApart(t *testing.T) {
	isolate(t)
	st, _, err := loadString(t, `services:
  base:
    provider: {type: cloud}
  db:
    provider:
      type: cloud
      options: {tier: [small], tag: [a, b]}
    depends_on: [base]
  app:
    image: busybox
    depends_on: [db, cache]
  cache:
    image: busybox
  other:
    image: busybox
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.ServiceNames(); !reflect.DeepEqual(got, []string{"app", "cache", "other"}) {
		t.Errorf("services %q, want the three with containers", got)
	}
	db, ok := st.Provider("db")
	if !ok || db.Type != "cloud" || !reflect.DeepEqual(db.Options, map[string][]string{"tier": {"small"}, "tag": {"a", "b"}}) || !reflect.DeepEqual(db.DependsOn, []string{"base"}) {
		t.Fatalf("provider db %+v", db)
	}
	app, _ := st.Service("app")
	if !reflect.DeepEqual(app.Providers, []string{"db"}) || len(app.DependsOn) != 1 || app.DependsOn[0].Service != "cache" {
		t.Errorf("app depends on %+v and providers %q; want cache, and db as a provider", app.DependsOn, app.Providers)
	}
	names := func(ps []stack.Provider) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	for _, tc := range []struct {
		services []string
		want     []string
	}{
		{nil, []string{"base", "db"}},
		{[]string{"app"}, []string{"base", "db"}},
		{[]string{"base"}, []string{"base"}},
		{[]string{"other"}, nil},
	} {
		if got := names(st.ProvidersFor(tc.services)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ProvidersFor(%q) = %q, want %q", tc.services, got, tc.want)
		}
	}
}

// A provider's variables reach the services that depend on it, prefixed
// with its name in upper case (raw ones as they are); set again, they
// replace what they set before.
func TestProviderVariablesReachItsDependents(t *testing.T) {
	isolate(t)
	st, _, err := loadString(t, `services:
  my-db:
    provider: {type: cloud}
  app:
    image: busybox
    environment: {PLAIN: mine}
    depends_on: [my-db]
  other:
    image: busybox
`)
	if err != nil {
		t.Fatal(err)
	}
	over := st.SetProviderVariables("my-db", map[string]string{"URL": "db://x"}, map[string]string{"PLAIN": "theirs"})
	if want := map[string][]string{"app": {"PLAIN"}}; !reflect.DeepEqual(over, want) {
		t.Errorf("overridden %v, want %v", over, want)
	}
	if over := st.SetProviderVariables("my-db", map[string]string{"URL": "db://y"}, map[string]string{"PLAIN": "theirs"}); len(over) != 0 {
		t.Errorf("overridden %v again, by the value it set", over)
	}
	app, _ := st.Service("app")
	var got []string
	for _, e := range app.Environment {
		got = append(got, e.Name+"="+e.Value)
	}
	if want := []string{"PLAIN=theirs", "MY-DB_URL=db://y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("app's environment %q, want %q", got, want)
	}
	if other, _ := st.Service("other"); len(other.Environment) != 0 {
		t.Errorf("other, which does not depend on my-db, has %+v", other.Environment)
	}
}

// A provider service runs before any container is made, so one that
// depends on a service with containers is refused, naming both.
func TestProviderDependingOnAContainerIsRefused(t *testing.T) {
	isolate(t)
	_, _, err := loadString(t, "services:\n  db:\n    provider: {type: cloud}\n    depends_on: [app]\n  app:\n    image: busybox\n")
	if err == nil || !strings.Contains(err.Error(), "services.db.depends_on: app has containers, and stackctl runs a provider service before it makes any") {
		t.Errorf("error %v", err)
	}
}
