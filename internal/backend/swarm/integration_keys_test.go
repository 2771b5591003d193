package swarm_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	dockerswarm "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// TestSwarmServiceTakesTheSwarmsDeployKeys deploys a service that sets the
// deploy keys only a swarm has fields for, and a secret with labels, and
// reads them back from the swarm: the service's labels, restart policy,
// update and rollback configs and endpoint mode, and the secret's labels;
// and an external secret, made beforehand, which the service references by
// its name and down leaves.
func TestSwarmServiceTakesTheSwarmsDeployKeys(t *testing.T) {
	isolate(t)
	cluster := enginetest.Swarm(t, 0)
	ctx := enginetest.Context(t, 5*time.Minute)
	rec := &recorder{t: t}
	rec.dumpOnFailure()
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	// corp is the user's: made outside the stack, removed by the test.
	corpName := enginetest.ProjectName(t) + "-corp"
	if err := os.WriteFile(filepath.Join(dir, "s.txt"), []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("name: "+enginetest.ProjectName(t)+`
services:
  a:
    image: busybox:latest
    command: ["sleep", "3600"]
    secrets: [s, corp]
    deploy:
      endpoint_mode: dnsrr
      labels: {owner: team-a}
      restart_policy: {condition: on-failure, delay: 2s, window: 30s}
      update_config: {delay: 4s, max_failure_ratio: 0.25}
      rollback_config: {parallelism: 3, failure_action: continue, monitor: 7s, order: stop-first}
secrets:
  s: {file: ./s.txt, labels: {team: a}}
  corp: {external: true, name: `+corpName+`}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, Swarm: true})
	if err != nil {
		t.Fatal(err)
	}
	corp, err := cluster.ManagerAPI.SecretCreate(ctx, dockerswarm.SecretSpec{Annotations: dockerswarm.Annotations{Name: corpName}, Data: []byte("theirs")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.ManagerAPI.SecretRemove(context.Background(), corp.ID) })
	orch := orchestrator.New(swarm.New(cluster.Manager, rec), rec)
	upForTest(t, ctx, orch, st)

	s, _, err := cluster.ManagerAPI.ServiceInspectWithRaw(ctx, swarm.ServiceName(st.Project, "a"), dockerswarm.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := s.Spec
	if spec.Labels["owner"] != "team-a" {
		t.Errorf("service labels %v, want owner=team-a", spec.Labels)
	}
	if rp := spec.TaskTemplate.RestartPolicy; rp == nil || rp.Delay == nil || *rp.Delay != 2*time.Second || rp.Window == nil || *rp.Window != 30*time.Second {
		t.Errorf("restart policy %+v, want delay 2s and window 30s", rp)
	}
	if u := spec.UpdateConfig; u == nil || u.Delay != 4*time.Second || u.MaxFailureRatio != 0.25 {
		t.Errorf("update config %+v, want delay 4s and failure ratio 0.25", u)
	}
	if r := spec.RollbackConfig; r == nil || r.Parallelism != 3 || r.FailureAction != "continue" || r.Monitor != 7*time.Second || r.Order != "stop-first" {
		t.Errorf("rollback config %+v, want 3 at a time, continue, monitor 7s, stop-first", r)
	}
	if spec.EndpointSpec == nil || spec.EndpointSpec.Mode != dockerswarm.ResolutionModeDNSRR {
		t.Errorf("endpoint spec %+v, want dnsrr", spec.EndpointSpec)
	}
	secret, _, err := cluster.ManagerAPI.SecretInspectWithRaw(ctx, swarm.ObjectName(st.Project, "s"))
	if err != nil {
		t.Fatal(err)
	}
	if secret.Spec.Labels["team"] != "a" {
		t.Errorf("secret labels %v, want team=a", secret.Spec.Labels)
	}
	var refs []string
	for _, ref := range spec.TaskTemplate.ContainerSpec.Secrets {
		refs = append(refs, ref.SecretName+"="+ref.SecretID)
		if ref.SecretName == corpName && ref.SecretID != corp.ID {
			t.Errorf("the service references %s as %s, want the existing %s", corpName, ref.SecretID, corp.ID)
		}
	}
	if !slices.Contains(refs, corpName+"="+corp.ID) {
		t.Errorf("the service's secrets %v, want the external %s=%s", refs, corpName, corp.ID)
	}
	if err := orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, _, err := cluster.ManagerAPI.SecretInspectWithRaw(ctx, corp.ID); err != nil {
		t.Errorf("the external secret after down: %v; want it left as it was", err)
	}
}
