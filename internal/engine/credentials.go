package engine

import (
	"bytes"
	"fmt"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
)

// RegistryCredentials are the docker CLI's registry credentials, every
// one it has (its config file's, its credential store's and helpers'), as
// the config.json of a docker CLI that has them all: what Compose gives a
// container with use_api_socket. The config file is the docker CLI's
// (see ConfigDir), read as it reads it.
func RegistryCredentials(getenv func(string) string) ([]byte, error) {
	dir := ConfigDir(getenv)
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("read the docker CLI's credentials: %w", err)
	}
	if !cfg.ContainsAuth() {
		cfg.CredentialsStore = credentials.DetectDefaultStore(cfg.CredentialsStore)
	}
	creds, err := cfg.GetAllCredentials()
	if err != nil {
		return nil, fmt.Errorf("resolve the docker CLI's credentials (%s): %w", dir, err)
	}
	var buf bytes.Buffer
	if err := (&configfile.ConfigFile{AuthConfigs: creds}).SaveToWriter(&buf); err != nil {
		return nil, fmt.Errorf("write the docker CLI's credentials: %w", err)
	}
	return buf.Bytes(), nil
}
