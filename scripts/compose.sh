#!/usr/bin/env bash
# Makes `docker compose` (v2 or later) available for the benchmark. Skips when
# it already answers. Otherwise builds Compose from the Go module proxy as a
# Docker CLI plugin: `go install` refuses the module (its go.mod has exclude
# directives), so we download the module, copy it somewhere writable and build
# ./cmd in there. The build takes minutes on a small machine, so it runs niced.
# When the build is impossible (no Go, no proxy) we fall back to Debian's
# docker-compose v1 if present, and say so.
set -euo pipefail

readonly COMPOSE_MODULE=github.com/docker/compose/v5
readonly COMPOSE_VERSION=${STACKCTL_COMPOSE_VERSION:-v5.6.0}
readonly PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
readonly GO=${GO:-go}

say() { echo "compose: $*" >&2; }
die() { echo "compose: error: $*" >&2; exit 1; }

if docker compose version >/dev/null 2>&1; then
	say "$(docker compose version)"
	exit 0
fi

build_plugin() {
	command -v "$GO" >/dev/null 2>&1 || return 1
	local dir work
	say "building Compose ${COMPOSE_VERSION} from the Go module proxy (a few minutes)"
	dir=$("$GO" mod download -json "${COMPOSE_MODULE}@${COMPOSE_VERSION}" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -n $dir && -d $dir ]] || return 1
	# The module cache is read-only; go build wants to write go.sum updates.
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	cp -r "$dir/." "$work/"
	chmod -R u+w "$work"
	mkdir -p "$PLUGIN_DIR"
	(cd "$work" && nice -n 19 "$GO" build -trimpath \
		-ldflags "-s -w -X ${COMPOSE_MODULE}/internal.Version=${COMPOSE_VERSION}" \
		-o "$PLUGIN_DIR/docker-compose.tmp" ./cmd) || return 1
	mv "$PLUGIN_DIR/docker-compose.tmp" "$PLUGIN_DIR/docker-compose"
}

if build_plugin && docker compose version >/dev/null 2>&1; then
	say "$(docker compose version)"
	exit 0
fi

if command -v docker-compose >/dev/null 2>&1; then
	say "could not build Compose v2+; falling back to $(docker-compose version --short 2>/dev/null || echo 'docker-compose v1')"
	exit 0
fi

die "neither 'docker compose' nor 'docker-compose' is available, and building Compose ${COMPOSE_VERSION} failed"
