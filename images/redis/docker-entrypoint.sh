#!/usr/bin/env bash
# Entrypoint of the redis:7 stand-in, after the official image's: flags alone
# go to redis-server, protected mode is off unless asked for, and redis-server
# runs as the redis user.
set -euo pipefail

if [[ ${1:0:1} == '-' || $1 == *.conf ]]; then
	set -- redis-server "$@"
fi

if [[ $1 == redis-server ]]; then
	if [[ $(id -u) == 0 ]]; then
		chown -R redis:redis /data 2>/dev/null || true
		exec setpriv --reuid=redis --regid=redis --init-groups "${BASH_SOURCE[0]}" "$@"
	fi
	if [[ " $* " != *" --protected-mode "* ]]; then
		set -- "$@" --protected-mode no
	fi
fi

exec "$@"
