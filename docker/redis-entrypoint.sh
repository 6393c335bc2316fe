#!/bin/sh
# The entry point of compose.yaml's redis service: Redis's password, a
# compose secret, written into a configuration file that redis-server
# reads first, so that it is never on a command line ("docker top" and
# "ps" show those) nor in the environment ("docker inspect").  Then the
# redis image's own entry point (which runs redis-server as the user
# "redis") with the command given, that file put after redis-server.
#
#   REDIS_PASSWORD_FILE  the password (/run/secrets/redis_password): at
#                        least 16 characters among A-Z a-z 0-9 (e.g. 48
#                        hex digits)
#   REDIS_AUTH_CONF      the file written (/tmp/redis-auth.conf)
#
# Arguments: redis-server and its options (compose.yaml's command).
set -eu

fail() {
    echo "redis-entrypoint: $*" >&2
    exit 1
}

file=${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}
conf=${REDIS_AUTH_CONF:-/tmp/redis-auth.conf}
[ -r "$file" ] || fail "cannot read REDIS_PASSWORD_FILE $file"
password=$(tr -d '\r\n' < "$file")
[ "${#password}" -ge 16 ] || fail "the Redis password must hold at least 16 characters"
case $password in
    *[!A-Za-z0-9]*) fail "the Redis password holds a character other than A-Z a-z 0-9" ;;
esac
[ "${1:-}" = redis-server ] || fail "the command must start with redis-server"
shift

umask 077
printf 'requirepass %s\n' "$password" > "$conf"
if [ "$(id -u)" = 0 ] && id redis > /dev/null 2>&1; then
    chown redis "$conf"
fi

if command -v docker-entrypoint.sh > /dev/null 2>&1; then
    exec docker-entrypoint.sh redis-server "$conf" "$@"
fi
exec redis-server "$conf" "$@"
