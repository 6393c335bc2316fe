#!/bin/sh
# The entry point of the image's second use (/usr/local/bin/
# concertation-notify-entrypoint, the "notify" service of compose.yaml):
# concertation-notify, sending the registrations' e-mails.  The secrets
# go into files of /run/concertation (mode 0600), never on the command
# line; each value is checked against the characters it may hold.
#
#   CONCERTATION_SECRET         the site's secret (the cancellation links
#   CONCERTATION_SECRET_FILE    are signed with it), or a file holding it
#   CONCERTATION_REDIS          host:port of Redis (redis:6379)
#   CONCERTATION_REDIS_PASSWORD_FILE  a file holding Redis's password,
#                               when it has one (a mounted secret)
#   CONCERTATION_SITE           the site's address, in the links
#                               (https://concertation-ess.normandie.fr)
#   CONCERTATION_SMTP           the relay: smtp://host:port or smtps://...
#   CONCERTATION_SMTP_STARTTLS  "yes": require STARTTLS on smtp://
#   CONCERTATION_SMTP_USER      authenticate as, with
#   CONCERTATION_SMTP_PASSWORD  this password (or _FILE: a file)
#   CONCERTATION_MAIL_FROM      the sender (concertation-ess@normandie.fr)
#   CONCERTATION_REMINDER       the reminder before an event (48h)
set -eu

run=/run/concertation

fail() {
    echo "concertation-notify-entrypoint: $*" >&2
    exit 1
}

check() {
    case $2 in
        '' | *[!$3]*) fail "$1 is empty or holds a character other than [$3]" ;;
    esac
}

secret=${CONCERTATION_SECRET:-}
if [ -z "$secret" ] && [ -n "${CONCERTATION_SECRET_FILE:-}" ]; then
    secret=$(tr -d ' \r\n' < "$CONCERTATION_SECRET_FILE")
fi
[ "${#secret}" -ge 16 ] || fail "set CONCERTATION_SECRET (at least 16 characters)"
check CONCERTATION_SECRET "$secret" 'A-Za-z0-9+/=_.-'

redis=${CONCERTATION_REDIS:-redis:6379}
check CONCERTATION_REDIS "$redis" 'A-Za-z0-9.:_/-'
site=${CONCERTATION_SITE:-https://concertation-ess.normandie.fr}
check CONCERTATION_SITE "$site" 'A-Za-z0-9.:/_-'
smtp=${CONCERTATION_SMTP:-}
check CONCERTATION_SMTP "$smtp" 'A-Za-z0-9.:/_-'
from=${CONCERTATION_MAIL_FROM:-concertation-ess@normandie.fr}
check CONCERTATION_MAIL_FROM "$from" 'A-Za-z0-9.@_+-'
reminder=${CONCERTATION_REMINDER:-48h}
check CONCERTATION_REMINDER "$reminder" '0-9smhd'

umask 077
printf '%s\n' "$secret" > "$run/notify-secret"

set -- --redis "$redis" --events /etc/concertation/events.json \
    --secret-file "$run/notify-secret" --site "$site" --smtp "$smtp" \
    --from "$from" --reminder "$reminder"

if [ -n "${CONCERTATION_REDIS_PASSWORD_FILE:-}" ]; then
    [ -r "$CONCERTATION_REDIS_PASSWORD_FILE" ] \
        || fail "cannot read CONCERTATION_REDIS_PASSWORD_FILE $CONCERTATION_REDIS_PASSWORD_FILE"
    set -- "$@" --redis-password-file "$CONCERTATION_REDIS_PASSWORD_FILE"
fi

if [ "${CONCERTATION_SMTP_STARTTLS:-}" = yes ]; then
    set -- "$@" --starttls
fi

if [ -n "${CONCERTATION_SMTP_USER:-}" ]; then
    check CONCERTATION_SMTP_USER "$CONCERTATION_SMTP_USER" 'A-Za-z0-9.@_+-'
    if [ -n "${CONCERTATION_SMTP_PASSWORD_FILE:-}" ]; then
        cp "$CONCERTATION_SMTP_PASSWORD_FILE" "$run/notify-smtp-password"
    else
        printf '%s\n' "${CONCERTATION_SMTP_PASSWORD:-}" > "$run/notify-smtp-password"
    fi
    set -- "$@" --smtp-user "$CONCERTATION_SMTP_USER" \
        --smtp-password-file "$run/notify-smtp-password"
fi

exec /usr/local/bin/concertation-notify "$@"
