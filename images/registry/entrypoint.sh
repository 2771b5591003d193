#!/bin/sh
# The official registry:2 image's entrypoint: a configuration file as the
# first argument, or one of registry's own commands or flags, runs registry;
# anything else runs as a command. registry is exec'd, so it is PID 1 and
# stops on SIGTERM.
set -e

case "$1" in
*.yaml | *.yml) set -- registry serve "$@" ;;
serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac

exec "$@"
