package stack

import "path"

// What use_api_socket gives a service's containers, as Compose gives it:
// the engine's socket, bound from where the engine's host has it, and a
// docker CLI config holding the registry credentials of the docker CLI
// that runs stackctl, found through DOCKER_CONFIG (unless the service sets
// that variable itself). The credentials are written as a secret is, so
// they are in no label, inspect output or rendering of the stack; they
// are read only when a container is made.
const (
	// APISocket is the engine socket's path on its host and in the
	// container.
	APISocket = "/var/run/docker.sock"
	// apiSocketConfigDir is the container's DOCKER_CONFIG.
	apiSocketConfigDir = SecretsDir + "/docker"
)

// useAPISocket adds to svc what use_api_socket gives it.
func useAPISocket(svc *Service) {
	svc.UseAPISocket = true
	svc.Mounts = append(svc.Mounts, Mount{Type: MountBind, Source: APISocket, Target: APISocket})
	if _, set := svc.env("DOCKER_CONFIG"); !set {
		svc.Environment = append(svc.Environment, EnvVar{Name: "DOCKER_CONFIG", Value: apiSocketConfigDir})
	}
	svc.Secrets = append(svc.Secrets, Secret{
		Name:        "use_api_socket",
		Target:      path.Join(path.Base(apiSocketConfigDir), "config.json"),
		Credentials: true,
	})
}
