package docker

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/docker/docker/api/types/mount"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A service's mounts reach the create request as Compose's
// buildContainerVolumes sends them: binds and named volumes that need no
// option only the mount API has as bind strings (the engine makes a
// missing host path), the rest through the mount API, a bind's
// create_host_path as CreateMountpoint.
func TestMountsAreRequestedAsComposeRequestsThem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	content := `services:
  a:
    image: busybox:latest
    volumes:
      - ./short:/short
      - ./short-ro:/short-ro:ro
      - data:/data
      - data:/data-ro:ro
      - {type: bind, source: ./long, target: /long}
      - {type: bind, source: ./long-empty, target: /long-empty, bind: {}}
      - {type: bind, source: ./nocreate, target: /nocreate, bind: {create_host_path: false}}
      - {type: bind, source: ./propagated, target: /propagated, read_only: true, bind: {propagation: rshared}}
      - {type: bind, source: ./relabelled, target: /relabelled, bind: {selinux: z}}
      - {type: volume, source: data, target: /nocopy, volume: {nocopy: true}}
      - {type: volume, source: data, target: /sub, volume: {subpath: web}}
      - {type: volume, source: data, target: /labelled, volume: {labels: {k: v}}}
      - /anonymous
    configs: [motd]
configs:
  motd:
    file: ./motd
volumes:
  data: {}
`
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{file}, ProjectName: "binds-mounts"})
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := st.Service("a")
	spec := containerSpec(st, svc, "binds-mounts-a-1", 1, "hash", "sha256:image")
	// An anonymous volume is named before creation (nameUnnamedVolumes)
	// and stays a mount API volume, as Compose's anonymous one.
	for i, m := range spec.Mounts {
		if m.Type == stack.MountVolume && m.Source == "" {
			spec.Mounts[i].Source = "binds-mounts_a-1_anonymous"
		}
	}
	req, err := engine.NewCreateRequest(spec, "1.51")
	if err != nil {
		t.Fatal(err)
	}
	at := func(p string) string { return filepath.Join(dir, p) }
	wantBinds := []string{
		at("short") + ":/short:rw",
		at("short-ro") + ":/short-ro:ro",
		"binds-mounts_data:/data:rw",
		"binds-mounts_data:/data-ro:ro",
		at("long") + ":/long:rw",
		at("long-empty") + ":/long-empty:rw",
		at("relabelled") + ":/relabelled:rw,z",
	}
	if got := req.HostConfig.Binds; !reflect.DeepEqual(got, wantBinds) {
		t.Errorf("Binds:\n got %q\nwant %q", got, wantBinds)
	}
	wantMounts := []mount.Mount{
		{Type: mount.TypeBind, Source: at("nocreate"), Target: "/nocreate", BindOptions: &mount.BindOptions{}},
		{Type: mount.TypeBind, Source: at("propagated"), Target: "/propagated", ReadOnly: true, BindOptions: &mount.BindOptions{Propagation: mount.PropagationRShared, CreateMountpoint: true}},
		{Type: mount.TypeVolume, Source: "binds-mounts_data", Target: "/nocopy", VolumeOptions: &mount.VolumeOptions{NoCopy: true}},
		{Type: mount.TypeVolume, Source: "binds-mounts_data", Target: "/sub", VolumeOptions: &mount.VolumeOptions{Subpath: "web"}},
		{Type: mount.TypeVolume, Source: "binds-mounts_data", Target: "/labelled", VolumeOptions: &mount.VolumeOptions{Labels: map[string]string{"k": "v"}}},
		{Type: mount.TypeVolume, Source: "binds-mounts_a-1_anonymous", Target: "/anonymous"},
		// A config's file, as Compose's buildContainerConfigMounts: no
		// bind options, so its missing file is an error, never made.
		{Type: mount.TypeBind, Source: at("motd"), Target: "/motd", ReadOnly: true},
	}
	if got := req.HostConfig.Mounts; !reflect.DeepEqual(got, wantMounts) {
		t.Errorf("Mounts:\n got %+v\nwant %+v", got, wantMounts)
	}
}

// Only create_host_path: false changes a service's configuration hash:
// a file that does not say it hashes as before bind strings, so its
// containers are not recreated for the change of request.
func TestCreateHostPathFalseAloneChangesTheHash(t *testing.T) {
	hash := func(volume string) string {
		dir := t.TempDir()
		file := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(file, []byte("services:\n  a:\n    image: busybox:latest\n    volumes:\n      - "+volume+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{file}, ProjectName: "binds-hash"})
		if err != nil {
			t.Fatal(err)
		}
		svc, _ := st.Service("a")
		// The same directory for each, so only the key differs.
		for i := range svc.Mounts {
			svc.Mounts[i].Source = "/srv/x"
		}
		return st.ConfigHash(svc, "sha256:image")
	}
	short, long, made, kept := hash("/srv/x:/x"), hash("{type: bind, source: /srv/x, target: /x}"),
		hash("{type: bind, source: /srv/x, target: /x, bind: {create_host_path: true}}"),
		hash("{type: bind, source: /srv/x, target: /x, bind: {create_host_path: false}}")
	if short != long || short != made {
		t.Errorf("hashes of the short syntax, the long one and create_host_path: true differ: %s %s %s", short, long, made)
	}
	if kept == short {
		t.Errorf("create_host_path: false hashes as the default does")
	}
}
