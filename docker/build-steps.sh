#!/usr/bin/env bash
# Replays docker/Dockerfile on this Debian 12 machine, without a container
# engine, so that the image recipe cannot rot unseen (t/21-docker.t runs
# it):
#
# 1. the Dockerfile is read instruction by instruction (a perl reader turns
#    each into a call of a df_* function below); an instruction, or a
#    command of the runtime stage, that this script does not know fails it;
# 2. the build stage runs for real, in a clean Debian 12 root that Debian's
#    mmdebstrap makes from the mirror (what debian:12 has, nothing of this
#    machine's; run as root, in a chroot): its COPY lines copy the repository
#    (filtered by docker/Dockerfile.dockerignore) into a scratch stage, its
#    RUN lines run there with /bin/sh -c as written (apt-get, make
#    deps-build, make install DESTDIR=..., docker/install.sh), an ARG path
#    (DESTDIR) the root's own;
# 3. the runtime stage: the packages of its apt-get line must be installed
#    here; "COPY --from=build" copies the stage's files into a scratch root;
#    useradd is replayed by an unprivileged user of this machine ("nobody"
#    when run as root, else the caller), chown by chown to that user;
# 4. the absolute paths of the files under the root's /etc and of the entry
#    point that exist in the scratch root are moved into it, and the entry
#    point is started as that user, with the Dockerfile's ENV, a private
#    redis-server started with docker/compose.yaml's command (as that user,
#    on loopback), a port of its own on 127.0.0.1 and the consultation
#    window around today;
# 5. checks, one "ok - ..." or "not ok - ..." line each: the page answers
#    with the security headers, the HEALTHCHECK command passes, the
#    monitoring listener answers 127.0.0.1 (Redis up, with its password), the processes run unprivileged, a
#    questionnaire answer (with the form token of /api/jeton, after the
#    configured fill time) is 201 and in the Redis stream, and in the
#    access log with its outcome and id;
# 6. stops what it started, by pid (nginx with the STOPSIGNAL), and removes
#    the scratch directory unless something failed or BUILD_STEPS_KEEP=1.
#
# Exit status: 0 when every check passed.  BUILD_STEPS_DIR picks the
# scratch directory (created when missing, default a new one in /tmp);
# BUILD_STEPS_SAVE_CONF names a file to copy the image's nginx.conf to.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ctx=$(cd "$here/.." && pwd)
dockerfile=$here/Dockerfile
ignore=$here/Dockerfile.dockerignore
compose=$here/compose.yaml

scratch=${BUILD_STEPS_DIR:-$(mktemp -d /tmp/concertation-build-steps.XXXXXX)}
mkdir -p "$scratch"
chmod 0755 "$scratch"
root=$scratch/root
log=$scratch/build.log
: > "$log"

failed=0
nginx_pid=
redis_pid=
stopsignal=TERM
declare -A stage_root=()
stage=
stage_name=
workdir=/
runtime=0
run_user=
declare -a stage_env=()
declare -a build_roots=()
declare -a mounted=()
declare -a runtime_env=()
declare -a entrypoint=()
declare -a cmd=()
healthcheck=
container_user=

