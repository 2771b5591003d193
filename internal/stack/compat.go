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
	"secrets.*.external.name":  "compose-go reads it as name:, with external: true",
	"configs.*.external.name":  "compose-go reads it as name:, with external: true",
}

// engineNotes qualify keys the table honours, on both backends: the
// doc's word for them instead of a plain yes.
var engineNotes = map[string]string{
	"services.*.attach":                             "yes: `attach: false` leaves the service out of `stackctl logs` unless it is named, as `docker compose logs` does; `up` attaches to no service",
	"services.*.expose":                             "yes: exposed on the container (its ExposedPorts), published nowhere",
	"services.*.develop":                            "yes: `stackctl watch` and `up --watch` follow `develop.watch`",
	"services.*.develop.watch.exec.privileged":      "refused by `watch`, which runs hooks unprivileged",
	"services.*.network_mode":                       "`host`, `none`, `bridge`, `service:<name>` (the namespace of its first replica, which starts first) or `container:<name>`",
	"services.*.volumes_from":                       "yes: `<service>` and `service:<service>` (its first replica, which starts first) or `container:<name>`, with `:ro` or `:rw`",
	"services.*.links":                              "yes: every replica of the linked service, which starts first, as Compose links them",
	"services.*.pid":                                "yes; `service:<name>` is its first replica's, which starts first",
	"services.*.ipc":                                "yes; `service:<name>` is its first replica's, which starts first",
	"services.*.hostname":                           "yes; without it a container's hostname is the engine's default, its short ID, as in Compose",
	"services.*.annotations":                        "yes on engines of API 1.43 (Docker Engine 24.0) and later; refused before, naming the engine's API version",
	"services.*.mac_address":                        "yes: the first network's MAC address",
	"services.*.networks.*.mac_address":             "yes; before API 1.44 (Docker Engine 25.0) on the first network only (the container's MAC address), refused on others",
	"services.*.networks.*.gw_priority":             "yes on engines of API 1.48 (Docker Engine 28.0) and later; refused before, naming the engine's API version",
	"services.*.networks.*.interface_name":          "yes on engines of API 1.49 (Docker Engine 28.1) and later, as the endpoint's driver option; refused before, naming the engine's API version",
	"services.*.networks.*.priority":                "yes: the network of highest priority is the container's first",
	"services.*.volumes.volume.subpath":             "yes on engines of API 1.45 (Docker Engine 26.0) and later; refused before, naming the engine's API version",
	"services.*.volumes.volume.labels":              "sent as Compose sends them (the mount's volume options); the engine applies them only to a volume it makes for the mount, and stackctl makes every volume first",
	"services.*.volumes.bind.recursive":             "yes, through the mount API as Compose sends it: `enabled`, `disabled` (any engine), and `writable` and `readonly` (of a `read_only` bind) on engines of API 1.44 (Docker Engine 25.0) and later; refused before, naming the engine's API version, and with `selinux`, which only a bind string carries",
	"services.*.volumes.image":                      "yes, a `type: image` mount (its image pulled when missing, as Compose pulls it) on engines of API 1.48 (Docker Engine 28.0) and later; refused before, naming the engine's API version",
	"networks.*.enable_ipv4":                        "yes on engines of API 1.48 (Docker Engine 28.0) and later; refused before, naming the engine's API version",
	"services.*.volumes.bind.selinux":               "yes, as a bind string (`src:dst:rw,z`): the mount API does not relabel; refused with `create_host_path: false`, as a bind string makes a missing host path",
	"services.*.deploy.resources.reservations.cpus": "accepted, unused: one engine reserves no CPU (a swarm does)",
	"services.*.pull_policy":                        "`missing` (the default), `always` (a failed pull fails), `never` (the image must be on the engine), `build`, and the timed `daily`, `weekly`, `every_<duration>` (pulled once the local image was tagged longer ago); `always` and the timed ones are refused with `build:`",
	"services.*.use_api_socket": "yes, as Compose gives it: the engine's host's `/var/run/docker.sock` bound at the same path, and the docker CLI's registry " +
		"credentials (its config file's, credential store's and helpers') written as a secret to `/run/secrets/docker/config.json`, with " +
		"`DOCKER_CONFIG=/run/secrets/docker` unless the service sets it; refused for an engine not reached through a local unix socket " +
		"(its host's socket may be another engine's) and, as Compose refuses it, for a Windows engine",
	"services.*.provider": "yes, as Compose runs one: `up` runs the docker CLI plugin `docker-<type>` (else `<type>` on PATH) as " +
		"`compose --project-name=<project> up --<option>=<value>... <service>` before the services that depend on it are made, and gives them " +
		"each `setenv` it answers as `<SERVICE>_<KEY>` (`rawsetenv` as written); `down` runs it with `down` once the containers are gone, " +
		"`stop` with `stop` when its metadata declares it. A provider service may depend only on provider services: stackctl runs them before it makes any container",
	"services.*.pre_start": "yes, as Compose runs them: each in a container of its own (the service's image unless it names one, pulled when missing) " +
		"sharing the service container's volumes and networks, in order, before `up` starts the service's first container with none of its " +
		"containers running meanwhile; a hook that exits non-zero fails the start, its container kept until the next `up` or `down`. A hook may set " +
		"`image`, `command`, `entrypoint`, `user`, `working_dir` and `environment`; any other key it sets differently from the service is refused",
	"services.*.post_start":                             "yes: run in the container (an exec) after it starts; a hook that fails fails the start",
	"services.*.pre_stop":                               "yes: run in the container (an exec) before stackctl stops it; a hook that fails is reported and the container stopped",
	"services.*.volumes.consistency":                    "accepted, unused, as Compose on Linux: it sends most mounts as bind strings, which carry none, and the engine ignores it on Linux",
	"services.*.ports.mode":                             "accepted, unused: the backend decides how a port is published",
	"services.*.ports.name":                             "accepted, unused: a name for people",
	"services.*.ports.app_protocol":                     "accepted, unused: a hint for people",
	"services.*.deploy.mode":                            "`replicated` only (" + onlyReplicated + ")",
	"services.*.deploy.update_config.failure_action":    "`rollback` only: a failed update is rolled back",
	"services.*.deploy.endpoint_mode":                   swarmKey,
	"services.*.deploy.labels":                          swarmKey,
	"services.*.deploy.restart_policy.delay":            swarmKey,
	"services.*.deploy.restart_policy.window":           swarmKey,
	"services.*.deploy.update_config.delay":             swarmKey,
	"services.*.deploy.update_config.max_failure_ratio": swarmKey,
	"services.*.deploy.rollback_config":                 swarmKey,
	"secrets.*.labels":                                  objectLabelsNote,
	"configs.*.labels":                                  objectLabelsNote,
	"secrets.*.driver_opts":                             composeIgnores + " (its `driver` is refused)",
	"services.*.umask":                                  composeIgnores,
	"services.*.pull_refresh_after":                     composeIgnores,
	"services.*.networks.*.use_service_name_alias":      composeIgnores + ": every replica has the service's name as an alias",
	"services.*.deploy.restart_policy.max_attempts":     "with condition `on-failure` only: the engine bounds no other restarts",
	"services.*.healthcheck.start_interval":             "yes; engines before API 1.44 ignore it",
	"services.*.volumes.type":                           "`volume`, `bind`, `tmpfs` or `image`",
	"services.*.volumes.bind.create_host_path":          "yes, as Compose: a missing host path is made (a bind string, or with a propagation the mount API's `CreateMountpoint`, which engines before API 1.42 ignore); with `false` it fails the container's creation",
	"services.*.secrets.target":                         "a file name in `" + SecretsDir + "`",
	"services.*.secrets.uid":                            "yes: the file's owner, a number (root unset)",
	"services.*.secrets.gid":                            "yes: the file's group, a number (root unset)",
	"services.*.secrets.mode":                           "yes: the file's mode (0444 unset)",
	"services.*.configs.uid":                            configAccess,
	"services.*.configs.gid":                            configAccess,
	"services.*.configs.mode":                           configAccess,
	"services.*.configs":                                "yes: bind-mounted read-only from its file, which the engine reads on its own host",
	"secrets.*.environment":                             "yes: the variable's value in stackctl's environment (or .env), written as a file secret is; a build reads it too (`build.secrets`)",
	"configs.*.environment":                             "yes: the variable's value, copied into each container before it starts",
	"configs.*.content":                                 "yes: copied into each container before it starts (a changed content recreates them)",
	"secrets.*.name":                                    "accepted, unused: a secret from a file is named after its key",
	"configs.*.name":                                    "accepted, unused: a config from a file is named after its key",
	"secrets.*.external":                                composeRefusesExternal("secret"),
	"configs.*.external":                                composeRefusesExternal("config"),

	// Builds: docs/builds.md.
	"services.*.build.context":  "a directory, or a Git or tarball URL that the engine fetches",
	"services.*.build.shm_size": "yes; BuildKit on engines before API 1.42 would drop it, so it is refused there: build with DOCKER_BUILDKIT=0",
	"services.*.build.ulimits":  "yes; BuildKit on engines before API 1.42 would drop them, so they are refused there: build with DOCKER_BUILDKIT=0",
	"services.*.build.platforms": "one platform; several into one image where the engine has the containerd image store, " +
		"refused when the build runs on another (naming the engine)",
	"services.*.build.cache_from": "images (`IMAGE` or `type=registry,ref=IMAGE`), read from the engine's own store first; other types are refused",
	"services.*.build.cache_to":   "`type=inline` only",
	"services.*.build.secrets":    "from a file or an environment variable, through a build session (BuildKit only)",
	"services.*.build.ssh":        "`default` (`$SSH_AUTH_SOCK`) and `ID=path`, through a build session (BuildKit only)",
	"services.*.build.isolation":  "passed on; the engine decides (on Linux only `default`)",
	"services.*.build.entitlements": "`network.host` and `security.insecure`, asked of the engine's BuildKit; " +
		"an engine whose daemon.json does not allow one refuses the build, and the error says so",
	"services.*.build.no_cache_filter": "yes: the named stages take nothing from the cache; the build goes through BuildKit's API " +
		"(its Dockerfile frontend's `no-cache` attribute, as buildx passes it); refused with the classic builder (DOCKER_BUILDKIT=0)",
	"services.*.build.provenance": attestNote,
	"services.*.build.sbom": attestNote + "; the SBOM's scanner image (docker/buildkit-syft-scanner, unless `generator=IMAGE` names another) " +
		"is the engine's, or pulled by its BuildKit",
	"services.*.build.privileged": "yes: asks the engine's BuildKit for `security.insecure` (as `entitlements`)",
	"services.*.build.additional_contexts": "a directory, `service:<name>` (that service's image, built first), or a reference BuildKit resolves " +
		"(`docker-image://`, a URL); on engines of API 1.42 (Docker Engine 23.0) and later, refused when the build runs on older ones, naming the engine",
}

