#!/bin/sh
# The image's entry point (/usr/local/bin/concertation-entrypoint): writes
# what differs from one deployment to another into the two files that
# the image's nginx.conf includes (docker/nginx.overrides), then runs nginx
# in the foreground as the
# container's (unprivileged) user.  nginx reads no environment variable in
# its configuration, hence the files.  Each value is checked against the
# characters it may hold, so that nothing from the environment can add a
# directive.
#
#   CONCERTATION_SECRET       the key of the pseudonymised client keys and
#                             tokens: at least 16 characters among
#                             A-Z a-z 0-9 + / = _ . - (e.g. 48 hex digits)
#   CONCERTATION_SECRET_FILE  or a file holding it (a mounted secret)
#   CONCERTATION_REDIS        host:port of Redis (redis:6379)
#   CONCERTATION_REDIS_PASSWORD_FILE
#                             a file holding Redis's password (requirepass;
#                             a mounted secret), when it has one: at least
#                             16 printable characters, no space, " or \
#   CONCERTATION_LISTEN       [IPv4 address:]port nginx listens on (8080)
#   CONCERTATION_ORIGIN       the origins allowed to post
#                             (https://concertation-ess.normandie.fr)
#   CONCERTATION_WINDOW       "start end" in RFC 3339, to replace the 2022
#                             window of nginx.conf (unset: kept)
#   CONCERTATION_STATUS_LISTEN  [IPv4 address:]port of the monitoring
#                             listener, /status (9145; not published)
#
# Arguments are nginx's (the image's CMD: -g "daemon off;").
set -eu

run=/run/concertation
conf=/etc/concertation/nginx.conf

fail() {
    echo "concertation-entrypoint: $*" >&2
    exit 1
}

# $1: name, $2: value, $3: the characters it may hold (a case pattern)
check() {
    case $2 in
        '' | *[!$3]*) fail "$1 is empty or holds a character other than [$3]" ;;
    esac
}

secret=${CONCERTATION_SECRET:-}
if [ -z "$secret" ] && [ -n "${CONCERTATION_SECRET_FILE:-}" ]; then
    [ -r "$CONCERTATION_SECRET_FILE" ] \
        || fail "cannot read CONCERTATION_SECRET_FILE $CONCERTATION_SECRET_FILE"
    secret=$(tr -d ' \r\n' < "$CONCERTATION_SECRET_FILE")
fi
[ -n "$secret" ] || fail "set CONCERTATION_SECRET or CONCERTATION_SECRET_FILE"
[ "${#secret}" -ge 16 ] || fail "the secret must hold at least 16 characters"
check CONCERTATION_SECRET "$secret" 'A-Za-z0-9+/=_.-'

redis=${CONCERTATION_REDIS:-redis:6379}
check CONCERTATION_REDIS "$redis" 'A-Za-z0-9.:_/-'

listen=${CONCERTATION_LISTEN:-8080}
check CONCERTATION_LISTEN "$listen" 'A-Za-z0-9.:'

origin=${CONCERTATION_ORIGIN:-https://concertation-ess.normandie.fr}
check CONCERTATION_ORIGIN "$origin" 'A-Za-z0-9.:/ -'

password=
if [ -n "${CONCERTATION_REDIS_PASSWORD_FILE:-}" ]; then
    [ -r "$CONCERTATION_REDIS_PASSWORD_FILE" ] \
        || fail "cannot read CONCERTATION_REDIS_PASSWORD_FILE $CONCERTATION_REDIS_PASSWORD_FILE"
    password=$(tr -d '\r\n' < "$CONCERTATION_REDIS_PASSWORD_FILE")
    [ "${#password}" -ge 16 ] \
        || fail "the Redis password must hold at least 16 characters"
    # printable ASCII but space, " and \ (it is written between quotes)
    [ -z "$(printf '%s' "$password" | LC_ALL=C tr -d '!#-[]-~')" ] \
        || fail "the Redis password holds a space, a quote, a backslash or a non-ASCII character"
fi

status_listen=${CONCERTATION_STATUS_LISTEN:-9145}
check CONCERTATION_STATUS_LISTEN "$status_listen" '0-9.:'

window=${CONCERTATION_WINDOW:-}
if [ -n "$window" ]; then
    check CONCERTATION_WINDOW "$window" '0-9T:+Z -'
fi

umask 077
{
    echo "concertation_redis   $redis;"
    if [ -n "$password" ]; then
        echo "concertation_redis_password  \"$password\";"
    fi
    echo "concertation_secret  \"$secret\";"
} > "$run/http.conf"

umask 022
{
    echo "listen  $listen;"
    echo "concertation_origin  $origin;"
    if [ -n "$window" ]; then
        echo "concertation_window  $window;"
    fi
} > "$run/server.conf"
echo "listen  $status_listen;" > "$run/status.conf"

# a configuration error is told here, before the container claims to run
nginx -q -t -c "$conf"
exec nginx -c "$conf" "$@"
