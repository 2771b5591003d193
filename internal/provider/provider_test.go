package provider

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// script writes an executable shell script into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// run is Args then Run, as a caller does: a verb the provider does not
// declare runs nothing.
func run(t *testing.T, c Command, report func(string)) (Variables, error) {
	t.Helper()
	args, ok, err := Args(context.Background(), c)
	if err != nil || !ok {
		return Variables{}, err
	}
	return Run(context.Background(), c, args, report)
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// A provider is a docker CLI plugin first, in the docker CLI's order,
// and an executable on PATH after.
func TestLookupFindsPluginsBeforePath(t *testing.T) {
	config, extra, bin := t.TempDir(), t.TempDir(), t.TempDir()
	onPath := script(t, bin, "cloud", "")
	getenv := env(map[string]string{"DOCKER_CONFIG": config, "PATH": bin})
	if got, err := Lookup("cloud", getenv); err != nil || got != onPath {
		t.Fatalf("Lookup(cloud) = %q, %v; want %s on PATH", got, err, onPath)
	}
	if err := os.MkdirAll(filepath.Join(config, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	plugin := script(t, filepath.Join(config, "cli-plugins"), "docker-cloud", "")
	if got, err := Lookup("cloud", getenv); err != nil || got != plugin {
		t.Fatalf("Lookup(cloud) = %q, %v; want the plugin %s", got, err, plugin)
	}
	if err := os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"cliPluginsExtraDirs":["`+extra+`"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	first := script(t, extra, "docker-cloud", "")
	if got, err := Lookup("cloud", getenv); err != nil || got != first {
		t.Fatalf("Lookup(cloud) = %q, %v; want %s of cliPluginsExtraDirs", got, err, first)
	}
	if _, err := Lookup("absent", getenv); err == nil || !strings.Contains(err.Error(), `provider "absent" is neither a docker CLI plugin (docker-absent) nor an executable on PATH`) {
		t.Errorf("Lookup(absent) error %v", err)
	}
	if _, err := Lookup("compose", getenv); err == nil || !strings.Contains(err.Error(), "'compose' is not a valid provider type") {
		t.Errorf("Lookup(compose) error %v", err)
	}
}

// The provider is run with Compose's arguments; its info lines are
// reported, its setenv and rawsetenv lines make the variables, and its
// debug lines are dropped.
func TestRunReadsTheProvidersMessages(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	path := script(t, dir, "cloud", `echo "$@" >> `+calls+`
[ "$2" = metadata ] && exit 1
printf '%s\n' '{"type":"info","message":"making it\nsecond line"}'
echo '{"type":"debug","message":"not shown"}'
echo '{"type":"setenv","message":"URL=db://x?a=b"}'
echo '{"type":"rawsetenv","message":"PLAIN=1"}'
`)
	var infos []string
	vars, err := run(t, Command{Path: path, Type: "cloud", Project: "p", Service: "db", Verb: Up,
		Options: map[string][]string{"tier": {"small"}, "tag": {"a", "b"}}}, func(d string) { infos = append(infos, d) })
	if err != nil {
		t.Fatal(err)
	}
	if want := (Variables{Prefixed: map[string]string{"URL": "db://x?a=b"}, Raw: map[string]string{"PLAIN": "1"}}); !reflect.DeepEqual(vars, want) {
		t.Errorf("variables %+v, want %+v", vars, want)
	}
	if !reflect.DeepEqual(infos, []string{"making it"}) {
		t.Errorf("reported %q, want the info's first line", infos)
	}
	got, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if want := "compose metadata\ncompose --project-name=p up --tag=a --tag=b --tier=small db\n"; string(got) != want {
		t.Errorf("the provider ran as\n%s\nwant\n%s", got, want)
	}
}

// A provider that declares its parameters is passed only those, and one
// it requires must be given; stop runs only when declared.
func TestRunFollowsTheProvidersMetadata(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	path := script(t, dir, "cloud", `[ "$2" = metadata ] && { echo '{"description":"d","up":{"parameters":[{"name":"tier","required":true}]},"down":{"parameters":[]}}'; exit 0; }
echo "$@" >> `+calls+`
`)
	c := Command{Path: path, Type: "cloud", Project: "p", Service: "db", Verb: Up, Options: map[string][]string{"tier": {"small"}, "other": {"x"}}}
	if _, err := run(t, c, func(string) {}); err != nil {
		t.Fatal(err)
	}
	c.Verb = Stop
	if _, err := run(t, c, func(string) {}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(calls)
	if want := "compose --project-name=p up --tier=small db\n"; string(got) != want {
		t.Errorf("the provider ran as\n%s\nwant\n%s (no undeclared option, no undeclared stop)", got, want)
	}
	c.Verb, c.Options = Up, nil
	_, err := run(t, c, func(string) {})
	if err == nil || !strings.Contains(err.Error(), `service db: provider cloud (`+path+`) up: required parameter "tier" is missing from provider "cloud" definition`) {
		t.Errorf("error %v, want the missing parameter named", err)
	}
}

// A failed provider's error names the service and the provider, and says
// what it said: its error message, its exit and last line of stderr, or
// what of its output could not be read.
func TestRunFailures(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"error message", `echo '{"type":"error","message":"quota exceeded"}'; exec sleep 30`, "service db: provider cloud (PATH) up: quota exceeded"},
		{"exit", `echo starting >&2; echo "no credentials" >&2; exit 3`, "service db: provider cloud (PATH) up: exit status 3: no credentials"},
		{"bad setenv", `echo '{"type":"setenv","message":"NOVALUE"}'`, `invalid setenv message "NOVALUE": want KEY=value`},
		{"bad type", `echo '{"type":"shout","message":"x"}'`, `invalid message type "shout"`},
		{"not json", `echo hello`, "read its output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := script(t, t.TempDir(), "cloud", `[ "$2" = metadata ] && exit 1
`+tc.body+"\n")
			_, err := run(t, Command{Path: path, Type: "cloud", Project: "p", Service: "db", Verb: Up}, func(string) {})
			if want := strings.ReplaceAll(tc.want, "PATH", path); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want %q", err, want)
			}
		})
	}
}
