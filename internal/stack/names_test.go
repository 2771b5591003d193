package stack_test

import (
	"maps"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// The default project keeps the seed's names; any other prefixes every
// engine name, so projects can share an engine.
func TestProjectPrefixesEngineNames(t *testing.T) {
	tests := []struct {
		project                           string
		db, cacheReplica, network, volume string
		appImage                          string
	}{
		{"", "postgres-db", "redis-cache-2", "app-network", "postgres_data", "stackctl-app:latest"},
		{"day-34", "postgres-db", "redis-cache-2", "app-network", "postgres_data", "stackctl-app:latest"},
		{"shop", "shop-postgres-db", "shop-redis-cache-2", "shop-app-network", "shop-postgres_data", "stackctl-shop-app:latest"},
	}
	for _, tt := range tests {
		t.Run("project "+tt.project, func(t *testing.T) {
			st := stack.Default(stack.DefaultOptions{Project: tt.project})
			db, cache, web := service(t, st, "db"), service(t, st, "cache"), service(t, st, "web")
			got := []string{
				st.ContainerName(db, 1, 1),
				st.ContainerName(cache, 2, 3),
				st.NetworkName("app-network"),
				st.VolumeName("postgres_data"),
				web.Image,
			}
			want := []string{tt.db, tt.cacheReplica, tt.network, tt.volume, tt.appImage}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("name = %q, want %q", got[i], want[i])
				}
			}
			wantProject := tt.project
			if wantProject == "" {
				wantProject = stack.DefaultProject
			}
			if labels := st.ProjectLabels(); !maps.Equal(labels, map[string]string{stack.LabelProject: wantProject}) {
				t.Errorf("project labels = %v, want %s=%s", labels, stack.LabelProject, wantProject)
			}
		})
	}
}

func TestContainerNameFallsBackToTheServiceName(t *testing.T) {
	st := &stack.Stack{Project: "shop"}
	svc := &stack.Service{Name: "worker"}
	if got := st.ContainerName(svc, 1, 1); got != "shop-worker" {
		t.Errorf("ContainerName = %q, want shop-worker", got)
	}
}
