#!/usr/bin/env bash
# Makes sure these images are on the engine: every image the default stack
# and its build need, the one the seed's example app builds from
# (examples/day-34), docker:dind, the second engine some tests run
# (internal/enginetest), and registry:2, the registry of the test swarm
# (enginetest.Swarm), and busybox and alpine, which the watch tests build
# from (and Compose's fixtures that `make conformance` runs). For
# each: keep the local image; else try a pull with a
# short timeout; else build an offline stand-in from one Debian bookworm
# rootfs (made once with mmdebstrap) and a thin Dockerfile under images/,
# tagged with the official name and labelled io.stackctl.standin=true.
#
# With arguments (image references from the lists below), only those.
#
# Environment: STACKCTL_PULL=0 skips pull attempts; STACKCTL_PULL_TIMEOUT
# (seconds, default 15) bounds each one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly root
readonly BASE_IMAGE=stackctl/bookworm-base:latest
readonly BASE_PACKAGES=postgresql-15,redis-server,nginx,ca-certificates,tzdata
readonly MIRROR=${STACKCTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly SECURITY_MIRROR=${STACKCTL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
readonly CACHE_DIR=${STACKCTL_CACHE_DIR:-/var/cache/stackctl}
readonly PULL_TIMEOUT=${STACKCTL_PULL_TIMEOUT:-15}

# image reference -> directory under images/ holding its stand-in Dockerfile.
readonly IMAGES=(
	"postgres:15=postgres"
	"redis:7=redis"
	"golang:1.26=golang"
	"nginx:1.22=nginx"
	"python:3.11-slim=python"
	"docker:dind=dind"
	"registry:2=registry"
	"busybox:latest=busybox"
	"alpine:latest=alpine"
)

# Built only when named, for the Compose fixtures `make conformance` runs:
# nginx:latest, the nginx:1.22 stand-in under the name the fixtures run and
# build FROM; nginx:alpine, that stand-in with busybox's nc and wget, as
# Alpine's image has them.
readonly ON_REQUEST=(
	"nginx:alpine=nginx-alpine"
	"nginx:latest=nginx"
)

export DOCKER_BUILDKIT=0 # the classic builder: what every engine we support has

say() { echo "images: $*" >&2; }

# Debian's static busybox: the golang stand-in's shell and commands, and
# all of the busybox and alpine stand-ins.
readonly BUSYBOX=/bin/busybox
die() { echo "images: error: $*" >&2; exit 1; }

pull_enabled=${STACKCTL_PULL:-1}

image_label() { # image label -> value, or empty
	docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# standin_hash DIR: what a stand-in is built from, so an edit rebuilds it.
standin_hash() {
	local dir=$1
	{
		echo "$BASE_PACKAGES"
		(cd "$root/images/$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
		if [[ $dir == golang ]]; then
			go version
			sha256sum </etc/ssl/certs/ca-certificates.crt
		fi
		if [[ $dir == golang || $dir == busybox || $dir == alpine || $dir == nginx-alpine ]]; then
			sha256sum <"$BUSYBOX"
		fi
		if [[ $dir == nginx-alpine ]]; then
			standin_hash nginx # built FROM it
		fi
	} | sha256sum | cut -c1-16
}

file_is_static_busybox() { [[ -x $BUSYBOX ]] && "$BUSYBOX" --list 2>/dev/null | grep -qx sh && ! ldd "$BUSYBOX" >/dev/null 2>&1; }

ensure_base() {
	local want
	want=$(echo "$BASE_PACKAGES" | sha256sum | cut -c1-16)
	if [[ $(image_label "$BASE_IMAGE" io.stackctl.standin.hash) == "$want" ]]; then
		return
	fi
	if ! command -v mmdebstrap >/dev/null 2>&1; then
		[[ $(id -u) -eq 0 ]] || die "mmdebstrap is missing and installing it needs root: apt-get install mmdebstrap"
		say "installing mmdebstrap"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends mmdebstrap >/dev/null
	fi
	mkdir -p "$CACHE_DIR"
	local tarball=$CACHE_DIR/bookworm-rootfs.tar log=$CACHE_DIR/mmdebstrap.log
	say "making a Debian bookworm rootfs with ${BASE_PACKAGES} (about a minute; log: ${log})"
	# As root a plain chroot works everywhere; others need user namespaces.
	local mode=unshare
	[[ $(id -u) -ne 0 ]] || mode=root
	# shellcheck disable=SC2016 # the hook's $1 is mmdebstrap's, not ours.
	if ! mmdebstrap --mode="$mode" --variant=minbase --include="$BASE_PACKAGES" \
		--customize-hook='rm -rf "$1"/var/lib/postgresql/15 "$1"/etc/postgresql/15 "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
		bookworm "$tarball" \
		"deb $MIRROR bookworm main" \
		"deb $MIRROR bookworm-updates main" \
		"deb $SECURITY_MIRROR bookworm-security main" \
		</dev/null >"$log" 2>&1; then
		echo "images: error: mmdebstrap failed; last lines of ${log}:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	say "importing the rootfs as ${BASE_IMAGE}"
	docker import \
		--change 'LABEL io.stackctl.standin=true' \
		--change "LABEL io.stackctl.standin.hash=${want}" \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'CMD ["bash"]' \
		"$tarball" "$BASE_IMAGE" >/dev/null
	rm -f "$tarball"
}

try_pull() {
	[[ $pull_enabled == 1 ]] || return 1
	say "pulling $1 (timeout ${PULL_TIMEOUT}s)"
	if timeout "$PULL_TIMEOUT" docker pull -q "$1" >/dev/null 2>&1; then
		return 0
	fi
	say "cannot pull $1; no registry reachable, so building stand-ins from here on"
	pull_enabled=0
	return 1
}

# smoke_test IMAGE CMD...: the stand-in must start and run its main program.
smoke_test() {
	local image=$1
	shift
	local out
	if ! out=$(docker run --rm --entrypoint "$1" "$image" "${@:2}" 2>&1); then
		echo "images: error: stand-in ${image} does not start; its output:" >&2
		echo "$out" >&2
		exit 1
	fi
}

build_standin() {
	local ref=$1 dir=$2 hash=$3
	local context=$root/images/$dir
	local tmp=""
	if [[ $dir == golang ]]; then
		# No rootfs: the toolchain, the CA bundle and busybox go into the
		# build context, beside the Dockerfile.
		tmp=$(mktemp -d)
		cp -a "$context/." "$tmp/"
		cp -a "$(go env GOROOT)" "$tmp/go"
		cp /etc/ssl/certs/ca-certificates.crt "$tmp/"
		cp "$BUSYBOX" "$tmp/busybox"
		context=$tmp
	elif [[ $dir == busybox || $dir == alpine || $dir == nginx-alpine ]]; then
		# No rootfs either: busybox goes into the build context.
		if [[ $dir == nginx-alpine ]]; then
			bash "${BASH_SOURCE[0]}" nginx:1.22 # its base, up to date
		fi
		tmp=$(mktemp -d)
		cp -a "$context/." "$tmp/"
		cp "$BUSYBOX" "$tmp/busybox"
		context=$tmp
	else
		ensure_base
	fi
	say "building stand-in ${ref} from images/${dir}"
	local log
	log=$(mktemp)
	if ! docker build --build-arg "BASE=${BASE_IMAGE}" \
		--label io.stackctl.standin=true --label "io.stackctl.standin.hash=${hash}" \
		-t "$ref" "$context" >"$log" 2>&1; then
		echo "images: error: building stand-in ${ref} failed:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	rm -f "$log"
	[[ -z $tmp ]] || rm -rf "$tmp"
	case $dir in
	postgres) smoke_test "$ref" postgres --version ;;
	redis) smoke_test "$ref" redis-server --version ;;
	golang) smoke_test "$ref" go version ;;
	nginx) smoke_test "$ref" nginx -t ;;
	nginx-alpine) smoke_test "$ref" sh -c 'nginx -t && nc --help 2>&1 | grep -q nc' ;;
	python) smoke_test "$ref" python -c 'import flask, psycopg2, redis' ;;
	dind) smoke_test "$ref" dockerd --version ;;
	registry) smoke_test "$ref" registry --version ;;
	busybox | alpine) smoke_test "$ref" sh -c 'sleep 0 && ping -c 1 -W 1 127.0.0.1 >/dev/null' ;;
	esac
}

