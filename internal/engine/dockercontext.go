package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/docker/docker/client"
	"github.com/docker/go-connections/tlsconfig"
)

// Connection is where an engine is and how to reach it, resolved from the
// docker CLI's settings as the docker CLI resolves them.
type Connection struct {
	// Context is the docker context it came from: "default" is the
	// environment's (DOCKER_HOST and friends).
	Context string
	// Host is the engine's address: unix://, tcp://, ssh:// (reached
	// through the ssh command) or npipe://.
	Host string
	// CAFile, CertFile and KeyFile are the TLS material ("" when none);
	// TLS says the connection uses TLS, SkipVerify that the engine's
	// certificate is not checked.
	CAFile, CertFile, KeyFile string
	TLS, SkipVerify           bool
}

// contextFiles is where the docker CLI keeps its settings: the config
// directory ($DOCKER_CONFIG, else ~/.docker).
type contextFiles struct{ dir string }

// ConfigDir is the docker CLI's config directory: $DOCKER_CONFIG, else
// ~/.docker.
func ConfigDir(getenv func(string) string) string {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".docker")
}

// ResolveConnection picks the engine as the docker CLI does: the context
// named by --context (flag), else the environment's when DOCKER_HOST is
// set, else DOCKER_CONTEXT's, else the config file's currentContext, else
// the environment's ("default"). A context that cannot be read is an error
// naming it and the file.
func ResolveConnection(flag string, getenv func(string) string) (Connection, error) {
	files := contextFiles{dir: ConfigDir(getenv)}
	name, err := files.contextName(flag, getenv)
	if err != nil {
		return Connection{}, err
	}
	if name == "default" {
		return environmentConnection(getenv, files.dir), nil
	}
	return files.connection(name)
}

func (f contextFiles) contextName(flag string, getenv func(string) string) (string, error) {
	switch {
	case flag != "":
		return flag, nil
	case getenv("DOCKER_HOST") != "":
		return "default", nil
	case getenv("DOCKER_CONTEXT") != "":
		return getenv("DOCKER_CONTEXT"), nil
	}
	path := filepath.Join(f.dir, "config.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "default", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the docker CLI's config %s: %w", path, err)
	}
	var config struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(data, &config); err != nil {
		return "", fmt.Errorf("read the docker CLI's config %s: %w", path, err)
	}
	if config.CurrentContext == "" {
		return "default", nil
	}
	return config.CurrentContext, nil
}

// environmentConnection is the default context: DOCKER_HOST (else the local
// socket), with TLS when DOCKER_CERT_PATH or DOCKER_TLS_VERIFY ask for it;
// DOCKER_TLS_VERIFY with no DOCKER_CERT_PATH takes the config directory's
// certificates, as the docker CLI does.
func environmentConnection(getenv func(string) string, dir string) Connection {
	e := Connection{Context: "default", Host: getenv("DOCKER_HOST")}
	if e.Host == "" {
		e.Host = client.DefaultDockerHost
	}
	verify := getenv("DOCKER_TLS_VERIFY") != ""
	certs := getenv("DOCKER_CERT_PATH")
	if verify && certs == "" {
		certs = dir
	}
	if certs != "" {
		e.TLS, e.SkipVerify = true, !verify
		e.CAFile, e.CertFile, e.KeyFile = filepath.Join(certs, "ca.pem"), filepath.Join(certs, "cert.pem"), filepath.Join(certs, "key.pem")
	}
	return e
}

// contextID is the directory name the docker CLI keeps a context under.
func contextID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// endpoint reads a named context's docker endpoint: its meta.json, and the
// TLS material beside it, if any.
func (f contextFiles) connection(name string) (Connection, error) {
	path := filepath.Join(f.dir, "contexts", "meta", contextID(name), "meta.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Connection{}, fmt.Errorf("docker context %q: not found (no %s); docker context ls lists the contexts", name, path)
	}
	if err != nil {
		return Connection{}, fmt.Errorf("docker context %q: %w", name, err)
	}
	var meta struct {
		Name      string
		Endpoints map[string]struct {
			Host          string
			SkipTLSVerify bool
		}
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return Connection{}, fmt.Errorf("docker context %q: read %s: %w", name, path, err)
	}
	docker, ok := meta.Endpoints["docker"]
	if !ok || docker.Host == "" {
		return Connection{}, fmt.Errorf("docker context %q: %s has no docker endpoint host", name, path)
	}
	e := Connection{Context: name, Host: docker.Host, SkipVerify: docker.SkipTLSVerify}
	tls := filepath.Join(f.dir, "contexts", "tls", contextID(name), "docker")
	for file, into := range map[string]*string{"ca.pem": &e.CAFile, "cert.pem": &e.CertFile, "key.pem": &e.KeyFile} {
		p := filepath.Join(tls, file)
		if _, err := os.Stat(p); err == nil {
			*into, e.TLS = p, true
		} else if !errors.Is(err, os.ErrNotExist) {
			return Connection{}, fmt.Errorf("docker context %q: TLS material %s: %w", name, p, err)
		}
	}
	if docker.SkipTLSVerify {
		e.TLS = true
	}
	return e, nil
}

// clientOptions are the SDK client's options that reach the engine c
// names; DOCKER_API_VERSION still pins the API version, as for the
// docker CLI.
func (c Connection) clientOptions() ([]client.Opt, error) {
	opts := []client.Opt{client.WithVersionFromEnv()}
	if u, err := url.Parse(c.Host); err == nil && u.Scheme == "ssh" {
		dial, err := sshDialer(u)
		if err != nil {
			return nil, fmt.Errorf("docker context %q: %w", c.Context, err)
		}
		// The host only names the HTTP requests; the dialer reaches the
		// engine, as the docker CLI's connection helper does.
		return append(opts, client.WithHost("http://docker.example.com"), client.WithDialContext(dial)), nil
	}
	opts = append(opts, client.WithHost(c.Host))
	if !c.TLS {
		return opts, nil
	}
	config, err := tlsconfig.Client(tlsconfig.Options{CAFile: c.CAFile, CertFile: c.CertFile, KeyFile: c.KeyFile, InsecureSkipVerify: c.SkipVerify})
	if err != nil {
		return nil, fmt.Errorf("docker context %q: TLS for %s: %w", c.Context, c.Host, err)
	}
	transport := &http.Transport{TLSClientConfig: config}
	return append(opts, client.WithHTTPClient(&http.Client{Transport: transport, CheckRedirect: client.CheckRedirect})), nil
}
