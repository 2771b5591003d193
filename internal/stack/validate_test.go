package stack_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

func TestValidateAcceptsTheDefaultStack(t *testing.T) {
	for _, project := range []string{"", "day-34", "shop", "shop_2"} {
		if err := stack.Default(stack.DefaultOptions{Project: project}).Validate(); err != nil {
			t.Errorf("project %q: %v", project, err)
		}
	}
}

// Each problem is reported with the field it is in, so the user knows what
// to fix.
func TestValidateNamesTheOffendingField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(st *stack.Stack)
		want   []string
	}{
		{
			name: "unknown dependency",
			mutate: func(st *stack.Stack) {
				web, _ := st.Service("web")
				web.DependsOn = append(web.DependsOn, stack.Dependency{Service: "queue", Condition: stack.ServiceStarted})
			},
			want: []string{"services.web.depends_on[3]", `unknown service "queue"`},
		},
		{
			name: "dependency cycle",
			mutate: func(st *stack.Stack) {
				db, _ := st.Service("db")
				db.DependsOn = []stack.Dependency{{Service: "web", Condition: stack.ServiceStarted}}
			},
			want: []string{"depends_on", "dependency cycle db -> web -> db"},
		},
		{
			name:   "unknown restart policy",
			mutate: func(st *stack.Stack) { st.Services[1].Restart = stack.RestartPolicy{Name: "sometimes"} },
			want:   []string{"services.cache.restart", `unknown policy "sometimes"`},
		},
		{
			name:   "retries without on-failure",
			mutate: func(st *stack.Stack) { st.Services[1].Restart = stack.RestartPolicy{Name: "always", MaxRetries: 3} },
			want:   []string{"services.cache.restart", "max retries 3 only go with on-failure"},
		},
		{
			name:   "container port out of range",
			mutate: func(st *stack.Stack) { st.Services[3].Ports[0].ContainerPort = 70000 },
			want:   []string{"services.web.ports[0]", "container port 70000 is out of range"},
		},
		{
			name:   "host port out of range",
			mutate: func(st *stack.Stack) { st.Services[3].Ports[0].HostPort = -1 },
			want:   []string{"services.web.ports[0]", "host port -1 is out of range"},
		},
		{
			name:   "unknown protocol",
			mutate: func(st *stack.Stack) { st.Services[3].Ports[0].Protocol = "http" },
			want:   []string{"services.web.ports[0]", `unknown protocol "http"`},
		},
		{
			name: "duplicate service name",
			mutate: func(st *stack.Stack) {
				st.Services = append(st.Services, stack.Service{Name: "cache", ContainerName: "redis-cache-2", Image: "redis:7"})
			},
			want: []string{"services.cache: duplicate service name"},
		},
		{
			name: "duplicate container name",
			mutate: func(st *stack.Stack) {
				st.Services = append(st.Services, stack.Service{Name: "cache2", ContainerName: "postgres-db", Image: "redis:7"})
			},
			want: []string{"services.cache2.container_name", `"postgres-db" is also the container name of service "db"`},
		},
		{
			// A service without container_name runs under its own name.
			name: "container name implied by a service name",
			mutate: func(st *stack.Stack) {
				st.Services = append(st.Services, stack.Service{Name: "web-app", Image: "nginx:1.22"})
			},
			want: []string{"services.web-app", `"web-app" is also the container name of service "web"`},
		},
		{
			name: "service_healthy on a service without healthcheck",
			mutate: func(st *stack.Stack) {
				web, _ := st.Service("web")
				web.DependsOn[1].Condition = stack.ServiceHealthy // cache
			},
			want: []string{"services.web.depends_on[1]", `condition service_healthy, but service "cache" has no healthcheck`},
		},
		{
			name: "service_healthy on a service whose healthcheck is turned off",
			mutate: func(st *stack.Stack) {
				web, _ := st.Service("web")
				web.DependsOn[2].Condition = stack.ServiceHealthy // migrate: healthcheck NONE
			},
			want: []string{"services.web.depends_on[2]", `service "migrate" has no healthcheck`},
		},
		{
			name: "service_completed_successfully on a server",
			mutate: func(st *stack.Stack) {
				web, _ := st.Service("web")
				web.DependsOn[0].Condition = stack.ServiceCompletedSuccessfully // db
			},
			want: []string{"services.web.depends_on[0]", `service "db" is not a one-shot task`},
		},
		{
			name:   "fixed host port on several replicas",
			mutate: func(st *stack.Stack) { st.Services[3].Replicas = 2 },
			want:   []string{"services.web.ports", "2 replicas cannot all bind a fixed host port"},
		},
		{
			name:   "mount of an unknown volume",
			mutate: func(st *stack.Stack) { st.Services[0].Mounts[0].Volume = "pgdata" },
			want:   []string{"services.db.volumes[0]", `unknown volume "pgdata"`},
		},
		{
			// The app image is named after the project, and image names
			// must be lowercase.
			name:   "project name with capitals",
			mutate: func(st *stack.Stack) { *st = *stack.Default(stack.DefaultOptions{Project: "MyShop"}) },
			want:   []string{"project name", `"MyShop"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := stack.Default(stack.DefaultOptions{})
			tt.mutate(st)
			err := st.Validate()
			if err == nil {
				t.Fatal("Validate accepted the stack")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q:\n%v", want, err)
				}
			}
		})
	}
}

// Validate reports every problem at once, not just the first.
func TestValidateReportsEveryProblem(t *testing.T) {
	st := stack.Default(stack.DefaultOptions{})
	st.Services[1].Restart.Name = "sometimes"
	st.Services[3].Ports[0].HostPort = 70000
	err := st.Validate()
	if err == nil {
		t.Fatal("Validate accepted the stack")
	}
	for _, want := range []string{"services.cache.restart", "services.web.ports[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
}

func TestStartOrderPutsDependenciesFirst(t *testing.T) {
	order, err := stack.Default(stack.DefaultOptions{}).StartOrder()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"db", "cache", "migrate", "web"}; !slices.Equal(order, want) {
		t.Errorf("start order = %v, want %v", order, want)
	}
}
