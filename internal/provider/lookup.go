// Package provider runs the executables that stand for a Compose file's
// provider services, with Compose's protocol: `<exe> compose
// --project-name=P up|down [--option=value...] SERVICE`, answered by JSON
// messages on its standard output, one per line.
package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
)

// systemPluginDirs are where the docker CLI looks for its plugins after
// the config directory's cli-plugins, on Linux and macOS.
var systemPluginDirs = []string{
	"/usr/local/lib/docker/cli-plugins",
	"/usr/local/libexec/docker/cli-plugins",
	"/usr/lib/docker/cli-plugins",
	"/usr/libexec/docker/cli-plugins",
}

// Lookup finds the executable of a provider type as Compose does: the
// docker CLI plugin docker-<type> (in the config file's
// cliPluginsExtraDirs, the config directory's cli-plugins, then the
// system's plugin directories), else <type> on PATH. getenv is the
// project's environment, which is the process's unless .env sets PATH.
func Lookup(typ string, getenv func(string) string) (string, error) {
	if typ == "compose" {
		return "", errors.New("'compose' is not a valid provider type")
	}
	if typ == "" {
		return "", errors.New("give the provider a type: the executable that stands for the service")
	}
	for _, dir := range pluginDirs(getenv) {
		path := filepath.Join(dir, "docker-"+typ)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			return path, nil
		}
	}
	if strings.Contains(typ, "/") {
		// A path, as exec.LookPath takes one: not searched for.
		if fi, err := os.Stat(typ); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return typ, nil
		}
		return "", fmt.Errorf("provider %q is no executable file", typ)
	}
	for _, dir := range filepath.SplitList(getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, typ)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return path, nil
		}
	}
	return "", fmt.Errorf("provider %q is neither a docker CLI plugin (docker-%s) nor an executable on PATH", typ, typ)
}

// pluginDirs are the directories the docker CLI finds its plugins in, in
// its order.
func pluginDirs(getenv func(string) string) []string {
	configDir := engine.ConfigDir(getenv)
	var dirs []string
	if data, err := os.ReadFile(filepath.Join(configDir, "config.json")); err == nil {
		var cfg struct {
			CLIPluginsExtraDirs []string `json:"cliPluginsExtraDirs"`
		}
		if json.Unmarshal(data, &cfg) == nil {
			dirs = append(dirs, cfg.CLIPluginsExtraDirs...)
		}
	}
	dirs = append(dirs, filepath.Join(configDir, "cli-plugins"))
	return append(dirs, systemPluginDirs...)
}
