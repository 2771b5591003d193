package stack_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// service returns the named service of st or fails the test.
func service(t *testing.T, st *stack.Stack, name string) *stack.Service {
	t.Helper()
	svc, ok := st.Service(name)
	if !ok {
		t.Fatalf("the stack has no service %q; it has %v", name, st.ServiceNames())
	}
	return svc
}

// The built-in stack is the seed's compose file: same names, images,
// environment, restart policies, healthcheck, port and labels.
func TestDefaultIsTheSeedStack(t *testing.T) {
	st := stack.Default(stack.DefaultOptions{})
	if err := st.Validate(); err != nil {
		t.Fatalf("the default stack is invalid: %v", err)
	}
	if st.ProjectName() != "day-34" {
		t.Errorf("project = %q, want day-34", st.ProjectName())
	}

	want := []struct{ name, container, image, restart string }{
		{"db", "postgres-db", "postgres:15", "always"},
		{"cache", "redis-cache", "redis:7", "always"},
		{"migrate", "app-migrate", "stackctl-app:latest", "on-failure:3"},
		{"web", "web-app", "stackctl-app:latest", "on-failure"},
	}
	if got := st.ServiceNames(); len(got) != len(want) {
		t.Fatalf("services = %v, want %d", got, len(want))
	}
	for _, w := range want {
		svc := service(t, st, w.name)
		if svc.ContainerName != w.container || svc.Image != w.image || svc.Restart.String() != w.restart {
			t.Errorf("%s: container %q, image %q, restart %q; want %q, %q, %q",
				w.name, svc.ContainerName, svc.Image, svc.Restart.String(), w.container, w.image, w.restart)
		}
		if !slices.Equal(svc.Networks, []string{"app-network"}) {
			t.Errorf("%s: networks = %v, want [app-network]", w.name, svc.Networks)
		}
	}
	if want := []stack.Network{{Name: "app-network", Driver: "bridge"}}; !slices.Equal(st.Networks, want) {
		t.Errorf("networks = %+v, want %+v", st.Networks, want)
	}
	if want := []stack.Volume{{Name: "postgres_data"}}; !slices.Equal(st.Volumes, want) {
		t.Errorf("volumes = %+v, want %+v", st.Volumes, want)
	}
}

func TestDefaultDB(t *testing.T) {
	db := service(t, stack.Default(stack.DefaultOptions{}), "db")
	wantEnv := []stack.EnvVar{
		{Name: "POSTGRES_USER", Value: "appuser"},
		{Name: "POSTGRES_PASSWORD", Value: "secret", Secret: true},
		{Name: "POSTGRES_DB", Value: "appdb"},
	}
	if !slices.Equal(db.Environment, wantEnv) {
		t.Errorf("db environment = %+v, want %+v", db.Environment, wantEnv)
	}
	hc := db.Healthcheck
	if hc == nil {
		t.Fatal("db has no healthcheck")
	}
	if !slices.Equal(hc.Test, []string{"CMD-SHELL", "pg_isready -U appuser -h 127.0.0.1"}) ||
		hc.Interval != 5*time.Second || hc.Timeout != 5*time.Second || hc.Retries != 5 {
		t.Errorf("db healthcheck = %+v, want pg_isready -U appuser -h 127.0.0.1 every 5s, timeout 5s, 5 retries", *hc)
	}
	if want := []stack.Mount{{Volume: "postgres_data", Target: "/var/lib/postgresql/data"}}; !slices.Equal(db.Mounts, want) {
		t.Errorf("db mounts = %+v, want %+v", db.Mounts, want)
	}
}

