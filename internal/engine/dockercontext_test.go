package engine

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeContext makes a docker context the way `docker context create`
// stores it: meta.json under the sha256 of its name, TLS files beside.
func writeContext(t *testing.T, dir, name, host string, skipVerify bool, tlsFiles ...string) {
	t.Helper()
	meta := filepath.Join(dir, "contexts", "meta", contextID(name))
	if err := os.MkdirAll(meta, 0o755); err != nil {
		t.Fatal(err)
	}
	body := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":` + map[bool]string{true: "true", false: "false"}[skipVerify] + `}}}`
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(tlsFiles) == 0 {
		return
	}
	tls := filepath.Join(dir, "contexts", "tls", contextID(name), "docker")
	if err := os.MkdirAll(tls, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range tlsFiles {
		if err := os.WriteFile(filepath.Join(tls, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// env is an environment of only vars, for ResolveConnection.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestResolveConnectionAsTheDockerCLIDoes(t *testing.T) {
	dir := t.TempDir()
	writeContext(t, dir, "remote", "tcp://10.0.0.5:2376", false, "ca.pem", "cert.pem", "key.pem")
	writeContext(t, dir, "current", "unix:///run/current.sock", false)
	writeContext(t, dir, "viaenv", "ssh://me@build.example:2222", false)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"current"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"DOCKER_CONFIG": dir}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tt := range []struct {
		name      string
		flag      string
		vars      map[string]string
		context   string
		host      string
		tls, skip bool
	}{
		{name: "the config's current context", vars: base, context: "current", host: "unix:///run/current.sock"},
		{name: "DOCKER_CONTEXT over the config", vars: with(map[string]string{"DOCKER_CONTEXT": "viaenv"}), context: "viaenv", host: "ssh://me@build.example:2222"},
		{name: "DOCKER_HOST over DOCKER_CONTEXT", vars: with(map[string]string{"DOCKER_CONTEXT": "viaenv", "DOCKER_HOST": "tcp://1.2.3.4:2375"}), context: "default", host: "tcp://1.2.3.4:2375"},
		{name: "--context over DOCKER_HOST", flag: "remote", vars: with(map[string]string{"DOCKER_HOST": "tcp://1.2.3.4:2375"}), context: "remote", host: "tcp://10.0.0.5:2376", tls: true},
		{name: "--context default is the environment", flag: "default", vars: base, context: "default", host: "unix:///var/run/docker.sock"},
		{name: "no config at all", vars: map[string]string{"DOCKER_CONFIG": t.TempDir()}, context: "default", host: "unix:///var/run/docker.sock"},
		{name: "DOCKER_CERT_PATH alone: TLS without verifying", vars: with(map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_CERT_PATH": "/certs"}), context: "default", host: "tcp://h:2376", tls: true, skip: true},
		{name: "DOCKER_TLS_VERIFY: the config directory's certificates", vars: with(map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1"}), context: "default", host: "tcp://h:2376", tls: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ResolveConnection(tt.flag, env(tt.vars))
			if err != nil {
				t.Fatal(err)
			}
			if c.Context != tt.context || c.Host != tt.host || c.TLS != tt.tls || c.SkipVerify != tt.skip {
				t.Errorf("connection = %+v, want context %s, host %s, TLS %v, skip verify %v", c, tt.context, tt.host, tt.tls, tt.skip)
			}
		})
	}
	c, _ := ResolveConnection("remote", env(base))
	tls := filepath.Join(dir, "contexts", "tls", contextID("remote"), "docker")
	if c.CAFile != filepath.Join(tls, "ca.pem") || c.CertFile != filepath.Join(tls, "cert.pem") || c.KeyFile != filepath.Join(tls, "key.pem") {
		t.Errorf("remote's TLS files = %+v, want those under %s", c, tls)
	}
	c, _ = ResolveConnection("", env(with(map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1"})))
	if c.CAFile != filepath.Join(dir, "ca.pem") {
		t.Errorf("DOCKER_TLS_VERIFY alone: CA %s, want the config directory's", c.CAFile)
	}
}

func TestAContextThatCannotBeReadIsAnErrorNamingIt(t *testing.T) {
	dir := t.TempDir()
	_, err := ResolveConnection("nowhere", env(map[string]string{"DOCKER_CONFIG": dir}))
	if err == nil || !strings.Contains(err.Error(), `docker context "nowhere"`) || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing context: %v, want an error naming it", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"gone"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveConnection("", env(map[string]string{"DOCKER_CONFIG": dir})); err == nil || !strings.Contains(err.Error(), `"gone"`) {
		t.Errorf("current context missing: %v, want an error naming it", err)
	}
	meta := filepath.Join(dir, "contexts", "meta", contextID("broken"))
	if err := os.MkdirAll(meta, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveConnection("broken", env(map[string]string{"DOCKER_CONFIG": dir})); err == nil || !strings.Contains(err.Error(), `docker context "broken"`) || !strings.Contains(err.Error(), "meta.json") {
		t.Errorf("unreadable context: %v, want an error naming it and its file", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{bad`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveConnection("", env(map[string]string{"DOCKER_CONFIG": dir})); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("unreadable config: %v, want an error naming the file", err)
	}
	writeContext(t, dir, "badtls", "tcp://h:2376", false, "ca.pem", "cert.pem", "key.pem")
	c, err := ResolveConnection("badtls", env(map[string]string{"DOCKER_CONFIG": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.clientOptions(); err == nil || !strings.Contains(err.Error(), `docker context "badtls"`) {
		t.Errorf("context with unusable TLS files: %v, want an error naming it", err)
	}
}

func TestSSHHostsAreReachedThroughTheSSHCommand(t *testing.T) {
	for _, tt := range []struct {
		host string
		want []string
	}{
		{"ssh://me@build.example:2222", []string{"-l", "me", "-p", "2222", "--", "build.example", "docker", "system", "dial-stdio"}},
		{"ssh://build.example", []string{"--", "build.example", "docker", "system", "dial-stdio"}},
	} {
		u, _ := url.Parse(tt.host)
		got, err := sshArgs(u)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: ssh %v, %v; want %v", tt.host, got, err, tt.want)
		}
	}
	u, _ := url.Parse("ssh://h/var/run/docker.sock")
	if _, err := sshArgs(u); err == nil {
		t.Error("ssh host with a path accepted")
	}
	// A command's streams are the connection: cat echoes what is written.
	conn, err := dialCommand(context.Background(), "cat")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := conn.Read(buf); err != nil || string(buf) != "ping" {
		t.Errorf("read %q, %v; want ping", buf, err)
	}
	// What a failing command says reaches the reader.
	failing, err := dialCommand(context.Background(), "sh", "-c", "echo 'Host key verification failed.' >&2")
	if err != nil {
		t.Fatal(err)
	}
	defer failing.Close()
	var readErr error
	for readErr == nil {
		_, readErr = failing.Read(buf)
	}
	if !strings.Contains(readErr.Error(), "Host key verification failed") {
		t.Errorf("read from a failed command: %v, want its stderr", readErr)
	}
}
