#!/usr/bin/env bash
# Makes `docker buildx` available beside `docker compose`. Compose hands its
# builds to the buildx plugin; without it, Compose falls back to the engine's
# classic builder, which refuses the app's Dockerfile (RUN --mount). Buildx's
# "docker" driver builds through the engine's own BuildKit, so nothing else
# is needed. Skips when `docker buildx` already answers; otherwise builds the
# plugin from the Go module proxy (its go.mod has no replace or exclude
# directives, so `go install` takes it as it is). Niced like the Compose
# build: it takes minutes on a small machine.
set -euo pipefail

readonly BUILDX_MODULE=github.com/docker/buildx
readonly BUILDX_VERSION=${STACKCTL_BUILDX_VERSION:-v0.39.1}
readonly PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
readonly GO=${GO:-go}

say() { echo "buildx: $*" >&2; }
die() { echo "buildx: error: $*" >&2; exit 1; }

if docker buildx version >/dev/null 2>&1; then
	say "$(docker buildx version)"
	exit 0
fi

command -v "$GO" >/dev/null 2>&1 || die "no Go toolchain ($GO) to build buildx ${BUILDX_VERSION} with"
say "building buildx ${BUILDX_VERSION} from the Go module proxy (a few minutes)"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN=$bin nice -n 19 "$GO" install -trimpath \
	-ldflags "-s -w -X ${BUILDX_MODULE}/version.Version=${BUILDX_VERSION} -X ${BUILDX_MODULE}/version.Package=${BUILDX_MODULE}" \
	"${BUILDX_MODULE}/cmd/buildx@${BUILDX_VERSION}" ||
	die "building buildx ${BUILDX_VERSION} failed"
mkdir -p "$PLUGIN_DIR"
mv "$bin/buildx" "$PLUGIN_DIR/docker-buildx"
docker buildx version >/dev/null 2>&1 || die "buildx ${BUILDX_VERSION} was built but 'docker buildx version' does not answer"
say "$(docker buildx version)"
