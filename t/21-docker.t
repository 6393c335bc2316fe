# The Docker image's recipe, without a container engine: docker/build-steps.sh
# replays docker/Dockerfile on this machine (the build stage for real, the
# runtime stage into a scratch root), starts its entry point with a private
# Redis started with docker/compose.yaml's command, and checks the site;
# then docker/compose.yaml and the image's nginx.conf, line by line (core
# Perl has no YAML reader).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

my $root = repo_root();
my $tmp = test_dir();

# ---- docker/build-steps.sh ------------------------------------------------

my $out = "$tmp/build-steps.out";
my $pid;
{
    local $ENV{BUILD_STEPS_DIR} = "$tmp/build-steps";
    local $ENV{BUILD_STEPS_SAVE_CONF} = "$tmp/image-nginx.conf";
    $pid = Concertation::Test::spawn($out, "$root/docker/build-steps.sh");
}
# the build stage builds the module from scratch: about a minute on 2 cores
my $status = Concertation::Test::wait_pid($pid, 600);
if (!defined $status) {
    kill 'TERM', $pid;
    $status = Concertation::Test::wait_pid($pid, 20);
}
my $text = slurp($out) // '';
is($status, 0, 'docker/build-steps.sh passes') or diag $text;

my @steps = (
    qr/^ok - the runtime packages are installed here: nginx /m,
    qr/^ok - the runtime stage runs as concertation /m,
    qr/^ok - docker\/Dockerfile replayed: \d+ RUN lines/m,
    qr/^ok - the module is installed, its libraries found/m,
    qr/^ok - concertation-export is installed, its libraries found/m,
    qr/^ok - redis-server wants the password of the secret/m,
    qr/^ok - which is on no command line/m,
    qr/^ok - redis-server runs with compose.yaml's options: (?:always|everysec) noeviction/m,
    qr/^ok - the entry point started nginx on 127\.0\.0\.1:\d+/m,
    qr/^ok - the master and its \d+ workers run as /m,
    qr/^ok - GET \/ answers 200/m,
    qr/^ok - with the security headers/m,
    qr/^ok - the HEALTHCHECK command passes/m,
    qr/^ok - the monitoring listener answers \/status to 127\.0\.0\.1/m,
    qr/^ok - the questionnaire page carries a form token/m,
    qr/^ok - a questionnaire answer is 201 with its id/m,
    qr/^ok - and is in the Redis stream/m,
    qr/^ok - a worker's Redis connection is up, with the password of the secret/m,
    qr/^ok - and in the access log with its outcome and id/m,
    qr/^ok - the spool volume belongs to the user nginx runs as/m,
    qr/^ok - nginx stops on SIGQUIT/m,
    qr/^ok - no alert or emerg in nginx's error log/m,
);
for my $re (@steps) {
    (my $name = "$re") =~ s/^\(\?\^m?:\^ok - //;
    $name =~ s/\)$//;
    $name =~ s/\\d\+/N/g;
    $name =~ s/\(\?:([^)]*)\)/$1/g;
    $name =~ s/\\//g;
    like($text, $re, "build-steps: $name");
}
unlike($text, qr/^not ok/m, 'build-steps: no check failed')
    or diag join "\n", $text =~ /^(not ok.*)$/mg;
like($text, qr/^build-steps: PASS$/m, 'build-steps: says PASS');
ok(!-e "$tmp/build-steps", 'build-steps: its scratch directory is removed');

# ---- docker/Dockerfile ------------------------------------------------------

my $df = slurp("$root/docker/Dockerfile") // '';
my @from = $df =~ /^FROM\s+(\S+.*)$/mg;
is(scalar @from, 2, 'the Dockerfile has two stages');
like($from[0] // '', qr/^debian:12\s+AS\s+build$/i, 'a Debian 12 build stage');
like($from[1] // '', qr/^debian:12$/, 'a Debian 12 runtime stage');
like($df, qr/^ && make deps-build$/m, 'the build packages are the Makefile\'s');
like($df, qr/^RUN apt-get update \\\n && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make \\$/m,
     '... after make itself, which debian:12 lacks');
like($text, qr/^# a clean Debian 12 root for the build stage \(mmdebstrap\)$/m,
     'the build stage ran in a clean Debian 12 root, as in debian:12');
like($df, qr/^RUN make install DESTDIR=/m,
     'the module and the export tool are built and installed by make install');
my ($user) = $df =~ /^USER\s+(\S+)/m;
ok(defined $user && $user !~ /^(?:root|0)(?::|$)/, 'nginx runs unprivileged')
    or diag $user;
like($df, qr/^HEALTHCHECK\b(?:[^\n]*\\\n)*[^\n]*CMD curl /m,
     'the image has a health check');
like($df, qr/^VOLUME \/var\/spool\/concertation$/m, 'the spool is a volume');

# the image's nginx.conf, derived by docker/install.sh (the build stage)
my $conf = slurp("$tmp/image-nginx.conf") // '';
like($conf, qr/^# Derived by tools\/conf-derive from conf\/nginx\.prod\.conf and conf\/concertation\.site\.conf\n# with docker\/nginx\.overrides/m,
     'the image\'s nginx.conf is derived from the production files');
unlike($conf, qr/^\s*user\s/m, 'no "user" directive: the master is not root');
like($conf, qr/^\s*concertation_spool\s+\/var\/spool\/concertation\s/m,
     'nginx.conf spools to the volume');
like($conf, qr/^\s*include\s+\/etc\/concertation\/security-headers\.conf;/m,
     'nginx.conf includes the security headers');
like($conf, qr/^\s*concertation_window\s+2022-02-08T09:00:00\+01:00\s+2022-04-25T23:59:59\+02:00;/m,
     'nginx.conf carries the real 2022 window');
like($conf, qr/^\s*concertation_events\s+\/etc\/concertation\/events\.json;/m,
     'and the 2022 programme');
like($conf, qr/^\s*concertation_limit zone=per_minute rate=5r\/m burst=3;/m,
     'and production\'s rate limits');
unlike($conf, qr/ssl_|Strict-Transport|listen\s+(?:80|443)\b/, 'no TLS: it is terminated in front');
like($conf, qr/location = \/status \{[^}]*concertation_status;[^}]*allow\s+127\.0\.0\.1;[^}]*deny\s+all;/s,
     'the status location is restricted');

