// Package images holds the offline stand-ins for the official images the
// stack uses (built by scripts/images.sh) and the tests that hold them to the
// official images' contracts.
//
// The python:3.11-slim stand-in is Debian bookworm's python3.11 with
// Debian's flask, psycopg2 and redis, enough for the seed's Flask app
// (examples/day-34/app) to build and run offline. Its requirements name
// psycopg2-binary, the psycopg2 module shipped as a wheel with its own libpq,
// which Debian does not package. The stand-in satisfies that name with
// Debian's real psycopg2: it installs a distribution record
// psycopg2_binary-<version>.dist-info, version equal to Debian's psycopg2,
// whose METADATA names psycopg2-binary and requires psycopg2 at that version
// and whose RECORD lists no files but its own. `pip install psycopg2-binary`
// then finds the requirement satisfied, `import psycopg2` loads Debian's
// module, `pip check` holds, and uninstalling psycopg2-binary removes only
// the record.
//
// The docker:dind stand-in is Debian bookworm's Docker engine (docker.io
// 20.10, API 1.41, with its containerd and runc) started by the image's
// dockerd-entrypoint.sh. It is there for tests that need a second engine, a
// remote one reached over TCP, or the worker nodes of a swarm: see
// enginetest.Dind, which runs it and loads images into it, and
// enginetest.Swarm, which joins several to the host engine's swarm. Like the
// official image with DOCKER_TLS_CERTDIR empty, it serves the API on the
// unix socket and on plain TCP port 2375 and hands its arguments to dockerd.
// Its limits:
//
//   - No TLS and no authentication: whoever reaches port 2375 is root in the
//     container, and with the capabilities below nearly root on the host. It
//     belongs on the host's bridge network in a test, nowhere else; a
//     non-empty DOCKER_TLS_CERTDIR makes it refuse to start.
//   - It runs without --privileged (which some hosts refuse) but not without
//     privilege: CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE (without it,
//     exec and healthchecks in its containers fail in setns), seccomp and
//     AppArmor unconfined, and the host's /sys/fs/cgroup mounted read-write.
//     dockerd must get --cgroup-parent=/<unique name>, or its containers'
//     cgroups would go under the host engine's /docker. On a clean stop the
//     entrypoint removes the cgroup directories left under that parent;
//     after a SIGKILL whoever started it must (enginetest.Dind does). This
//     handling is written for a cgroup v1 host (with the unified hierarchy
//     beside the controllers).
//   - Storage: overlay2 on the container's own /var/lib/docker volume, not
//     overlay on overlay, where an overlay mount works there; vfs, which
//     copies every layer in full (slow and large), where it does not. On a
//     host engine keeping its volumes on ext4 the entrypoint picks overlay2,
//     and vfs works too when asked for (--storage-driver=vfs).
//   - Networking uses Debian's iptables, the nf_tables variant: the host
//     kernel needs nf_tables (the official image switches to the legacy
//     variant when it is missing; the stand-in does not).
//   - It has no images and no registry to pull from: a test loads what it
//     needs from the host engine (InnerEngine.LoadImages, for tests only).
//   - An engine of API 1.41: what later API versions add (healthcheck
//     start intervals, API 1.44, for one) is not there. Swarm's virtual IPs
//     and routing mesh use the host kernel's IPVS, which the kernel may
//     lack: there, services resolve by DNS round robin (endpoint mode
//     dnsrr) and publish ports in host mode, and overlay (VXLAN) traffic
//     between the nodes flows.
//
// The stand-in has a healthcheck (`docker version` answers); the official
// image has none.
//
// images/engine-current is no stand-in: it is the docker:dind stand-in
// with a current engine's dockerd, docker-proxy and runc, built by
// scripts/engine-current.sh, which also runs it (see docs/testing.md).
//
// The registry:2 stand-in is Debian bookworm's Docker registry
// (docker-registry, distribution 2.8.2; the official image is 2.8 too) in the
// official image's layout: `registry` on the PATH, the official
// configuration at /etc/docker/registry/config.yml (plain HTTP on port
// 5000, no authentication, storage in the /var/lib/registry volume), and
// /entrypoint.sh, which runs `registry serve` on a configuration file given
// as the first argument and execs it as PID 1. Debian's own configuration
// (htpasswd authentication, storage under /var/lib/docker-registry) is
// replaced. No TLS: an engine pushes to it and pulls from it only at an
// address it treats as an insecure registry, 127.0.0.0/8 by default; see
// enginetest.SwarmRegistry for how the swarm harness gives every node one.
package images
