#!/usr/bin/env bash
# `make run`: a private Redis, nginx with the module, a mail catcher and
# concertation-notify sending the registrations' e-mails to it, in the
# foreground.  Everything lives in build/run/ (the e-mails as files in
# build/run/mail/); Ctrl-C stops every process this started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run=${RUN_DIR:-$root/build/run}
port=${PORT:-8080}
status_port=${STATUS_PORT:-8081}
redis_port=${REDIS_PORT:-6380}
module=${CONCERTATION_MODULE:-$root/build/ngx_http_concertation_module.so}
notify=${CONCERTATION_NOTIFY:-$root/build/concertation-notify}
smtp_port=${SMTP_PORT:-2525}
nginx=${CONCERTATION_NGINX:-nginx}

mkdir -p "$run/redis" "$run/tmp" "$run/mail"

# the consultation window around today, in local time with its offset
window_start=${WINDOW_START:-$(date -d yesterday +%Y-%m-%dT00:00:00%:z)}
window_end=${WINDOW_END:-$(date -d '60 days' +%Y-%m-%dT23:59:59%:z)}

# the secret, shared by nginx (secret.conf) and the notifier (secret)
if [ ! -s "$run/secret" ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$run/secret")
fi
(umask 077; printf 'concertation_secret %s;\n' "$(cat "$run/secret")" > "$run/secret.conf")

# production's configuration with the overrides of conf/dev.overrides
perl "$root/tools/conf-derive" \
    -i "/etc/nginx/sites-available/concertation=$root/conf/concertation.site.conf" \
    -D "ROOT=$root" -D "RUN=$run" -D "MODULE=$module" -D "PORT=$port" \
    -D "STATUS_PORT=$status_port" -D "REDIS_PORT=$redis_port" \
    -D "WINDOW_START=$window_start" -D "WINDOW_END=$window_end" \
    "$root/conf/nginx.prod.conf" "$root/conf/dev.overrides" ${DEV_OVERRIDES:-} \
    > "$run/nginx.conf.new"
mv "$run/nginx.conf.new" "$run/nginx.conf"

redis_pid=
nginx_pid=
catcher_pid=
notify_pid=

stop() {
    trap - INT TERM EXIT
    for pid in "$notify_pid" "$catcher_pid"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid"
        wait "$nginx_pid" 2>/dev/null || true
    fi
    if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
        kill -TERM "$redis_pid"
        wait "$redis_pid" 2>/dev/null || true
    fi
    echo "stopped."
}
trap stop INT TERM EXIT

redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$run/redis" \
    --appendonly yes --appendfsync everysec --save '' \
    --maxmemory-policy noeviction --daemonize no \
    > "$run/redis.log" 2>&1 &
redis_pid=$!

for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    kill -0 "$redis_pid" 2>/dev/null || { cat "$run/redis.log"; exit 1; }
    sleep 0.1
done

# the registrations' e-mails: a catcher on loopback keeps each message
# as a file, concertation-notify sends them there
/usr/bin/python3 "$root/t/lib/smtp_catcher.py" --listen "127.0.0.1:$smtp_port" \
    --dir "$run/mail" > "$run/catcher.log" 2>&1 &
catcher_pid=$!
for _ in $(seq 50); do
    grep -q ready "$run/catcher.log" 2>/dev/null && break
    kill -0 "$catcher_pid" 2>/dev/null || { cat "$run/catcher.log"; exit 1; }
    sleep 0.1
done
"$notify" --redis "127.0.0.1:$redis_port" \
    --events "$root/conf/events.demo.json" --secret-file "$run/secret" \
    --site "http://127.0.0.1:$port" --smtp "smtp://127.0.0.1:$smtp_port" \
    --from concertation-ess@normandie.fr --metrics "$run/notify.prom" \
    > "$run/notify.log" 2>&1 &
notify_pid=$!

"$nginx" -q -t -p "$run" -c "$run/nginx.conf" -e "$run/error.log"
"$nginx" -p "$run" -c "$run/nginx.conf" -e "$run/error.log" -g 'daemon off;' &
nginx_pid=$!

# "running" once both listeners answer (nginx binds them, then forks its
# workers; under a sanitizer that takes seconds), at most 30 s
deadline=$((SECONDS + 30))
until curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/" \
    && curl -s -o /dev/null -m 2 "http://127.0.0.1:$status_port/status"; do
    kill -0 "$nginx_pid" 2>/dev/null || { tail -n 20 "$run/error.log"; exit 1; }
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "nginx does not answer on 127.0.0.1:$port after 30 s"
        tail -n 20 "$run/error.log"
        exit 1
    fi
    sleep 0.1
done

cat <<MSG

  concertation is running:
    site           http://127.0.0.1:$port/
    questionnaire  http://127.0.0.1:$port/questionnaire.html
                   open from $window_start to $window_end
    API            POST http://127.0.0.1:$port/api/questionnaire
                   (five posts at once from one address, refused ones
                   included; the sixth within the minute gets 429, then
                   one every 6 s: conf/dev.overrides)
    registrations  http://127.0.0.1:$port/inscription.html
    e-mails sent   $run/mail/ (one .eml file per message; notify.log)
    answers        redis-cli -p $redis_port XRANGE concertation:questionnaire - +
    counters       http://127.0.0.1:$status_port/status
    configuration  $run/nginx.conf: production's, with conf/dev.overrides
    logs           $run/error.log, $run/concertation.access.log,
                   $run/redis.log

  Ctrl-C stops nginx, Redis, the mail catcher and the notifier.

MSG

wait "$nginx_pid"
