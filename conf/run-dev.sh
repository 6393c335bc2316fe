#!/usr/bin/env bash
# `make run`: a private Redis and nginx with the module, in the foreground.
# Everything lives in build/run/; Ctrl-C stops both servers this started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run=$root/build/run
port=${PORT:-8080}
redis_port=${REDIS_PORT:-6380}
module=${CONCERTATION_MODULE:-$root/build/ngx_http_concertation_module.so}

mkdir -p "$run/redis" "$run/tmp"

# the consultation window around today, in local time with its offset
window_start=${WINDOW_START:-$(date -d yesterday +%Y-%m-%dT00:00:00%:z)}
window_end=${WINDOW_END:-$(date -d '60 days' +%Y-%m-%dT23:59:59%:z)}

if [ ! -s "$run/secret" ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$run/secret"
fi

sed -e "s|@ROOT@|$root|g" -e "s|@RUN@|$run|g" -e "s|@MODULE@|$module|g" \
    -e "s|@PORT@|$port|g" -e "s|@REDIS_PORT@|$redis_port|g" \
    -e "s|@SECRET@|$(cat "$run/secret")|g" \
    -e "s|@WINDOW_START@|$window_start|g" -e "s|@WINDOW_END@|$window_end|g" \
    "$root/conf/nginx.dev.conf" > "$run/nginx.conf"

redis_pid=
nginx_pid=

stop() {
    trap - INT TERM EXIT
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

nginx -q -t -p "$run" -c "$run/nginx.conf" -e "$run/error.log"
nginx -p "$run" -c "$run/nginx.conf" -e "$run/error.log" -g 'daemon off;' &
nginx_pid=$!

cat <<MSG

  concertation is running:
    site           http://127.0.0.1:$port/
    questionnaire  http://127.0.0.1:$port/questionnaire.html
                   open from $window_start to $window_end
    API            POST http://127.0.0.1:$port/api/questionnaire
    answers        redis-cli -p $redis_port XRANGE concertation:questionnaire - +
    logs           $run/error.log, $run/access.log, $run/redis.log

  Ctrl-C stops nginx and Redis.

MSG

wait "$nginx_pid"
