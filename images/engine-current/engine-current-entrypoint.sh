#!/bin/bash
# The current engine sets per-interface sysctls of its containers (IPv6 off
# on eth0, among others), which a container's read-only /proc/sys refuses:
# "failed to disable IPv6 on container's interface eth0". The container has
# CAP_SYS_ADMIN, so it can make its own /proc/sys writable.
#
# Unless the flags choose a storage driver, the containerd image store's
# overlayfs snapshotter, as a fresh Docker 29 install has it (the stand-in's
# dockerd-entrypoint.sh would pick the overlay2 graph driver). Then
# dockerd-entrypoint.sh does the rest.
set -euo pipefail
mount -o remount,rw /proc/sys
storage=--storage-driver=overlayfs
for arg in "$@"; do
	case $arg in
	--storage-driver | --storage-driver=* | -s) storage= ;;
	esac
done
exec dockerd-entrypoint.sh "$@" ${storage:+"$storage"}
