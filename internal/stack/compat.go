package stack

// What the key table (unsupported.go) does not say by itself, for
// docs/compose-compatibility.md: the keys compose-go resolves before the
// table sees the project, the limits of keys the table honours, and what
// a swarm (internal/backend/swarm) does differently. Keys are schema
// paths, "*" for a name, as in reasons; compat_test.go holds every one to
// a key of the schema.

// resolvedByLoader are keys compose-go reads while it loads the files: the
// project the table checks no longer has them.
var resolvedByLoader = map[string]string{
	"version":                  "ignored, as Compose ignores it",
	"include":                  "compose-go loads the included files into the project",
	"services.*.extends":       "compose-go merges the extended service into this one",
	"networks.*.external.name": "compose-go reads it as name:, with external: true",
	"volumes.*.external.name":  "compose-go reads it as name:, with external: true",
}

// engineNotes qualify keys the table honours, on both backends: the
// doc's word for them instead of a plain yes.
var engineNotes = map[string]string{
	"services.*.expose":                              "accepted; it publishes nothing, and the stack's networks reach every port without it",
	"services.*.ports.mode":                          "accepted, unused: the backend decides how a port is published",
	"services.*.ports.name":                          "accepted, unused: a name for people",
	"services.*.ports.app_protocol":                  "accepted, unused: a hint for people",
	"services.*.deploy.mode":                         "`replicated` only (" + onlyReplicated + ")",
	"services.*.deploy.update_config.failure_action": "`rollback` only: a failed update is rolled back",
	"services.*.deploy.restart_policy.max_attempts":  "with condition `on-failure` only: the engine bounds no other restarts",
	"services.*.healthcheck.start_interval":          "yes; engines before API 1.44 ignore it",
	"services.*.volumes.type":                        "`volume`, `bind` or `tmpfs`",
	"services.*.volumes.bind.create_host_path":       "accepted; the engine's mount API creates no missing path, so the host path must exist",
	"services.*.secrets.target":                      "a file name in `" + SecretsDir + "`",
	"services.*.configs":                             "yes: bind-mounted read-only from its file, which the engine reads on its own host",
	"volumes.*.driver":                               "`local` only",
	"secrets.*.name":                                 "accepted, unused: a secret from a file is named after its key",
	"configs.*.name":                                 "accepted, unused: a config from a file is named after its key",

	// Builds: docs/builds.md.
	"services.*.build.context":    "a directory, or a Git or tarball URL that the engine fetches",
	"services.*.build.shm_size":   "yes; BuildKit on engines before API 1.42 would drop it, so it is refused there: build with DOCKER_BUILDKIT=0",
	"services.*.build.ulimits":    "yes; BuildKit on engines before API 1.42 would drop them, so they are refused there: build with DOCKER_BUILDKIT=0",
	"services.*.build.platforms":  "one platform; several are refused",
	"services.*.build.cache_from": "images (`IMAGE` or `type=registry,ref=IMAGE`), read from the engine's own store first; other types are refused",
	"services.*.build.cache_to":   "`type=inline` only",
	"services.*.build.secrets":    "from a file or an environment variable, through a build session (BuildKit only)",
	"services.*.build.ssh":        "`default` (`$SSH_AUTH_SOCK`) and `ID=path`, through a build session (BuildKit only)",
	"services.*.build.isolation":  "passed on; the engine decides (on Linux only `default`)",
	"services.*.build.entitlements": "`network.host` only, which the engine grants itself to a build with `network: host`; " +
		"the endpoint takes no entitlements, so `security.insecure` is refused",
	"secrets.*.environment": "for builds only (`build.secrets`): a service's secret comes from a file",
}

// swarmNotes say what a swarm does differently with keys the table
// honours; a key not named here is honoured on a swarm as on one engine.
var swarmNotes = map[string]string{
	"services.*.image":                      "with `--registry`, pushed there and deployed by digest; without it every node must have the image",
	"services.*.build":                      "built on the manager's engine, then as `image`",
	"services.*.container_name":             "the tasks' hostname and a network alias: a swarm names task containers itself",
	"services.*.entrypoint":                 "an empty list is refused: a task runs the image's entrypoint when given none",
	"services.*.restart":                    "`unless-stopped` runs as `always` (a swarm has no manual stop to outlast); a one-shot's `always` as `on-failure`",
	"services.*.ports":                      "through the routing mesh where the kernel has IPVS; else, and behind an edge, in host mode on the task's node",
	"services.*.ports.host_ip":              "refused: a swarm publishes on every address of the node",
	"services.*.ports.published":            "one port: a range is refused",
	"services.*.security_opt":               "`no-new-privileges`, `seccomp:unconfined`, `apparmor:unconfined` and `label:...` only; engines before API 1.44 drop the first three, with a warning",
	"services.*.tmpfs":                      "options `size`, `mode`, `exec` and `noexec` only; engines before API 1.46 drop `exec` and `noexec`, with a warning",
	"services.*.volumes":                    "a named volume lives on one node: its service is pinned to the node labelled `io.stackctl.data.<project>`; a bind path must exist on the task's node",
	"services.*.deploy.update_config":       "the service's update and rollback config: one task at a time, start-first (stop-first when it writes a named volume or binds a fixed host port), rolled back on failure, watched at least one healthcheck interval",
	"services.*.deploy.update_config.order": "`start-first` is refused for a service that writes a `single_writer` volume",
	"services.*.secrets":                    "swarm secrets, owned by root, mode 0444; a secret whose file changed is refused until `down` (a swarm secret cannot change)",
	"services.*.configs":                    "swarm configs, owned by root, mode 0444; a config whose file changed is refused until `down` (a swarm config cannot change)",
	"networks.*.driver":                     "`bridge` or `overlay`, either made an attachable overlay; others are refused",
	"networks.*.external":                   "the network must exist and be swarm-scoped",
}
