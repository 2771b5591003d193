#!/bin/bash
# The stand-in's dockerd-entrypoint.sh, after the official docker:dind's:
# with no arguments, or a first argument that is a flag, it runs dockerd with
# them; anything else runs as a command. dockerd listens on the unix socket
# and on tcp://0.0.0.0:2375 without TLS unless the flags name --host
# themselves.
#
# Unless the flags choose one, the storage driver is overlay2 when an overlay
# mount works in /var/lib/docker (the container's own volume, so not overlay
# on overlay) and vfs otherwise.
#
# For nesting without --privileged, pass --cgroup-parent=/<unique name>, so
# the inner containers' cgroups sit beside, not inside, the host engine's
# /docker. What the inner engine leaves under that parent when it stops
# cleanly is removed on the way out; after a SIGKILL it is the caller's to
# remove.
set -euo pipefail

say() { echo "dockerd-entrypoint: $*" >&2; }

if [[ -n ${DOCKER_TLS_CERTDIR:-} ]]; then
	say "DOCKER_TLS_CERTDIR=${DOCKER_TLS_CERTDIR}: this stand-in serves no TLS; set it empty"
	exit 1
fi

if [[ $# -eq 0 || $1 == -* ]]; then
	set -- dockerd "$@"
fi
if [[ $1 != dockerd ]]; then
	exec "$@"
fi

has_flag() { # has_flag NAME... : whether the dockerd arguments name a flag
	local arg name
	for arg in "${args[@]}"; do
		for name in "$@"; do
			[[ $arg == "$name" || $arg == "$name"=* ]] && return 0
		done
	done
	return 1
}

args=("${@:2}")
if ! has_flag --host -H; then
	# --tls=false says plain TCP is meant; without it dockerd stalls its start
	# for 15 seconds to warn about it.
	args+=(--host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375 --tls=false)
fi

overlay_works() {
	local probe
	probe=$(mktemp -d /var/lib/docker/.overlay-probe.XXXXXX) || return 1
	mkdir "$probe"/{lower,upper,work,merged}
	local ok=1
	if mount -t overlay overlay \
		-o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
		"$probe/merged" 2>/dev/null; then
		ok=0
		umount "$probe/merged"
	fi
	rm -rf "$probe"
	return "$ok"
}

if ! has_flag --storage-driver -s; then
	mkdir -p /var/lib/docker
	if overlay_works; then
		args+=(--storage-driver=overlay2)
	else
		say "overlay mounts fail in /var/lib/docker; using the vfs storage driver"
		args+=(--storage-driver=vfs)
	fi
fi

cgroup_parent=""
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--cgroup-parent=*) cgroup_parent=${args[i]#--cgroup-parent=} ;;
	--cgroup-parent) cgroup_parent=${args[i + 1]:-} ;;
	esac
done

# dockerd as a child, so its cgroups can be tidied once it has stopped.
rm -f /var/run/docker.pid
say "dockerd ${args[*]}"
dockerd "${args[@]}" &
dockerd_pid=$!
trap 'kill -TERM "$dockerd_pid" 2>/dev/null || true' TERM INT
status=0
while :; do
	wait "$dockerd_pid" && status=0 || status=$?
	# wait returns early, above 128, when a trapped signal arrives.
	kill -0 "$dockerd_pid" 2>/dev/null || break
done

if [[ $cgroup_parent == /* && $cgroup_parent != / ]]; then
	# Deepest first; a directory that still holds processes stays.
	for hierarchy in /sys/fs/cgroup /sys/fs/cgroup/*; do
		dir=${hierarchy}${cgroup_parent}
		[[ -d $dir ]] || continue
		find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
fi
exit "$status"