# ---- docker/compose.yaml, line by line ---------------------------------------

my $compose = slurp("$root/docker/compose.yaml") // '';
my (%service, %top, $section, $name);
for my $line (split /\n/, $compose) {
    next if $line =~ /^\s*(?:#|$)/;
    if ($line =~ /^(\w[\w-]*):/) {
        $section = $1;
        $name = undef;
        next;
    }
    if ($line =~ /^  (\w[\w-]*):\s*$/) {
        $name = $1;
        $top{$section}{$name} = 1;
        next;
    }
    $service{$name} .= "$line\n"
        if defined $section && $section eq 'services' && defined $name;
}
my $redis = $service{redis} // '';
my $site = $service{site} // '';
ok(length $redis && length $site, 'compose.yaml has the services redis and site');
unlike($redis, qr/^\s+ports:/m, 'redis publishes no port');
like($redis, qr/"--appendonly",\s*"yes"/, 'redis: appendonly yes');
like($redis, qr/"--appendfsync",\s*"(?:always|everysec)"/,
     'redis: appendfsync always or everysec');
like($redis, qr/"--maxmemory-policy",\s*"noeviction"/, 'redis: noeviction');
my ($redis_volume) = $redis =~ /^\s+-\s+([\w-]+):\/data\s*$/m;
ok($redis_volume && $top{volumes}{$redis_volume},
   'redis keeps /data on a named volume');
like($redis, qr/^\s+healthcheck:\s*\n\s+test:.*redis-cli.*ping/m, 'redis has a health check');
like($site, qr/^\s+healthcheck:\s*\n\s+test:.*curl.*http:\/\/127\.0\.0\.1:8080\//m,
     'the site has an HTTP health check');
like($site, qr/^\s+ports:\s*\n\s+-\s+"[^"]*:8080"/m, 'the site publishes its port');
my ($spool_volume) = $site =~ /^\s+-\s+([\w-]+):\/var\/spool\/concertation\s*$/m;
ok($spool_volume && $top{volumes}{$spool_volume},
   'the spool is on a named volume');
unlike($compose, qr/CONCERTATION_SECRET:/, 'no secret in any environment (docker inspect shows it)');
like($site, qr/CONCERTATION_SECRET_FILE:\s*\/run\/secrets\/concertation_secret\n/,
     'the site reads the secret from a file');
like($site, qr/^\s+secrets:\s*\n\s+-\s+concertation_secret$/m, '... a compose secret');
like($service{notify} // '', qr/CONCERTATION_SECRET_FILE:\s*\/run\/secrets\/concertation_secret\n(?s:.*)^\s+secrets:\s*\n\s+-\s+concertation_secret$/m,
     'the notifier too');
ok($top{secrets}{concertation_secret}, '... declared once, at the top');
like($compose, qr/^  concertation_secret:\n    file: \.\/secret$/m, '... from the file docker/secret');
like($site, qr/CONCERTATION_WINDOW:\s*\$\{CONCERTATION_WINDOW:-\}/, 'the window passes through');
like($site, qr/condition:\s*service_healthy/, 'the site waits for a healthy Redis');
like($redis, qr/^\s+secrets:\s*\n\s+-\s+redis_password$/m, 'Redis gets its password as a compose secret');
like($redis, qr/healthcheck:\s*\n\s+test:.*REDISCLI_AUTH=.*\/run\/secrets\/redis_password.*redis-cli ping/,
     '... and its health check uses it');
for my $s (qw(site notify)) {
    like($service{$s} // '', qr/CONCERTATION_REDIS_PASSWORD_FILE:\s*\/run\/secrets\/redis_password\n(?s:.*)^\s+-\s+redis_password$/m,
         "$s reads Redis's password from the secret's file");
}
like($compose, qr/^  redis_password:\n    file: \.\/redis-password$/m, '... from the file docker/redis-password');
unlike($compose, qr/requirepass|REDIS_PASSWORD:/, 'no Redis password on a command line or in the environment');

finish();
done_testing();