if [[ " $* " == *" golang:1.26 "* || " $* " == *" busybox:latest "* || " $* " == *" alpine:latest "* || " $* " == *" nginx:alpine "* || $# -eq 0 ]] && ! file_is_static_busybox; then
	[[ $(id -u) -eq 0 ]] || die "Debian's busybox-static is missing and installing it needs root: apt-get install busybox-static"
	say "installing busybox-static"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends busybox-static >/dev/null
fi

selected=("${IMAGES[@]}")
if [[ $# -gt 0 ]]; then
	selected=()
	for want in "$@"; do
		found=""
		for entry in "${IMAGES[@]}" "${ON_REQUEST[@]}"; do
			[[ ${entry%%=*} == "$want" ]] && found=$entry
		done
		[[ -n $found ]] || die "no stand-in for ${want}; known: $(printf '%s ' "${IMAGES[@]%%=*}" "${ON_REQUEST[@]%%=*}")"
		selected+=("$found")
	done
fi

for entry in "${selected[@]}"; do
	ref=${entry%%=*}
	dir=${entry#*=}
	hash=$(standin_hash "$dir")
	if image_exists "$ref"; then
		if [[ $(image_label "$ref" io.stackctl.standin) != true ]]; then
			continue # a real image: ours to use, not to replace
		fi
		if [[ $(image_label "$ref" io.stackctl.standin.hash) == "$hash" ]]; then
			continue
		fi
		say "stand-in ${ref} is out of date"
	elif try_pull "$ref"; then
		continue
	fi
	build_standin "$ref" "$dir" "$hash"
done
say "all images present: $(printf '%s ' "${selected[@]%%=*}")"
