#!/usr/bin/env bash
# A current Docker engine beside the host's: moby v2 (Docker 29's engine, API
# 1.56, the containerd image store), built from the Go module proxy and run
# in a container of the host engine, for the tests and for anyone who wants
# to try stackctl on it.
#
#   scripts/engine-current.sh start [NAME]   build what is missing, start it,
#                                            copy the stand-in images into it
#   scripts/engine-current.sh env [NAME]     print its environment (below)
#   scripts/engine-current.sh stop [NAME]    remove it and all it holds
#   scripts/engine-current.sh binaries|build builds the binaries, or them and
#                                            the image; image names the image
#
# NAME defaults to stackctl-current. `start` prints, and writes to
# /run/stackctl-engines/NAME/env, the two settings that reach it:
#
#   DOCKER_HOST=unix:///run/stackctl-engines/NAME/docker.sock
#   STACKCTL_ENGINE_NETNS=/proc/PID/ns/net
#
# The engine publishes ports in its container's network namespace, so a
# port published on 127.0.0.1 is reached from inside that namespace:
# `nsenter --net=$STACKCTL_ENGINE_NETNS curl 127.0.0.1:8080`, or for tests
# `go test -exec "nsenter --net=$STACKCTL_ENGINE_NETNS --"`. Bind mounts
# resolve in the engine's container, which sees the host's /tmp, this
# checkout and the paths in STACKCTL_ENGINE_SHARE at their own paths, and
# nothing else of the host.
#
# The binaries are cached under $STACKCTL_CACHE_DIR/engine-current/VERSION
# (dockerd: about 4 minutes to build here); the image is
# stackctl/engine-current:VERSION-HASH, from the docker:dind stand-in
# (scripts/images.sh) and images/engine-current. `start` copies it into
# the engine too, with STACKCTL_DIND_IMAGE naming it in the environment, so
# that the engines tests start in it (enginetest.Dind) are current too.
#
# Environment: STACKCTL_ENGINE_IMAGES, the images to copy in (default: the
# stand-ins the Docker backend's tests use); STACKCTL_ENGINE_SHARE, more
# host directories for bind mounts (space-separated).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly root
readonly MOBY=github.com/moby/moby/v2
readonly MOBY_VERSION=v2.0.0-beta.24
readonly RUNC=github.com/opencontainers/runc
readonly RUNC_VERSION=v1.5.3
readonly CACHE_DIR=${STACKCTL_CACHE_DIR:-/var/cache/stackctl}
readonly BIN_DIR=$CACHE_DIR/engine-current/$MOBY_VERSION
# The tag names the engine's version and the image's own files, so a change
# to them makes a new image.
IMAGE=stackctl/engine-current:$MOBY_VERSION-$(cat "$root"/images/engine-current/* | sha256sum | cut -c1-12)
readonly IMAGE
readonly RUN_ROOT=/run/stackctl-engines
readonly READY_TIMEOUT=180
readonly DEFAULT_IMAGES="postgres:15 redis:7 nginx:1.22 python:3.11-slim golang:1.26 busybox:latest alpine:latest docker:dind registry:2"
# The stand-ins' own base, which the build tests build from; images.sh
# makes it with the first stand-in.
readonly BASE_IMAGE=stackctl/bookworm-base:latest
readonly GO=${GO:-go}

say() { echo "engine-current: $*" >&2; }
die() { echo "engine-current: error: $*" >&2; exit 1; }

# build_binaries puts dockerd, docker-proxy and runc in BIN_DIR, each built
# only when missing. dockerd is static (no cgo) without the btrfs and
# devicemapper graph drivers, which need C libraries; runc needs cgo and
# libseccomp for its seccomp filters.
build_binaries() {
	mkdir -p "$BIN_DIR"
	if [[ ! -x $BIN_DIR/dockerd || ! -x $BIN_DIR/docker-proxy ]]; then
		say "building dockerd and docker-proxy ${MOBY_VERSION} from the Go module proxy (about 4 minutes)"
		GOBIN=$BIN_DIR CGO_ENABLED=0 nice "$GO" install -trimpath \
			-tags 'exclude_graphdriver_btrfs exclude_graphdriver_devicemapper' \
			-ldflags "-X ${MOBY}/dockerversion.Version=${MOBY_VERSION#v}" \
			"${MOBY}/cmd/dockerd@${MOBY_VERSION}" "${MOBY}/cmd/docker-proxy@${MOBY_VERSION}" ||
			die "building dockerd ${MOBY_VERSION} failed (is the Go module proxy reachable?)"
	fi
	if [[ ! -x $BIN_DIR/runc ]]; then
		if ! dpkg -s libseccomp-dev >/dev/null 2>&1; then
			say "installing Debian's libseccomp-dev, for runc"
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq libseccomp-dev >/dev/null ||
				die "installing libseccomp-dev failed"
		fi
		say "building runc ${RUNC_VERSION} from the Go module proxy"
		GOBIN=$BIN_DIR nice "$GO" install -trimpath -tags seccomp "${RUNC}@${RUNC_VERSION}" ||
			die "building runc ${RUNC_VERSION} failed"
	fi
}

build_image() {
	if docker image inspect "$IMAGE" >/dev/null 2>&1; then
		return
	fi
	build_binaries
	bash "$root/scripts/images.sh" docker:dind
	local ctx
	ctx=$(mktemp -d)
	# shellcheck disable=SC2064 # expand ctx now
	trap "rm -rf '$ctx'" RETURN
	cp "$root"/images/engine-current/* "$BIN_DIR"/{dockerd,docker-proxy,runc} "$ctx"/
	say "building ${IMAGE}"
	DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null || die "building ${IMAGE} failed"
}

socket_dir() { echo "$RUN_ROOT/$1"; }

print_env() {
	local name=$1 pid
	pid=$(docker inspect --format '{{.State.Pid}}' "$name" 2>/dev/null) ||
		die "no engine container ${name}; start it with: $0 start ${name}"
	[[ $pid != 0 ]] || die "engine container ${name} is not running"
	echo "DOCKER_HOST=unix://$(socket_dir "$name")/docker.sock"
	echo "STACKCTL_ENGINE_NETNS=/proc/${pid}/ns/net"
	echo "STACKCTL_DIND_IMAGE=${IMAGE}"
}

# remove_cgroups removes what the engine's containers left under /NAME.
# Deepest first; a directory that still holds processes stays, and says so.
remove_cgroups() {
	local dir=/sys/fs/cgroup/$1
	[[ -d $dir ]] || return 0
	find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
	[[ ! -d $dir ]] || say "cgroup directory ${dir} still holds processes"
}

start() {
	local name=$1
	if docker inspect "$name" >/dev/null 2>&1; then
		# One this script started, left by a run that was cut short, goes;
		# anything else of that name is someone else's.
		[[ $(docker inspect --format '{{index .Config.Labels "io.stackctl.test"}}' "$name") == engine-current ]] ||
			die "a container named ${name} already exists, and this script did not start it"
		say "removing ${name}, left by an earlier run"
		stop "$name"
	fi
	build_image
	local dir
	dir=$(socket_dir "$name")
	mkdir -p "$dir"
	local shares=() path
	for path in /tmp "$root" ${STACKCTL_ENGINE_SHARE:-}; do
		shares+=(-v "$path:$path")
	done
	say "starting ${name} (${IMAGE})"
	# What an engine needs in a container without --privileged: mounts,
	# its own networking, setns for exec, no seccomp or AppArmor profile,
	# and the host's cgroups, its containers' under /NAME.
	docker run -d --name "$name" --hostname "$name" \
		--label io.stackctl.test=engine-current \
		--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE \
		--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
		-v /sys/fs/cgroup:/sys/fs/cgroup:rw \
		-v "$dir:/run/stackctl-engine" "${shares[@]}" \
		-e DOCKER_TLS_CERTDIR= \
		"$IMAGE" \
		--cgroup-parent="/$name" \
		--host=unix:///var/run/docker.sock --host=unix:///run/stackctl-engine/docker.sock \
		--host=tcp://0.0.0.0:2375 --tls=false >/dev/null
	local host=unix://$dir/docker.sock waited=0
	until DOCKER_HOST=$host timeout 5 docker version >/dev/null 2>&1; do
		if [[ $(docker inspect --format '{{.State.Running}}' "$name") != true ]]; then
			docker logs --tail 40 "$name" >&2 || true
			die "engine container ${name} stopped before its engine answered"
		fi
		((waited++ < READY_TIMEOUT)) || die "the engine in ${name} did not answer within ${READY_TIMEOUT}s"
		sleep 1
	done
	say "engine is up: $(DOCKER_HOST=$host docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}')"
	local images=${STACKCTL_ENGINE_IMAGES:-$DEFAULT_IMAGES}
	# shellcheck disable=SC2086 # a list of references
	bash "$root/scripts/images.sh" $images
	images+=" $BASE_IMAGE $IMAGE"
	say "copying ${images} into it"
	# shellcheck disable=SC2086
	docker save $images | DOCKER_HOST=$host docker load -q >/dev/null ||
		die "copying images into the engine in ${name} failed"
	print_env "$name" | tee "$dir/env"
}

stop() {
	local name=$1
	if docker inspect "$name" >/dev/null 2>&1; then
		say "removing ${name} and everything in it"
		docker stop -t 30 "$name" >/dev/null || true
		docker rm -f -v "$name" >/dev/null
	fi
	remove_cgroups "$name"
	rm -rf "$(socket_dir "$name")"
}

cmd=${1:-}
name=${2:-stackctl-current}
[[ $name =~ ^[a-zA-Z0-9][a-zA-Z0-9_-]*$ ]] || die "engine name ${name}: want one plain name (it is also a cgroup)"
# The host engine runs the engine's container; DOCKER_HOST pointing into an
# engine this script started would make it look for the container in there.
if [[ ${DOCKER_HOST:-} == "unix://$RUN_ROOT/"* ]]; then
	die "DOCKER_HOST=${DOCKER_HOST} is an engine this script started; run it with the host engine's DOCKER_HOST (or none)"
fi
case $cmd in
start) start "$name" ;;
stop) stop "$name" ;;
env) print_env "$name" ;;
binaries) build_binaries ;;
build) build_image ;;
image) echo "$IMAGE" ;;
*) die "usage: $0 start|env|stop [NAME], or $0 binaries|build|image" ;;
esac
