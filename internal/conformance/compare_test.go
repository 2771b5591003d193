package conformance

import (
	"strings"
	"testing"
)

// inspected is a container as `docker inspect` shows it, with the parts
// that vary from one run to the next given by the caller.
func inspected(id, alias, anon string, env []any) map[string]any {
	return map[string]any{
		"Id":   id,
		"Name": "/conf-x-web-1",
		"Config": map[string]any{
			"Hostname": id[:12], "Env": env, "Image": "alpine", "Cmd": []any{"sleep", "1"},
			"Labels": map[string]any{"com.docker.compose.project": "conf-x"},
		},
		"HostConfig": map[string]any{"Init": true, "Dns": []any{}, "CapAdd": nil},
		"NetworkSettings": map[string]any{"Networks": map[string]any{"conf-x_default": map[string]any{
			"Aliases": []any{alias, id[:12], "web"}, "IPAddress": "172.18.0." + id[:1], "NetworkID": id,
		}}},
		"Mounts": []any{
			map[string]any{"Type": "volume", "Name": anon, "Destination": "/data", "Source": "/var/lib/docker/volumes/" + anon + "/_data"},
			map[string]any{"Type": "bind", "Source": "/srv", "Destination": "/app"},
		},
	}
}

const (
	id1   = "1111111111111111111111111111111111111111111111111111111111111111"
	id2   = "2222222222222222222222222222222222222222222222222222222222222222"
	anon1 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	anon2 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// Two runs of one file differ in IDs, addresses, anonymous volumes' names
// and the order of lists that have none: normalized, they are the same.
func TestNormalizeLeavesOutWhatTheEngineChose(t *testing.T) {
	a := State{Containers: map[string]map[string]any{"conf-x-web-1": inspected(id1, "conf-x-web-1", anon1, []any{"A=1", "B=2"})},
		Volumes: map[string]map[string]any{anon1: {"Name": anon1, "Driver": "local", "Mountpoint": "/x/" + anon1}}}
	b := State{Containers: map[string]map[string]any{"conf-x-web-1": inspected(id2, "conf-x-web-1", anon2, []any{"B=2", "A=1"})},
		Volumes: map[string]map[string]any{anon2: {"Name": anon2, "Driver": "local", "Mountpoint": "/y/" + anon2}}}
	b.Containers["conf-x-web-1"]["HostConfig"].(map[string]any)["Dns"] = nil
	if diffs := Compare(Normalize(a, "conf-x"), Normalize(b, "conf-x")); len(diffs) != 0 {
		t.Errorf("differences between two runs of one file: %v", diffs)
	}
}

// What the file decides is compared field by field, by its path.
func TestCompareNamesEachDifferingField(t *testing.T) {
	a := State{Containers: map[string]map[string]any{"conf-x-web-1": inspected(id1, "conf-x-web-1", anon1, nil)}}
	b := State{Containers: map[string]map[string]any{"conf-x-web-1": inspected(id2, "conf-x-web-1", anon2, nil)}}
	b.Containers["conf-x-web-1"]["HostConfig"].(map[string]any)["Init"] = false
	b.Containers["conf-x-web-1"]["Config"].(map[string]any)["Labels"].(map[string]any)["io.stackctl.project"] = "conf-x"
	got := Compare(Normalize(a, "conf-x"), Normalize(b, "conf-x"))
	want := []string{
		`containers/{project}-web-1/Config/Labels/io.stackctl.project: compose (absent), stackctl "{project}"`,
		`containers/{project}-web-1/HostConfig/Init: compose true, stackctl false`,
	}
	if len(got) != len(want) {
		t.Fatalf("differences = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("difference %d = %s, want %s", i, got[i], want[i])
		}
	}
}

// An image the project built is compared by its names and the Config its
// build gave it; its ID, layers and creation time differ between any two
// builds, and one without a name is still there to compare.
func TestNormalizeKeepsOfAnImageItsNamesAndConfig(t *testing.T) {
	image := func(id, created string, tags ...any) map[string]any {
		return map[string]any{
			"Id": id, "Created": created, "RepoTags": tags, "RootFS": map[string]any{"Layers": []any{id}},
			"Config": map[string]any{"Cmd": []any{"cat", "/hello.txt"}, "Image": id, "Labels": map[string]any{"com.docker.compose.project": "conf-x"}},
		}
	}
	a := State{Images: map[string]map[string]any{"sha256:" + id1: image("sha256:"+id1, "today", "conf-x-web:latest", "extra:1")}}
	b := State{Images: map[string]map[string]any{"sha256:" + id2: image("sha256:"+id2, "tomorrow", "conf-x-web:latest", "extra:1")}}
	if diffs := Compare(Normalize(a, "conf-x"), Normalize(b, "conf-x")); len(diffs) != 0 {
		t.Errorf("differences between two builds of one image: %v", diffs)
	}
	b.Images["sha256:"+id2]["RepoTags"] = []any{"conf-x-web:latest"}
	b.Images["sha256:"+id2]["Config"].(map[string]any)["Cmd"] = []any{"true"}
	got := Compare(Normalize(a, "conf-x"), Normalize(b, "conf-x"))
	want := []string{
		`images/extra:1: compose "present", stackctl (absent)`,
		`images/{project}-web:latest/Cmd[0]: compose "cat", stackctl "true"`,
		`images/{project}-web:latest/Cmd[1]: compose "/hello.txt", stackctl (absent)`,
	}
	if len(got) != len(want) {
		t.Fatalf("differences = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("difference %d = %s, want %s", i, got[i], want[i])
		}
	}
	b.Images["sha256:"+id2]["RepoTags"] = []any{}
	if n := Normalize(b, "conf-x")["images"].(map[string]any); n["{untagged}#1"] == nil {
		t.Errorf("an untagged image is not compared: %v", n)
	}
}

// Mounts are compared by destination, the request's by target: a mount
// only one side has is that mount's difference, not every later one's.
func TestMountsAreComparedByDestination(t *testing.T) {
	a := State{Containers: map[string]map[string]any{"conf-x-web-1": inspected(id1, "conf-x-web-1", anon1, nil)}}
	b := State{Containers: map[string]map[string]any{"conf-x-web-1": inspected(id2, "conf-x-web-1", anon2, nil)}}
	c := b.Containers["conf-x-web-1"]
	c["Mounts"] = append([]any{map[string]any{"Type": "volume", "Destination": "/run/secrets"}}, c["Mounts"].([]any)...)
	// The request's mounts by target, whatever their order.
	a.Containers["conf-x-web-1"]["HostConfig"].(map[string]any)["Mounts"] = []any{
		map[string]any{"Type": "volume", "Target": "/data"}, map[string]any{"Type": "bind", "Source": "/srv", "Target": "/app"}}
	c["HostConfig"].(map[string]any)["Mounts"] = []any{map[string]any{"Type": "volume", "Target": "/run/secrets"},
		map[string]any{"Type": "bind", "Source": "/srv", "Target": "/app"}, map[string]any{"Type": "volume", "Target": "/data"}}
	got := Compare(Normalize(a, "conf-x"), Normalize(b, "conf-x"))
	want := []string{
		`containers/{project}-web-1/HostConfig/Mounts//run/secrets/Target: compose (absent), stackctl "/run/secrets"`,
		`containers/{project}-web-1/HostConfig/Mounts//run/secrets/Type: compose (absent), stackctl "volume"`,
		`containers/{project}-web-1/Mounts//run/secrets/Destination: compose (absent), stackctl "/run/secrets"`,
		`containers/{project}-web-1/Mounts//run/secrets/Type: compose (absent), stackctl "volume"`,
	}
	if len(got) != len(want) {
		t.Fatalf("differences = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("difference %d = %s, want %s", i, got[i], want[i])
		}
	}
}

// The allowlist accepts what it says, on the side it says, and nothing
// else; each entry says why.
func TestAllowlistExplainsOnlyWhatItLists(t *testing.T) {
	for i, a := range Allowlist {
		if strings.TrimSpace(a.reason) == "" || a.path == nil {
			t.Errorf("allowlist entry %d has no path or no reason", i)
		}
	}
	for _, tt := range []struct {
		d    Difference
		want bool
	}{
		{Difference{Path: "containers/{project}-web-1/Config/Labels/io.stackctl.replica", Stackctl: `"1"`}, true},
		{Difference{Path: "containers/{project}-web-1/Config/Labels/com.docker.compose.service", Compose: `"web"`}, false},
		{Difference{Path: "containers/{project}-web-1/Config/Hostname", Stackctl: `"{project}-web-1"`}, false},
		{Difference{Path: "containers/{project}-web-1/Config/Hostname", Compose: `"db.local"`, Stackctl: `"{project}-web-1"`}, false},
		{Difference{Path: "up", Compose: `"failed: ... container x exited (0)"`, Stackctl: `"up"`}, true},
		{Difference{Path: "up", Compose: `"failed: ... container x exited (111)"`, Stackctl: `"up"`}, false},
		{Difference{Path: "up", Compose: `"up"`, Stackctl: `"failed: timeout"`}, false},
		{Difference{Path: "containers/{project}-web-1/HostConfig/RestartPolicy/Name", Compose: `"always"`, Stackctl: `"no"`}, false},
		{Difference{Path: "images/{project}-web:latest/Labels/io.stackctl.context-hash", Stackctl: `"ab"`}, true},
		{Difference{Path: "images/{project}-web:latest/Labels/com.docker.compose.project", Stackctl: `"{project}"`}, true},
		{Difference{Path: "images/{project}-web:latest/Labels/com.docker.compose.project", Compose: `"{project}"`}, false},
		{Difference{Path: "images/{project}-web:latest/Cmd[0]", Compose: `"cat"`}, false},
		{Difference{Path: "containers/{project}-web-1/Mounts//data/Name", Compose: `"{anonymous}"`, Stackctl: `"{project}_web-1_data"`}, true},
		{Difference{Path: "containers/{project}-web-1/Mounts//data/Name", Compose: `"{project}_data"`, Stackctl: `"{project}_web-1_data"`}, false},
		{Difference{Path: "containers/{project}-web-1/Mounts//data/Mode", Compose: `"rw"`, Stackctl: `"z"`}, false},
		{Difference{Path: "containers/{project}-web-1/HostConfig/Binds[0]", Compose: `"/srv:/app:rw"`}, false},
		{Difference{Path: "containers/{project}-web-1/HostConfig/Mounts//data/Source", Stackctl: `"{project}_web-1_data"`}, true},
		{Difference{Path: "containers/{project}-web-1/HostConfig/Mounts//data/Source", Compose: `"{project}_data"`, Stackctl: `"{project}_web-1_data"`}, false},
		{Difference{Path: "containers/{project}-web-1/HostConfig/Mounts//run/secrets/token/Target", Compose: `"/run/secrets/token"`}, true},
		{Difference{Path: "containers/{project}-web-1/Mounts//data/RW", Compose: `true`, Stackctl: `false`}, false},
		{Difference{Path: "containers/{project}-web-1/Mounts//run/secrets/Type", Stackctl: `"volume"`}, true},
		{Difference{Path: "volumes/{project}_web-1_data", Stackctl: Present}, true},
		{Difference{Path: "volumes/{project}_data", Stackctl: Present}, false},
		{Difference{Path: "images/{project}-web:latest", Stackctl: Present}, true},
		{Difference{Path: "images/{project}-web:latest", Compose: Present}, false},
		{Difference{Path: "containers/{project}-web-1", Stackctl: Present}, false},
	} {
		if _, ok := Explain(tt.d); ok != tt.want {
			t.Errorf("Explain(%s) allowed = %v, want %v", tt.d, ok, tt.want)
		}
	}
}