// swarmNotes say what a swarm does differently with keys the table
// honours; a key not named here is honoured on a swarm as on one engine.
var swarmNotes = map[string]string{
	"services.*.develop":                                  "`stackctl --swarm watch` follows its `rebuild` and `restart` triggers; it refuses its sync triggers",
	"services.*.develop.watch.action":                     "`rebuild` builds, pushes to `--registry` and updates the service start-first; `restart` replaces its tasks; `sync`, `sync+restart` and `sync+exec` are refused when `watch` starts, each named: a swarm's tasks run on other nodes' engines",
	"services.*.develop.watch.exec":                       "refused by `watch`, with `sync+exec`",
	"services.*.develop.watch.initial_sync":               "refused by `watch`, with the sync actions",
	"services.*.develop.watch.target":                     "refused by `watch`, with the sync actions",
	"services.*.image":                                    "with `--registry`, pushed there and deployed by digest; without it every node must have the image",
	"services.*.build":                                    "built on the manager's engine, then as `image`",
	"services.*.container_name":                           "the tasks' hostname and a network alias: a swarm names task containers itself",
	"services.*.entrypoint":                               "an empty list is refused: a task runs the image's entrypoint when given none",
	"services.*.restart":                                  "`unless-stopped` runs as `always` (a swarm has no manual stop to outlast); a one-shot's `always` as `on-failure`",
	"services.*.ports":                                    "through the routing mesh where the kernel has IPVS; else, and behind an edge, in host mode on the task's node",
	"services.*.ports.host_ip":                            "refused: a swarm publishes on every address of the node",
	"services.*.ports.published":                          "one port: a range is refused",
	"services.*.security_opt":                             "`no-new-privileges`, `seccomp:unconfined`, `apparmor:unconfined` and `label:...` only; engines before API 1.44 drop the first three, with a warning",
	"services.*.tmpfs":                                    "options `size`, `mode`, `exec` and `noexec` only; engines before API 1.46 drop `exec` and `noexec`, with a warning",
	"services.*.volumes":                                  "a named volume lives on one node: its service is pinned to the node labelled `io.stackctl.data.<project>`; a bind path must exist on the task's node",
	"services.*.deploy.update_config":                     "the service's update and rollback config: one task at a time, start-first (stop-first when it writes a named volume or binds a fixed host port), rolled back on failure, watched at least one healthcheck interval",
	"services.*.deploy.update_config.order":               "`start-first` is refused for a service that writes a `single_writer` volume",
	"services.*.deploy.endpoint_mode":                     "the service's endpoint mode; `vip` is refused where the nodes' kernel has no IPVS (no routing mesh)",
	"services.*.deploy.labels":                            "the swarm service's labels (the containers take `labels`)",
	"services.*.deploy.restart_policy.delay":              "the task's restart delay (the swarm's 5 s unset)",
	"services.*.deploy.restart_policy.window":             "the task's restart window: how long a restarted task must run to count as started",
	"services.*.deploy.update_config.delay":               "the update's delay between batches of tasks",
	"services.*.deploy.update_config.max_failure_ratio":   "the update's failure ratio tolerated before its failure action",
	"services.*.deploy.rollback_config":                   "the service's rollback config; a key left out takes the update's value (but `failure_action`, `pause` unset)",
	"services.*.deploy.rollback_config.delay":             "yes",
	"services.*.deploy.rollback_config.failure_action":    "`pause` or `continue`",
	"services.*.deploy.rollback_config.max_failure_ratio": "yes",
	"services.*.deploy.rollback_config.monitor":           "yes",
	"services.*.deploy.rollback_config.order":             "`start-first` or `stop-first`",
	"services.*.deploy.rollback_config.parallelism":       "yes; 0 is one at a time, as for the update",
	"secrets.*.external":                                  "yes: the service references the swarm's existing secret of that `name` (the key without one), found when `up` starts; stackctl neither makes nor removes it, and `up` fails before deploying anything when it is missing",
	"configs.*.external":                                  "yes: the service references the swarm's existing config of that `name` (the key without one), found when `up` starts; stackctl neither makes nor removes it, and `up` fails before deploying anything when it is missing",
	"secrets.*.name":                                      "the name of the swarm's existing secret an external one references; a secret stackctl makes is named `<project>_<key>`",
	"configs.*.name":                                      "the name of the swarm's existing config an external one references; a config stackctl makes is named `<project>_<key>`",
	"secrets.*.labels":                                    "the swarm secret's labels, set when it is made",
	"configs.*.labels":                                    "the swarm config's labels, set when it is made",
	"secrets.*.labels.*":                                  "yes",
	"configs.*.labels.*":                                  "yes",
	"secrets.*.driver_opts":                               "accepted, unused: `driver` is refused",
	"services.*.secrets":                                  "swarm secrets, with their uid, gid and mode (root, 0444 unset); a secret whose file changed is refused until `down` (a swarm secret cannot change)",
	"services.*.configs":                                  "swarm configs, with their uid, gid and mode (root, 0444 unset); a config whose file changed is refused until `down` (a swarm config cannot change)",
	"services.*.configs.uid":                              "yes, for every config: a swarm config is no bind mount",
	"services.*.configs.gid":                              "yes, for every config: a swarm config is no bind mount",
	"services.*.configs.mode":                             "yes, for every config: a swarm config is no bind mount",
	"networks.*.driver":                                   "`bridge` or `overlay`, either made an attachable overlay; others are refused",
	"networks.*.attachable":                               "always: stackctl's one-off runs join the services' networks",
	"services.*.expose":                                   "accepted, unused: a swarm's task exposes no port, and its networks reach every one",
	"services.*.hostname":                                 "yes; without it a task's hostname is `<project>-<service>-<slot>`",
	"services.*.platform":                                 "a placement on nodes of that OS and architecture",
	"services.*.logging":                                  "the task's log driver; options need a driver",
	"services.*.cpus":                                     "the task's CPU limit",
	"services.*.mem_limit":                                "the task's memory limit",
	"services.*.mem_reservation":                          "the task's memory reservation",
	"services.*.pids_limit":                               "the task's process limit",
	"services.*.deploy.resources.reservations.cpus":       "the task's CPU reservation",
	"services.*.deploy.resources.reservations.devices":    swarmNo + "a swarm reserves generic resources its nodes advertise, not devices",
	"services.*.volumes.volume.labels":                    "sent as Compose sends them (the mount's volume options); the engine applies them only to a volume it makes for the mount, and stackctl makes every volume first",
	"services.*.volumes.bind.selinux":                     swarmNo + "a swarm's bind mount is not relabelled",
	"services.*.volumes.bind.create_host_path":            "accepted, unused: a swarm's bind mount makes no missing path, so it must exist on the task's node",
	"services.*.volumes.volume.subpath":                   swarmNo + "it needs API 1.45 on the swarm",
	"services.*.volumes.bind.recursive":                   swarmNo + swarmNoField,
	"services.*.volumes.type":                             "`volume`, `bind` or `tmpfs`; `image` is refused (see `volumes.image`)",
	"services.*.volumes.image":                            swarmNo + "a swarm service mounts no image",
	"networks.*.enable_ipv4":                              swarmNo + "a swarm's overlay networks always carry IPv4",
	"services.*.networks.*.ipv4_address":                  swarmNo + "a swarm assigns its tasks' addresses",
	"services.*.networks.*.ipv6_address":                  swarmNo + "a swarm assigns its tasks' addresses",
	"services.*.networks.*.mac_address":                   swarmNo + "a swarm assigns its tasks' addresses",
	"services.*.networks.*.link_local_ips":                swarmNo + "a swarm assigns its tasks' addresses",
	"services.*.networks.*.gw_priority":                   swarmNo + swarmNoField,
	"services.*.network_mode":                             swarmNo + "a task joins the stack's overlay networks",
	"services.*.privileged":                               swarmNo + "a swarm runs no privileged task; grant cap_add instead",
	"services.*.pid":                                      swarmNo + swarmNoField,
	"services.*.ipc":                                      swarmNo + swarmNoField,
	"services.*.uts":                                      swarmNo + swarmNoField,
	"services.*.userns_mode":                              swarmNo + swarmNoField,
	"services.*.cgroup":                                   swarmNo + swarmNoField,
	"services.*.cgroup_parent":                            swarmNo + swarmNoField,
	"services.*.runtime":                                  swarmNo + swarmNoField,
	"services.*.domainname":                               swarmNo + swarmNoField,
	"services.*.mac_address":                              swarmNo + "a swarm assigns its tasks' addresses",
	"services.*.cpu_shares":                               swarmNo + swarmNoField,
	"services.*.cpu_quota":                                swarmNo + swarmNoField + " (cpus is one)",
	"services.*.cpu_period":                               swarmNo + swarmNoField + " (cpus is one)",
	"services.*.cpuset":                                   swarmNo + swarmNoField,
	"services.*.memswap_limit":                            swarmNo + swarmNoField,
	"services.*.mem_swappiness":                           swarmNo + swarmNoField,
	"services.*.shm_size":                                 swarmNo + swarmNoField + " (mount a tmpfs at /dev/shm)",
	"services.*.oom_score_adj":                            swarmNo + "it needs API 1.46",
	"services.*.oom_kill_disable":                         swarmNo + swarmNoField,
	"services.*.devices":                                  swarmNo + swarmNoField,
	"services.*.device_cgroup_rules":                      swarmNo + swarmNoField,
	"services.*.gpus":                                     swarmNo + "a swarm reserves generic resources its nodes advertise, not devices",
	"services.*.storage_opt":                              swarmNo + swarmNoField,
	"services.*.annotations":                              swarmNo + swarmNoField,
	"services.*.volumes_from":                             swarmNo + "a task's volumes are its own node's",
	"services.*.links":                                    swarmNo + "services reach each other by name on their networks",
	"services.*.external_links":                           swarmNo + "services reach each other by name on their networks",
	"services.*.pre_start":                                swarmNo + "a swarm starts its tasks itself, with no hook",
	"services.*.post_start":                               swarmNo + "a swarm starts its tasks itself, with no hook",
	"services.*.pre_stop":                                 swarmNo + "a swarm stops its tasks itself, with no hook",
	"services.*.use_api_socket":                           swarmNo + "a task runs on any node, whose engine socket and registry credentials are not this machine's",
	"networks.*.external":                                 "the network must exist and be swarm-scoped",
}