say() { printf '%s\n' "$*"; }
ok() { say "ok - $*"; }
not_ok() { say "not ok - $*"; failed=1; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
die() {
    say "not ok - $*"
    failed=1
    exit 1
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    unmount_all
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill "-$stopsignal" "$nginx_pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$nginx_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] || failed=1
    if [ "$failed" -eq 0 ]; then
        if [ "${BUILD_STEPS_KEEP:-0}" = 1 ]; then
            say "build-steps: PASS (files kept in $scratch)"
        else
            rm -rf --one-file-system "$scratch"
            say "build-steps: PASS"
        fi
    else
        say "build-steps: FAIL (files left in $scratch)"
    fi
    [ "$failed" -eq 0 ] && exit 0 || exit 1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the unprivileged user that stands in for the image's -----------------

# (an array, not a function: "${as_user[@]}" cmd & is the command's own
# pid, where a function would run in a subshell of its own)
if [ "$(id -u)" = 0 ]; then
    run_user=nobody
    run_group=$(id -gn nobody)
    as_user=(setpriv --reuid="$run_user" --regid="$run_group" --clear-groups --)
else
    run_user=$(id -un)
    run_group=$(id -gn)
    as_user=()
fi

# ---- the Dockerfile's instructions --------------------------------------

# the build context, filtered by the ignore file, copied to $2 ($1: a path
# of the context, "." for all of it)
copy_context() {
    perl -MFile::Find -MFile::Path=make_path -MFile::Copy=copy -e '
        my ($ctx, $ignore, $src, $dest, $into) = @ARGV;
        my @re;
        if (open my $fh, "<", $ignore) {
            while (<$fh>) {
                chomp; s/^\s+|\s+$//g;
                next if $_ eq "" || /^#/;
                s{^/+|/+$}{}g;
                my $p = join "", map {
                    $_ eq "**/" ? "(?:.*/)?" : $_ eq "**" ? ".*"
                    : $_ eq "*" ? "[^/]*" : $_ eq "?" ? "[^/]" : quotemeta
                } split m{(\*\*/|\*\*|\*|\?)};
                push @re, qr{^$p(?:/|$)};
            }
        }
        my $ignored = sub { my $r = shift; grep { $r =~ $_ } @re };
        $src =~ s{^\./?|/+$}{}g;
        die "COPY $src: ignored by $ignore\n" if $src ne "" && $ignored->($src);
        my $from = $src eq "" ? $ctx : "$ctx/$src";
        die "COPY $src: not in the context\n" unless -e $from;
        if (-f $from) {
            my $to = $into || -d $dest || $dest =~ m{/$}
                     ? "$dest/" . ($src =~ s{.*/}{}r) : $dest;
            (my $dir = $to) =~ s{/[^/]*$}{};
            make_path($dir);
            copy($from, $to) or die "copy $from: $!\n";
            chmod((stat $from)[2] & 07777, $to);
            exit 0;
        }
        make_path($dest);
        find({ no_chdir => 1, wanted => sub {
            my $rel = substr($File::Find::name, length $ctx) =~ s{^/}{}r;
            return if $rel eq "" || $File::Find::name eq $from;
            if ($ignored->($rel)) { $File::Find::prune = 1; return }
            my $to = "$dest/" . substr($File::Find::name, length($from) + 1);
            if (-l $File::Find::name) {
                symlink(readlink($File::Find::name), $to);
            } elsif (-d _) {
                make_path($to);
            } else {
                copy($File::Find::name, $to) or die "copy $rel: $!\n";
                chmod((stat $File::Find::name)[2] & 07777, $to);
            }
        } }, $from);
    ' "$ctx" "$ignore" "$@"
}

df_from() {
    local image=$1 name=$2
    case $image in
        debian:12 | debian:12-slim | debian:bookworm | debian:bookworm-slim) ;;
        *) die "FROM $image: build-steps.sh replays Debian 12 stages only" ;;
    esac
    case $(cat /etc/debian_version 2>/dev/null) in
        12.*) ;;
        *) die "this machine is not Debian 12: it cannot stand in for $image" ;;
    esac
    stage=$((${#stage_root[@]} + 1))
    stage_name=${name:-$stage}
    if [ -n "$name" ]; then
        stage_root[$name]=$scratch/stage-$name
        runtime=0
    else
        stage_root[$stage_name]=$root
        runtime=1
    fi
    rm -rf "${stage_root[$stage_name]}"
    if [ "$runtime" = 0 ]; then
        build_root "${stage_root[$stage_name]}"
    else
        mkdir -p "${stage_root[$stage_name]}"
    fi
    chmod 0755 "${stage_root[$stage_name]}"
    workdir=/
    stage_env=()
    say "# FROM $image${name:+ AS $name}: ${stage_root[$stage_name]}"
}

# A build stage's root: a clean Debian 12, as the debian:12 image is (what
# the image has, and nothing of this machine's), made by Debian's
# mmdebstrap from the mirror; its RUN lines run in it (chroot), with the
# machine's resolver to reach the mirror, and /proc and /dev mounted while
# they run.
build_root() {
    local r=$1
    say "# a clean Debian 12 root for the build stage (mmdebstrap)"
    mmdebstrap --variant=apt --quiet bookworm "$r" \
        "deb http://deb.debian.org/debian bookworm main" \
        "deb http://deb.debian.org/debian bookworm-updates main" \
        "deb http://deb.debian.org/debian-security bookworm-security main" \
        >> "$log" 2>&1 || { tail -n 30 "$log" | sed 's/^/# /'; die "mmdebstrap"; }
    cp /etc/resolv.conf "$r/etc/resolv.conf"
    build_roots+=("$r")
}

# runs a RUN line in a build stage's root
in_build_root() {
    local r=$1 dir=$2 line=$3 rc
    mount -t proc proc "$r/proc" && mounted+=("$r/proc")
    mount --bind /dev "$r/dev" && mounted+=("$r/dev")
    chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root "${stage_env[@]}" /bin/sh -c "cd '$dir' && $line"
    rc=$?
    unmount_all
    return $rc
}

unmount_all() {
    local m
    for m in "${mounted[@]}"; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    mounted=()
}

df_workdir() {
    workdir=$1
    mkdir -p "${stage_root[$stage_name]}$workdir"
}

# ARG name[=default]: a default that is an absolute path is one of the
# stage's, so it moves into the scratch stage
df_arg() {
    local name=$1 value=$2
    # a build stage runs in its own root: its paths are its own
    case $value in
        /*) [ "$runtime" = 1 ] && value=${stage_root[$stage_name]}$value ;;
    esac
    stage_env+=("$name=$value")
}

df_env() {
    stage_env+=("$1=$2")
    [ "$runtime" = 1 ] && runtime_env+=("$1=$2")
    return 0
}

# COPY [--from=stage] src... dest
df_copy() {
    local from=$1
    shift
    local dest=${*: -1} r=${stage_root[$stage_name]} n=$(($# - 1)) into=0 s
    local -a srcs=("${@:1:$n}")
    [ "$n" -gt 1 ] && into=1
    case $dest in
        /*) dest=$r$dest ;;
        *) dest=$r$workdir/$dest ;;
    esac
    if [ -n "$from" ]; then
        [ -n "${stage_root[$from]:-}" ] || die "COPY --from=$from: no such stage"
        for s in "${srcs[@]}"; do
            if [ -d "${stage_root[$from]}$s" ]; then
                mkdir -p "$dest"
                cp -a "${stage_root[$from]}$s/." "$dest/"
            else
                cp -a "${stage_root[$from]}$s" "$dest"
            fi
        done
        return 0
    fi
    for s in "${srcs[@]}"; do
        copy_context "$s" "$dest" "$into" >> "$log" 2>&1 \
            || die "COPY $s: $(tail -n 1 "$log")"
    done
}

df_run() {
    local line=$1
    if [ "$runtime" = 0 ]; then
        say "# RUN $line"
        in_build_root "${stage_root[$stage_name]}" "$workdir" "$line" \
            >> "$log" 2>&1 \
            || { tail -n 30 "$log" | sed 's/^/# /'; die "RUN $line"; }
        return 0
    fi
    runtime_run "$line"
}

# The runtime stage's RUN lines, one command (between &&) at a time.
runtime_run() {
    local part p missing pkgs user path
    local -a words
    while IFS= read -r part; do
        read -r -a words <<< "$part"
        # leading VAR=value assignments
        while [ "${#words[@]}" -gt 0 ] && [[ ${words[0]} == [A-Z_]*=* ]]; do
            words=("${words[@]:1}")
        done
        [ "${#words[@]}" -gt 0 ] || continue
        case ${words[0]} in
            apt-get)
                case ${words[1]:-} in
                    update) ;;
                    install)
                        missing=
                        pkgs=
                        for p in "${words[@]:2}"; do
                            [[ $p == -* ]] && continue
                            pkgs="$pkgs $p"
                            dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
                                | grep -q 'install ok installed' \
                                || missing="$missing $p"
                        done
                        if [ -n "$missing" ]; then
                            die "the runtime packages are installed here (missing:$missing)"
                        fi
                        ok "the runtime packages are installed here:$pkgs"
                        ;;
                    *) die "runtime step not replayed: $part" ;;
                esac
                ;;
            rm)
                case "${words[*]}" in
                    'rm -rf /var/lib/apt/lists/*') ;;
                    *) die "runtime step not replayed: $part" ;;
                esac
                ;;
            useradd)
                container_user=${words[${#words[@]}-1]}
                say "# useradd $container_user: $run_user stands in for it"
                ;;
            chown)
                user=${words[1]%%:*}
                [ "$user" = "$container_user" ] \
                    || die "chown to $user, not the image's user $container_user"
                for path in "${words[@]:2}"; do
                    [[ $path == -* ]] && die "chown option not replayed: $part"
                    [ -e "$root$path" ] || die "chown $path: not in the image"
                    chown "$run_user:$run_group" "$root$path" \
                        || die "chown $root$path"
                done
                ;;
            *) die "runtime step not replayed: $part" ;;
        esac
    done < <(printf '%s\n' "$1" | sed 's/[[:space:]]*&&[[:space:]]*/\n/g')
}

df_user() {
    case $1 in
        root | 0 | 0:*) die "USER $1: the image must run nginx unprivileged" ;;
    esac
    [ "$1" = "$container_user" ] || [ "${1%%:*}" = 10001 ] \
        || die "USER $1 is not the user created by useradd ($container_user)"
    ok "the runtime stage runs as $1 ($run_user here)"
}

df_expose() { :; }
df_volume() {
    local v
    for v in "$@"; do
        [ -d "$root$v" ] || die "VOLUME $v: no such directory in the image"
    done
}
df_stopsignal() { stopsignal=${1#SIG}; }
df_healthcheck() { healthcheck=$1; }
df_entrypoint() { entrypoint=("$@"); }
df_cmd() { cmd=("$@"); }

# The Dockerfile as calls of the functions above, one per instruction.
translate() {
    perl -MJSON::PP -e '
        my %fn = map { $_ => 1 } qw(from workdir arg env copy run user
            expose volume stopsignal healthcheck entrypoint cmd);
        sub shq { my $s = shift; $s =~ s/\x27/\x27\\\x27\x27/g; "\x27$s\x27" }
        open my $fh, "<", $ARGV[0] or die "$ARGV[0]: $!\n";
        my ($line, @ins) = ("");
        while (my $l = <$fh>) {
            chomp $l;
            next if $l =~ /^\s*#/ || ($line eq "" && $l =~ /^\s*$/);
            if ($l =~ s/\\\s*$//) { $line .= "$l "; next }
            push @ins, $line . $l;
            $line = "";
        }
        push @ins, $line if $line =~ /\S/;
        for my $i (@ins) {
            my ($kw, $rest) = $i =~ /^\s*(\w+)\s+(.*?)\s*$/
                or die "cannot read: $i\n";
            $kw = lc $kw;
            die "instruction not replayed: \U$kw\E\n" unless $fn{$kw};
            my @a;
            if ($kw eq "from") {
                my ($img, $name) = $rest =~ /^(\S+)(?:\s+AS\s+(\S+))?$/i
                    or die "FROM: $rest\n";
                @a = ($img, $name // "");
            } elsif ($kw eq "arg" || $kw eq "env") {
                my ($n, $v) = $rest =~ /^(\w+)(?:[=\s]\s*(.*))?$/ or die "$kw: $rest\n";
                $v //= ""; $v =~ s/^"(.*)"$/$1/;
                @a = ($n, $v);
            } elsif ($kw eq "copy") {
                my $from = "";
                $from = $1 while $rest =~ s/^--from=(\S+)\s+//;
                die "COPY option not replayed: $rest\n" if $rest =~ /^--/;
                @a = ($from, split " ", $rest);
            } elsif ($kw eq "healthcheck") {
                $rest =~ s/^(--\S+\s+)*//;
                $rest =~ s/^CMD\s+// or die "HEALTHCHECK: $rest\n";
                @a = ($rest);
            } elsif ($rest =~ /^\[/) {
                @a = @{ decode_json($rest) };
            } elsif ($kw eq "run") {
                @a = ($rest);
            } else {
                @a = split " ", $rest;
            }
            print "df_$kw ", join(" ", map { shq($_) } @a), "\n";
        }
    ' "$dockerfile"
}

translate > "$scratch/steps" || die "cannot read $dockerfile"
# shellcheck disable=SC1091
. "$scratch/steps"
ok "docker/Dockerfile replayed: $(grep -c '^df_run' "$scratch/steps") RUN lines"

[ -n "$container_user" ] || die "the runtime stage creates no user"
[ "${#entrypoint[@]}" -gt 0 ] || die "no ENTRYPOINT"
[ -n "$healthcheck" ] || die "no HEALTHCHECK"

# ---- the image's paths, moved into the scratch root -----------------------

# An absolute path is moved when it, or its directory (not "/"), exists
# in the scratch root: /etc/concertation/..., /run/concertation/nginx.pid;
# /etc/nginx/mime.types and /dev/stdout stay this machine's.
relocate() {
    perl -i -pe '
        BEGIN { $root = shift @ARGV }
        s{(?<![\w.:/\$-])(/[\w.-]+(?:/[\w.-]+)+)}{
            my $p = $1; (my $d = $p) =~ s{/[^/]+$}{};
            -e "$root$p" || -d "$root$d" ? "$root$p" : $p
        }ge;
    ' "$root" "$@"
}

# what make install put in the image, with every library it needs
linked() { [ -e "$1" ] && ! ldd "$1" 2>&1 | grep -q 'not found'; }
check "the module is installed, its libraries found" \
    linked "$root/usr/lib/nginx/modules/ngx_http_concertation_module.so"
check "concertation-export is installed, its libraries found" \
    linked "$root/usr/local/bin/concertation-export"

# the image's nginx.conf as the build made it, for t/21-docker.t
if [ -n "${BUILD_STEPS_SAVE_CONF:-}" ]; then
    cp "$root/etc/concertation/nginx.conf" "$BUILD_STEPS_SAVE_CONF"
fi

ep=$root${entrypoint[0]}
[ -x "$ep" ] || die "ENTRYPOINT ${entrypoint[0]}: not installed by the build"
relocate "$ep" $(find "$root/etc" -type f)
unmoved='(^|[^/[:alnum:]_.-])/(etc|run|usr/share|var/spool|var/lib)/concertation'
if grep -rqE "$unmoved" "$ep" "$root/etc"; then
    die "an image path was left unmoved in $(grep -rlE "$unmoved" "$ep" "$root/etc" | head -n 1)"
fi

# ---- Redis, with the command of docker/compose.yaml ------------------------

mapfile -t redis_cmd < <(perl -ne '
    $in = 1 if /^  redis:\s*$/;
    $in = 0 if /^  \w+:\s*$/ && !/^  redis:/;
    if ($in && /^\s+command:\s*\[/) { $c = 1 }
    if ($c) { $s .= $_; if (/\]/) { print "$1\n" while $s =~ /"([^"]*)"/g; exit } }
' "$compose")
[ "${redis_cmd[0]:-}" = redis-server ] \
    || die "no redis-server command in docker/compose.yaml's redis service"

free_port() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                      Listen => 1, ReuseAddr => 1) or die;
        print $s->sockport, "\n"'
}
redis_port=$(free_port)
port=$(free_port)
status_port=$(free_port)

# with compose.yaml's entry point for it, which reads the password from
# the secret's file
grep -q '^    entrypoint: \["/usr/local/bin/redis-entrypoint"\]$' "$compose" \
    && grep -q '^      - ./redis-entrypoint.sh:/usr/local/bin/redis-entrypoint:ro$' "$compose" \
    || die "compose.yaml's redis service does not start docker/redis-entrypoint.sh"
mkdir -p "$scratch/redis"
chown "$run_user:$run_group" "$scratch/redis"
redis_password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; printf '%s\n' "$redis_password" > "$scratch/redis-password")
chown "$run_user:$run_group" "$scratch/redis-password"
: > "$scratch/redis.log"
"${as_user[@]}" env REDIS_PASSWORD_FILE="$scratch/redis-password" \
    REDIS_AUTH_CONF="$scratch/redis/auth.conf" "$here/redis-entrypoint.sh" \
    "${redis_cmd[@]}" --port "$redis_port" \
    --bind 127.0.0.1 --dir "$scratch/redis" --daemonize no \
    >> "$scratch/redis.log" 2>&1 &
redis_pid=$!
rcli() { REDISCLI_AUTH=$redis_password redis-cli -p "$redis_port" --no-auth-warning --raw "$@"; }
for _ in $(seq 100); do
    [ "$(rcli ping 2>/dev/null)" = PONG ] && break
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
done
[ "$(rcli ping 2>/dev/null)" = PONG ] \
    || { sed 's/^/# /' "$scratch/redis.log"; die "redis-server did not start"; }
noauth=$(redis-cli -p "$redis_port" --raw ping 2>&1 || true)
check "redis-server wants the password of the secret ($noauth)" \
    grep -q NOAUTH <<< "$noauth"
check "which is on no command line" \
    bash -c "! grep -qa '$redis_password' /proc/$redis_pid/cmdline"
ok "redis-server runs with compose.yaml's options: $(rcli config get appendfsync | tail -n 1) $(rcli config get maxmemory-policy | tail -n 1)"

# ---- the entry point, as the container runs it ---------------------------

secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
window="$(date -d yesterday +%Y-%m-%dT00:00:00%:z) $(date -d tomorrow +%Y-%m-%dT23:59:59%:z)"
declare -a env_run=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/ "${runtime_env[@]}"
    "CONCERTATION_LISTEN=127.0.0.1:$port"
    "CONCERTATION_REDIS=127.0.0.1:$redis_port"
    "CONCERTATION_REDIS_PASSWORD_FILE=$scratch/redis-password"
    "CONCERTATION_STATUS_LISTEN=127.0.0.1:$status_port"
    "CONCERTATION_SECRET=$secret"
    "CONCERTATION_WINDOW=$window")

touch "$scratch/stdout.log" "$scratch/stderr.log"
chown "$run_user:$run_group" "$scratch/stdout.log" "$scratch/stderr.log"
"${as_user[@]}" env -i "${env_run[@]}" "$ep" "${cmd[@]}" \
    > "$scratch/stdout.log" 2> "$scratch/stderr.log" &
nginx_pid=$!

up=0
for _ in $(seq 150); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
        up=1
        break
    fi
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
done
if [ "$up" = 0 ]; then
    sed 's/^/# /' "$scratch/stderr.log"
    die "the entry point started nginx on 127.0.0.1:$port"
fi
ok "the entry point started nginx on 127.0.0.1:$port"

# ---- checks ------------------------------------------------------------------

uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
workers=$(pgrep -P "$nginx_pid" || true)
unprivileged() {
    local p
    [ "$(uid_of "$nginx_pid")" = "$(id -u "$run_user")" ] || return 1
    [ -n "$workers" ] || return 1
    for p in $workers; do
        [ "$(uid_of "$p")" = "$(id -u "$run_user")" ] || return 1
    done
}
check "the master and its $(echo $workers | wc -w) workers run as $run_user" unprivileged

h=$scratch/home.headers
code=$(curl -s -D "$h" -o "$scratch/home.html" -w '%{http_code}' --max-time 5 \
       "http://127.0.0.1:$port/")
check "GET / answers 200 ($code)" [ "$code" = 200 ]
check "with the security headers" grep -qi '^content-security-policy: default-src' "$h"

check "the HEALTHCHECK command passes" \
    env -i "${env_run[@]}" /bin/sh -c "$healthcheck"

code=$(curl -s -o "$scratch/status.txt" -w '%{http_code}' --max-time 5 \
       "http://127.0.0.1:$status_port/status")
answered() { [ "$1" = "$2" ] && [ -s "$3" ]; }
check "the monitoring listener answers /status to 127.0.0.1 ($code)" \
    answered "$code" 200 "$scratch/status.txt"


page=$(curl -s --max-time 5 "http://127.0.0.1:$port/questionnaire.html")
check "the questionnaire page carries a form token (SSI, open window)" \
    grep -q 'name="_jeton" value="[0-9]*\.[0-9a-f]\{32\}"' <<< "$page"

origin=https://concertation-ess.normandie.fr
jeton=$(curl -s --max-time 5 "http://127.0.0.1:$port/api/jeton" \
        | sed -n 's/.*"jeton":"\([^"]*\)".*/\1/p')
min=$(sed -n 's/^[[:space:]]*concertation_form_min_time[[:space:]]*\([0-9]*\)s;.*/\1/p' \
      "$root/etc/concertation/nginx.conf" | head -n 1)
sleep "$(( ${min:-0} + 1 ))"
sed "s/^{/{\"_jeton\":\"$jeton\",/" "$ctx/t/data/questionnaire.json" \
    > "$scratch/answer.json"
code=$(curl -s -o "$scratch/answer.out" -w '%{http_code}' --max-time 5 \
       -H 'Content-Type: application/json' -H 'Accept: application/json' \
       -H "Origin: $origin" --data-binary @"$scratch/answer.json" \
       "http://127.0.0.1:$port/api/questionnaire")
id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$scratch/answer.out")
check "a questionnaire answer is 201 with its id ($code $(cat "$scratch/answer.out"))" \
    answered "$code" 201 "$scratch/answer.out"
stored() {
    [ -n "$id" ] && rcli xrange concertation:questionnaire - + | grep -qx "$id"
}
check "and is in the Redis stream concertation:questionnaire" stored
curl -s -o "$scratch/status.txt" --max-time 5 "http://127.0.0.1:$status_port/status"
check "a worker's Redis connection is up, with the password of the secret" \
    grep -q '^concertation_redis_connection_state{.*state="up"} 1$' "$scratch/status.txt"
logged() {
    grep -q "outcome=accepted id=$id" "$scratch/stdout.log"
}
for _ in $(seq 20); do logged && break; sleep 0.1; done
check "and in the access log with its outcome and id" logged

check "the spool volume belongs to the user nginx runs as" \
    "${as_user[@]}" test -w "$root/var/spool/concertation"

# ---- stop, by pid ------------------------------------------------------------

kill "-$stopsignal" "$nginx_pid"
stopped=0
for _ in $(seq 100); do
    kill -0 "$nginx_pid" 2>/dev/null || { stopped=1; break; }
    sleep 0.1
done
wait "$nginx_pid" 2>/dev/null || true
check "nginx stops on SIG$stopsignal" [ "$stopped" = 1 ]
nginx_pid=
kill -TERM "$redis_pid"
wait "$redis_pid" 2>/dev/null || true
redis_pid=

if grep -E '\[(alert|emerg)\]' "$scratch/stderr.log" > /dev/null; then
    grep -E '\[(alert|emerg)\]' "$scratch/stderr.log" | sed 's/^/# /'
    not_ok "no alert or emerg in nginx's error log"
else
    ok "no alert or emerg in nginx's error log"
fi
