#!/usr/bin/env bash
# Entrypoint of the postgres:15 stand-in. Follows the official image: reads
# POSTGRES_USER/PASSWORD/DB (and their _FILE variants), runs initdb on an empty
# PGDATA with a server that listens on the unix socket only (so TCP probes stay
# honest until the database is ready), then execs postgres as the postgres user.
set -euo pipefail

# file_env VAR [DEFAULT]: VAR or the contents of the file named by VAR_FILE.
file_env() {
	local var=$1 def=${2:-}
	local file_var="${var}_FILE"
	if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
		echo "error: both $var and $file_var are set (but are exclusive)" >&2
		exit 1
	fi
	local val=$def
	if [[ -n ${!var:-} ]]; then
		val=${!var}
	elif [[ -n ${!file_var:-} ]]; then
		val=$(<"${!file_var}")
	fi
	export "$var"="$val"
	unset "$file_var"
}

if [[ ${1:0:1} == '-' ]]; then
	set -- postgres "$@"
fi

if [[ $1 != postgres ]]; then
	exec "$@"
fi

if [[ $(id -u) == 0 ]]; then
	mkdir -p "$PGDATA"
	chown postgres:postgres "$PGDATA"
	chmod 700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

# A first start that was stopped or killed before it finished leaves its
# work in $PGDATA/.initdb (PG_VERSION moves into place last, so there is no
# cluster yet): start over rather than run on a half-made one.
if [[ ! -s $PGDATA/PG_VERSION && -d $PGDATA/.initdb ]]; then
	echo "initdb: an earlier initialisation did not finish; starting it again"
	find "$PGDATA" -mindepth 1 -delete
fi

if [[ ! -s $PGDATA/PG_VERSION ]]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	auth_method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [[ -z $POSTGRES_PASSWORD && $auth_method != trust ]]; then
		cat >&2 <<-'EOM'
			Error: Database is uninitialized and superuser password is not specified.
			       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value,
			       or POSTGRES_HOST_AUTH_METHOD=trust to allow connections without one.
		EOM
		exit 1
	fi

	# The cluster is built aside, in $PGDATA/.initdb, and moved into place
	# only once complete.
	staging=$PGDATA/.initdb
	echo "initdb: creating a database cluster in $PGDATA for user $POSTGRES_USER"
	# As PID 1 the shell would ignore a stop signal; end the set-up at once
	# instead, and let the next start redo it.
	trap 'pg_ctl -D "$staging" -m immediate stop >/dev/null 2>&1; exit 143' INT TERM
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words on purpose.
	initdb -D "$staging" --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
		--auth-host="$auth_method" $POSTGRES_INITDB_ARGS >/dev/null
	rm -f "$pwfile"
	printf '\nhost all all all %s\n' "$auth_method" >>"$staging/pg_hba.conf"
	printf "\nlisten_addresses = '*'\n" >>"$staging/postgresql.conf"

	# A temporary server on the unix socket only: nothing can connect over TCP
	# while the database is being set up.
	pg_ctl -D "$staging" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
	if [[ $POSTGRES_DB != postgres ]]; then
		psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -q \
			--set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sh)
			echo "initdb: running $f"
			# shellcheck disable=SC1090 # the scripts are the user's.
			. "$f"
			;;
		*.sql) echo "initdb: running $f"; psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -q -f "$f" ;;
		*) ;;
		esac
	done
	pg_ctl -D "$staging" -m fast -w stop >/dev/null
	find "$staging" -mindepth 1 -maxdepth 1 ! -name PG_VERSION -exec mv -t "$PGDATA" {} +
	mv "$staging/PG_VERSION" "$PGDATA/PG_VERSION"
	rmdir "$staging"
	trap - INT TERM
	unset POSTGRES_PASSWORD
	echo "initdb: done; starting postgres"
fi

exec "$@"
