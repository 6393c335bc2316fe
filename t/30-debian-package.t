# The Debian packages, installed the way an operator would: built with
# dpkg-buildpackage (make deb), then installed into a clean Debian 12 root
# that Debian's mmdebstrap makes from the package mirror, with Debian's
# own nginx.  There: the module loaded through modules-enabled, the
# nginx-abi dependency, the example site enabled and "nginx -t" passing
# on Debian's nginx.conf, the secret made at installation; the README's
# Redis lines, smoke test and look-up run as written; then both packages
# purged, and nothing of theirs left.  Needs root (a chroot) and
# the Debian mirror.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

my $tmp = test_dir();
my $root = repo_root();
my $debs = "$tmp/deb";
my $chroot = "$tmp/root";

is($>, 0, 'running as root (mmdebstrap and chroot)') or BAIL_OUT('needs root');

sub run {
    my ($secs, @cmd) = @_;
    my $log = "$tmp/run-" . scalar(@{[ glob "$tmp/run-*" ]}) . '.log';
    my $pid = Concertation::Test::spawn($log, @cmd);
    my $st = Concertation::Test::wait_pid($pid, $secs);
    if (!defined $st) {
        Concertation::Test::stop_pid($pid, 'KILL', 5);
        return (-1, "timeout after $secs s\n" . (slurp($log) // ''));
    }
    return ($st >> 8, slurp($log) // '');
}

sub in_root { return run(120, 'chroot', $chroot, @_) }

# ---- the packages
my ($rc, $out) = run(1200, 'make', '-s', '-C', $root, 'deb', "DEB_DIR=$debs");
is($rc, 0, 'make deb') or diag substr($out, -3000);
my ($mod) = glob "$debs/libnginx-mod-http-concertation_*_*.deb";
my ($app) = grep { !/dbgsym/ } glob "$debs/concertation_*_*.deb";
ok($mod && $app, 'two binary packages') or BAIL_OUT('no packages');

my $fields = `dpkg-deb -f '$mod' Depends`;
my ($abi) = `dpkg-query -W -f='\${Provides}' nginx` =~ /(nginx-abi-[\d.-]+)/;
ok($abi, "this machine's nginx provides $abi");
like($fields, qr/(?:^|, )\Q$abi\E(?:,|$)/m,
     "the module depends on that exact ABI ($abi): apt refuses an nginx that would not load it");
my @mod_files = split /\n/, `dpkg-deb -c '$mod'`;
ok((grep { m{\./usr/lib/nginx/modules/ngx_http_concertation_module\.so$} } @mod_files),
   '... the module in /usr/lib/nginx/modules');
ok((grep { m{\./usr/share/nginx/modules-available/mod-http-concertation\.conf$} } @mod_files),
   '... its load file in modules-available');
my @app_files = split /\n/, `dpkg-deb -c '$app'`;
for my $f (qw(usr/bin/concertation-export usr/bin/concertation-notify
              etc/nginx/sites-available/concertation etc/nginx/concertation/questionnaire.json
              etc/nginx/concertation/events.json etc/nginx/concertation/inscription.json
              etc/nginx/concertation/security-headers.conf lib/systemd/system/concertation-notify.service
              etc/logrotate.d/concertation usr/share/concertation/html/index.html
              usr/share/concertation/monitoring/prometheus/concertation-alerts.yml
              usr/share/concertation/monitoring/grafana/concertation.json)) {
    ok((grep { m{\./\Q$f\E$} } @app_files), "concertation ships $f");
}

# ---- a clean Debian 12 root, with Debian's nginx and the libraries
my @mirrors = ('deb http://deb.debian.org/debian bookworm main',
               'deb http://deb.debian.org/debian bookworm-updates main',
               'deb http://deb.debian.org/debian-security bookworm-security main');
($rc, $out) = run(900, 'mmdebstrap', '--variant=apt', '--quiet',
    '--include=nginx,libhiredis0.14,libjansson4,libcurl4,openssl,redis-server,curl',
    'bookworm', $chroot, @mirrors);
is($rc, 0, 'mmdebstrap: a clean Debian 12 root with nginx and redis-server') or diag substr($out, -3000);

# what is there before: every path, outside the package manager's own files
sub tree {
    my @paths;
    my $skip = qr{^/(?:proc|sys|dev|tmp|run|var/lib/dpkg|var/lib/apt|var/cache|var/log/(?:apt|dpkg\.log|alternatives\.log))(?:/|$)};
    my @stack = ('/');
    while (@stack) {
        my $d = pop @stack;
        opendir my $h, "$chroot$d" or next;
        for my $e (sort grep { $_ ne '.' && $_ ne '..' } readdir $h) {
            my $p = $d eq '/' ? "/$e" : "$d/$e";
            next if $p =~ $skip;
            push @paths, $p;
            push @stack, $p if -d "$chroot$p" && !-l "$chroot$p";
        }
        closedir $h;
    }
    return sort @paths;
}
# nginx's own first run makes its temporary directories: before the packages
($rc, $out) = in_root('nginx', '-t');
is($rc, 0, "nginx -t in the clean root, Debian's configuration alone") or diag $out;
my @before = tree();
ok(@before > 1000, scalar(@before) . ' paths in the clean root');

mkdir "$chroot/tmp/debs";
system('cp', $mod, $app, "$chroot/tmp/debs/") == 0 or die "cp: $?";
($rc, $out) = in_root('dpkg', '-i', map { "/tmp/debs/" . (split m{/}, $_)[-1] } $mod, $app);
is($rc, 0, 'dpkg -i: both packages install') or diag $out;

ok(-l "$chroot/etc/nginx/modules-enabled/50-mod-http-concertation.conf",
   'the module enabled in modules-enabled');
my $load = readlink "$chroot/etc/nginx/modules-enabled/50-mod-http-concertation.conf";
like(slurp($chroot . ($load // '')) // '',
     qr{^load_module modules/ngx_http_concertation_module\.so;$}m, '... by its load file');
my $secret = slurp("$chroot/etc/nginx/concertation/secret.conf") // '';
like($secret, qr/^concertation_secret [0-9a-f]{48};\n\z/, 'a secret made at installation');
is((stat "$chroot/etc/nginx/concertation/secret.conf")[2] & 07777, 0600, '... readable by root alone');
my ($hex) = $secret =~ /([0-9a-f]{48})/;
is(slurp("$chroot/etc/concertation/secret"), ($hex // 'none') . "\n",
   "... the same one for the notifier");
my @sp = stat "$chroot/var/spool/concertation";
is(scalar(getpwuid($sp[4]) // ''), 'www-data', 'the spool directory, for the workers (www-data)')
    if @sp;
ok(@sp, 'the spool directory exists');

# nginx -t on Debian's nginx.conf with the site enabled (and a certificate)
mkdir "$chroot/etc/ssl/concertation";
($rc, $out) = in_root('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=concertation-ess.normandie.fr', '-keyout', '/etc/ssl/concertation/privkey.pem',
    '-out', '/etc/ssl/concertation/fullchain.pem');
is($rc, 0, 'a self-signed certificate in the root') or diag $out;
symlink '../sites-available/concertation', "$chroot/etc/nginx/sites-enabled/concertation"
    or die "symlink: $!";
($rc, $out) = in_root('nginx', '-t');
is($rc, 0, "nginx -t: Debian's nginx.conf, the module, the example site") or diag $out;
like($out, qr/syntax is ok/, '... syntax is ok');
($rc, $out) = in_root('concertation-export', '--version');
is($rc, 0, 'concertation-export runs in the root') or diag $out;

# ---- the README's installation, run: Redis with its lines, the site
# started, the smoke test, the look-up of the entry and its XDEL.  In a
# network namespace of its own (unshare --net, loopback only): the
# root's ports 443 and 6379 are not this machine's.
my $redis_conf = "$chroot/etc/redis/redis.conf";
ok(-e $redis_conf, "Debian's redis.conf in the root");
spew($redis_conf, (slurp($redis_conf) // '') . "\n" . readme_block('t/30-debian-package.t appends'));
# the 2022 window moved to today, as "Moving the window" says
my $site_file = "$chroot/etc/nginx/sites-available/concertation";
my $site = slurp($site_file) // '';
my @g = gmtime(time - 86400);
my @h = gmtime(time + 86400);
my $win = sprintf('concertation_window  %04d-%02d-%02dT00:00:00Z %04d-%02d-%02dT23:59:59Z;',
                  $g[5] + 1900, $g[4] + 1, $g[3], $h[5] + 1900, $h[4] + 1, $h[3]);
ok($site =~ s/^concertation_window\s+2022-02-08T09:00:00\+01:00\s+2022-04-25T23:59:59\+02:00;/$win/m,
   'the window moved to today in the installed site');
spew($site_file, $site);
my $smoke = readme_block('t/30-debian-package.t runs');
my $lookup = readme_block('t/31-make-run.t');
# its example id replaced by the smoke test's
ok($lookup =~ s/^id=\S+[^\n]*\n//m, 'README: the look-up starts from an id');
spew("$chroot/tmp/smoke.sh", <<SH . $smoke . <<'SH2' . $lookup . <<'SH3');
set -eu
stop() {
    [ -s /run/nginx.pid ] && kill -QUIT "\$(cat /run/nginx.pid)" 2>/dev/null || true
    [ -s /tmp/redis.pid ] && kill -TERM "\$(cat /tmp/redis.pid)" 2>/dev/null || true
    for _ in \$(seq 100); do
        [ -e /run/nginx.pid ] || [ -e /tmp/redis.pid ] || break
        sleep 0.1
    done
}
trap stop EXIT
mkdir -p /tmp/redis
redis-server /etc/redis/redis.conf --daemonize yes --supervised no --dir /tmp/redis \\
    --pidfile /tmp/redis.pid --logfile /tmp/redis.log
for _ in \$(seq 50); do redis-cli ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
echo "redis: \$(redis-cli CONFIG GET appendonly | tail -n 1) \$(redis-cli CONFIG GET appendfsync | tail -n 1) \$(redis-cli CONFIG GET maxmemory-policy | tail -n 1)"
nginx
for _ in \$(seq 50); do curl -sk -o /dev/null https://127.0.0.1/ && break; sleep 0.1; done
export CURL_CA_BUNDLE=/etc/ssl/concertation/fullchain.pem
echo '--- smoke'
SH
echo '--- end'
id=$(redis-cli --raw XRANGE concertation:questionnaire - + | sed -n '3p')
echo "--- lookup $id"
SH2
echo '--- end'
entry=$(redis-cli --raw XRANGE concertation:questionnaire - + | sed -n '1p')
redis-cli XDEL concertation:questionnaire "$entry"
echo "--- left $(redis-cli XLEN concertation:questionnaire)"
SH3
($rc, $out) = run(120, 'unshare', '--net', '--', 'sh', '-c',
    "ip link set lo up && exec chroot '$chroot' /bin/sh /tmp/smoke.sh");
is($rc, 0, 'the README\'s installation and smoke test run in the root') or diag $out;
like($out, qr/^redis: yes always noeviction$/m, 'Redis with the README\'s lines: AOF, always, noeviction');
my ($smoke_out) = $out =~ /^--- smoke\n(.*?)^--- end$/ms;
like($smoke_out // '', qr/\A\{"id":"([0-9a-f-]{36})"\}\n201\n\z/,
     'the smoke test: 201 with the id, through TLS, Origin, the token and its wait') or diag $out;
my ($smoke_id) = ($smoke_out // '') =~ /"id":"([0-9a-f-]{36})"/;
$smoke_id //= 'none';
like($out, qr/^--- lookup \Q$smoke_id\E$/m, '... stored in Redis with that id');
my ($look) = $out =~ /^--- lookup [^\n]*\n(.*?)^--- end$/ms;
like($look // '', qr/\A\d+-\d+\nid\n\Q$smoke_id\E\nreceived_at\n/,
     'the README\'s look-up finds its entry');
like($out, qr/^--- left 0$/m, '... and XDEL takes it out of the stream');
ok(!-e "$chroot/tmp/redis.pid" && !-e "$chroot/run/nginx.pid", 'nginx and Redis stopped, by their pids');
# the logs are the operator's: a purge leaves them, as Debian's own do
unlink "$chroot/var/log/nginx/concertation.access.log";

# ---- removal: nothing of theirs left
unlink "$chroot/etc/nginx/sites-enabled/concertation";
system('rm', '-rf', "$chroot/etc/ssl/concertation", "$chroot/tmp/debs", "$chroot/tmp/redis",
       "$chroot/tmp/smoke.sh");
($rc, $out) = in_root('dpkg', '--purge', 'concertation', 'libnginx-mod-http-concertation');
is($rc, 0, 'dpkg --purge both') or diag $out;
my %was = map { $_ => 1 } @before;
my %now = map { $_ => 1 } tree();
my @left = grep { !$was{$_} } sort keys %now;
my @gone = grep { !$now{$_} } @before;
ok(!@left, 'nothing left of the packages after the purge') or diag "left: @left[0 .. ($#left < 20 ? $#left : 19)]";
ok(!@gone, 'and nothing of the root taken away') or diag "gone: @gone[0 .. ($#gone < 20 ? $#gone : 19)]";
($rc, $out) = in_root('nginx', '-t');
is($rc, 0, 'nginx -t still passes without them') or diag $out;

system('rm', '-rf', $chroot);
finish();
done_testing();
