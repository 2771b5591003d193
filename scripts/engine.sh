#!/usr/bin/env bash
# Makes sure a Docker engine answers. When none does and this is a Debian host
# where we are root, installs Debian's docker.io and starts dockerd in the
# background; anywhere else it explains how to get an engine.
set -euo pipefail

readonly DOCKERD_LOG=${STACKCTL_DOCKERD_LOG:-/var/log/stackctl-dockerd.log}
readonly START_TIMEOUT=60

say() { echo "engine: $*" >&2; }
die() { echo "engine: error: $*" >&2; exit 1; }

engine_answers() {
	command -v docker >/dev/null 2>&1 || return 1
	timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if engine_answers; then
	exit 0
fi

default_socket=unix:///var/run/docker.sock
if [[ -n ${DOCKER_HOST:-} && ${DOCKER_HOST} != "$default_socket" ]]; then
	die "no Docker engine answers at DOCKER_HOST=${DOCKER_HOST}. Start that engine, or unset DOCKER_HOST to use a local one."
fi

if [[ $(id -u) -ne 0 ]]; then
	die "no Docker engine answers at ${default_socket}, and starting one needs root. Start dockerd (e.g. 'sudo systemctl start docker'), or re-run as root."
fi

if ! grep -qs '^ID=debian' /etc/os-release; then
	die "no Docker engine answers at ${default_socket}. This script installs one only on Debian; install Docker Engine for your system (https://docs.docker.com/engine/install/) and start it."
fi

if ! command -v dockerd >/dev/null 2>&1; then
	say "installing Debian's docker.io"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

if pgrep -x dockerd >/dev/null 2>&1; then
	say "dockerd is running but does not answer yet; waiting"
else
	# An engine that was ended uncleanly leaves its pid file behind, and the
	# next dockerd refuses to start while it exists.
	for pidfile in /var/run/docker.pid /run/docker/containerd/containerd.pid; do
		if [[ -e $pidfile ]]; then
			say "removing stale ${pidfile}"
			rm -f "$pidfile"
		fi
	done
	say "starting dockerd (log: ${DOCKERD_LOG})"
	mkdir -p "$(dirname "$DOCKERD_LOG")"
	setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
fi

for ((waited = 0; waited < START_TIMEOUT; waited++)); do
	if engine_answers; then
		say "engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null), after ${waited}s)"
		exit 0
	fi
	sleep 1
done

echo "engine: error: dockerd did not answer within ${START_TIMEOUT}s; last lines of ${DOCKERD_LOG}:" >&2
tail -n 30 "$DOCKERD_LOG" >&2 || true
exit 1