func TestDefaultWeb(t *testing.T) {
	web := service(t, stack.Default(stack.DefaultOptions{}), "web")
	wantEnv := []stack.EnvVar{
		{Name: "PORT", Value: "5000"},
		{Name: "POSTGRES_HOST", Value: "db"},
		{Name: "POSTGRES_USER", Value: "appuser"},
		{Name: "POSTGRES_PASSWORD", Value: "secret", Secret: true},
		{Name: "POSTGRES_DB", Value: "appdb"},
		{Name: "REDIS_ADDR", Value: "cache:6379"},
	}
	if !slices.Equal(web.Environment, wantEnv) {
		t.Errorf("web environment = %+v, want %+v", web.Environment, wantEnv)
	}
	if want := []stack.Port{{HostPort: 5000, ContainerPort: 5000, Protocol: "tcp"}}; !slices.Equal(web.Ports, want) {
		t.Errorf("web ports = %+v, want 5000:5000", web.Ports)
	}
	if want := map[string]string{"project": "day-34", "environment": "dev"}; !maps.Equal(web.Labels, want) {
		t.Errorf("web labels = %v, want %v", web.Labels, want)
	}
	wantDeps := []stack.Dependency{
		{Service: "db", Condition: stack.ServiceHealthy},
		{Service: "cache", Condition: stack.ServiceStarted},
		{Service: "migrate", Condition: stack.ServiceCompletedSuccessfully},
	}
	if !slices.Equal(web.DependsOn, wantDeps) {
		t.Errorf("web depends_on = %+v, want %+v", web.DependsOn, wantDeps)
	}
	if !web.Healthcheck.Enabled() {
		t.Error("web has no healthcheck, so nothing can wait for it to serve")
	}
}

func TestDefaultMigrateIsAOneShotGatedOnDB(t *testing.T) {
	migrate := service(t, stack.Default(stack.DefaultOptions{}), "migrate")
	if !migrate.OneShot {
		t.Error("migrate is not a one-shot task")
	}
	if migrate.Restart != (stack.RestartPolicy{Name: "on-failure", MaxRetries: 3}) {
		t.Errorf("migrate restart = %+v, want on-failure:3", migrate.Restart)
	}
	if want := []stack.Dependency{{Service: "db", Condition: stack.ServiceHealthy}}; !slices.Equal(migrate.DependsOn, want) {
		t.Errorf("migrate depends_on = %+v, want %+v", migrate.DependsOn, want)
	}
	if !slices.Equal(migrate.Command, []string{"migrate"}) {
		t.Errorf("migrate command = %v, want [migrate]", migrate.Command)
	}
}

// The app's containers run as non-root on a read-only root filesystem,
// without capabilities, and cannot gain privileges.
func TestDefaultHardensTheAppContainers(t *testing.T) {
	st := stack.Default(stack.DefaultOptions{})
	for _, name := range []string{"web", "migrate"} {
		svc := service(t, st, name)
		if svc.User == "" || svc.User == "root" || svc.User == "0" || svc.User[:2] == "0:" {
			t.Errorf("%s runs as user %q, want a non-root user", name, svc.User)
		}
		if !svc.ReadOnlyRootfs {
			t.Errorf("%s has a writable root filesystem", name)
		}
		if !slices.Equal(svc.CapDrop, []string{"ALL"}) {
			t.Errorf("%s cap_drop = %v, want [ALL]", name, svc.CapDrop)
		}
		if !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") {
			t.Errorf("%s security_opt = %v, want no-new-privileges:true", name, svc.SecurityOpt)
		}
	}
}

func TestDefaultOptions(t *testing.T) {
	st := stack.Default(stack.DefaultOptions{PostgresPassword: "pa55", AppDir: "/src/app", WebPort: 8080})
	for _, svc := range st.Services {
		if v, ok := svc.Env("POSTGRES_PASSWORD"); ok && v != "pa55" {
			t.Errorf("%s POSTGRES_PASSWORD = %q, want pa55", svc.Name, v)
		}
	}
	web := service(t, st, "web")
	if web.Ports[0].HostPort != 8080 {
		t.Errorf("web host port = %d, want 8080", web.Ports[0].HostPort)
	}
	if web.Build == nil || web.Build.Context != "/src/app" {
		t.Errorf("web build = %+v, want context /src/app", web.Build)
	}

	anyPort := service(t, stack.Default(stack.DefaultOptions{WebPort: stack.AnyPort}), "web")
	if anyPort.Ports[0].HostPort != 0 {
		t.Errorf("AnyPort: web host port = %d, want 0 (the engine chooses)", anyPort.Ports[0].HostPort)
	}
}