// objectLabelsNote is what one engine does with a secret's or config's labels.
const objectLabelsNote = acceptedUnused + ", as Docker Compose: one engine makes no secret or config object to label"

// swarmKey is the note of a key Docker Compose accepts and ignores on one
// engine: only a swarm service has a field for it.
const swarmKey = acceptedUnused + ", as Docker Compose: a swarm's key"

// composeIgnores is the note of a key of the Compose Specification that
// Docker Compose loads and then reads nowhere.
const composeIgnores = acceptedUnused + ", as Docker Compose, which reads it nowhere"

// attestNote is what becomes of an attestation a build asks for.
const attestNote = "yes, through BuildKit's API as buildx passes it (the Dockerfile frontend's `attest:` attribute), kept with the image " +
	"where the engine has the containerd image store (Docker Engine 24.0 and later, the default from 29.0); refused on another, " +
	"whose images keep no attestation, as buildx's docker driver refuses it"

// configAccess is what one engine does with a config's owner and mode:
// what Compose does.
const configAccess = "for a config from `content` or `environment`, copied with it (root, 0444 unset); " +
	"a config from a file is bind-mounted with the file's own, and `up` warns that it is ignored, as Compose does"

// swarmNo starts the note of a key a swarm refuses; swarmNoField is the
// usual reason.
const (
	swarmNo      = "no: "
	swarmNoField = "a swarm service has no field for it"
)
