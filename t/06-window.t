# The consultation window: 403 before the opening (with its date), 410 after
# the close, exact to the second; $concertation_phase; nginx -t refusals; the
# development and production configurations.
#
# No sleeping until an edge: the configuration carries one location per
# second around the test's own clock (windows starting or ending at T0 + k),
# and each request goes to the location whose edge is the second it is sent
# in.  A request is only counted when it was sent and answered within one
# second of the test's clock, so nginx saw that second too.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my @DAYS = qw(dimanche lundi mardi mercredi jeudi vendredi samedi);
my @MONTHS = ('janvier', 'février', 'mars', 'avril', 'mai', 'juin',
              'juillet', 'août', 'septembre', 'octobre', 'novembre',
              'décembre');

# RFC 3339 with an offset in seconds east of UTC
sub stamp {
    my ($t, $off) = @_;
    my @g = gmtime($t + $off);
    my $o = $off == 0 ? 'Z'
          : sprintf('%s%02d:%02d', $off < 0 ? '-' : '+',
                    int(abs($off) / 3600), abs($off) % 3600 / 60);
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d%s',
                   $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], $o);
}

# what the module must write: "mardi 8 février 2022 à 9 h 00" (UTF-8 bytes)
sub fr_date {
    my ($t, $off) = @_;
    my @g = gmtime($t + $off);
    return sprintf('%s %d%s %s %04d à %d h %02d', $DAYS[$g[6]], $g[3],
                   $g[3] == 1 ? 'er' : '', $MONTHS[$g[4]], $g[5] + 1900,
                   $g[2], $g[1]);
}

is(fr_date(1644307200, 3600), 'mardi 8 février 2022 à 9 h 00',
   'the test\'s own French date is right');
is(stamp(1650923999, 7200), '2022-04-25T23:59:59+02:00',
   'the test\'s own timestamps are right');

my $redis = start_redis();
my $json = read_data('questionnaire.json');

# ---- the configuration, relative to the test's clock

my $T0 = int(time);
my $SPAN = 90;                  # seconds of edges: far more than the test takes
my $PAST = stamp($T0 - 86400 * 30, 3600) . ' ' . stamp($T0 - 86400, 3600);
my $OPEN = stamp($T0 - 86400, 3600) . ' ' . stamp($T0 + 86400, 3600);
my $SOON = stamp($T0 + 86400, 3600) . ' ' . stamp($T0 + 86400 * 30, 3600);

my $form = 'concertation_form questionnaire %%CONF%%/questionnaire.json;';
my $phase = 'add_header X-Phase $concertation_phase always;';
my $edges = '';
for my $k (-1 .. $SPAN) {
    # opening at T0 + k (Paris winter time), closing a day later
    $edges .= sprintf("        location = /b/%d { %s %s concertation_window %s %s; }\n",
        $k, $form, $phase, stamp($T0 + $k, 3600), stamp($T0 + $k + 86400, 3600));
    # closing at the end of second T0 + k (Paris summer time)
    $edges .= sprintf("        location = /e/%d { %s %s concertation_window %s %s; }\n",
        $k, $form, $phase, stamp($T0 - 86400, 7200), stamp($T0 + $k, 7200));
}

my $pages = {
    'html/questionnaire.html' => "FORMULAIRE\n",
    'html/consultation-fermee.html' => "FERMEE\n",
    'html/consultation-a-venir.html' => "A VENIR\n",
};

my $nginx = start_nginx(module_conf(
    # the http level says closed: /api/questionnaire inherits it
    http => <<"HTTP",
concertation_window $PAST;
    map \$concertation_phase \$questionnaire_page {
        before   /consultation-a-venir.html;
        closed   /consultation-fermee.html;
        default  /questionnaire.html;
    }
HTTP
    location => $phase,
    server => <<"SRV" . $edges), redis => $redis, files => $pages);
        location = /api/ouvert { $form $phase concertation_window $OPEN; }
        location = /api/sans { $form $phase concertation_window off; }
        location = /api/bientot { $form $phase concertation_window $SOON; }
        location = /questionnaire.html { try_files \$questionnaire_page =404; }
        location = /ouvert/questionnaire.html {
            concertation_window $OPEN;
            try_files \$questionnaire_page =404;
        }
        location = /bientot/questionnaire.html {
            concertation_window $SOON;
            try_files \$questionnaire_page =404;
        }
        location = /sans/questionnaire.html {
            concertation_window off;
            try_files \$questionnaire_page =404;
        }
        location = /phase/ouvert { concertation_window $OPEN; return 200 "\$concertation_phase"; }
        location = /phase/ferme { return 200 "\$concertation_phase"; }
SRV
my $port = $nginx->port;

my $stored = 0;

# Sends at the start of the current second; retries (bounded) when the
# answer came in the next second, so that the edge is exact.  $send gets
# the second and returns the response.
sub in_one_second {
    my ($what, $send) = @_;
    for (1 .. 8) {
        my $before = time;
        if ($before - int($before) > 0.75) {      # too late in this second
            sleep(int($before) + 1.01 - $before);
            next;
        }
        my $s = int($before);
        my $r = $send->($s);
        return ($r, $s) if int(time) == $s;
        $stored++ if $r->{status} == 201;
    }
    fail("$what: no request answered within the second it was sent");
    return ({ status => 0, headers => {}, body => '' }, 0);
}

sub k_of {
    my ($s, $d) = @_;
    my $k = $s - $T0 + $d;
    BAIL_OUT("the test ran past its $SPAN seconds of edges") if $k > $SPAN;
    return $k;
}

sub error_of {
    my ($r) = @_;
    my $j = json_decode($r->{body});
    return ($j && ref $j->{errors} eq 'ARRAY' && @{ $j->{errors} } == 1)
        ? $j->{errors}[0] : undef;
}

# ---- just before the opening: 403 with the date, in the start's offset

my ($r, $s) = in_one_second('one second before the opening', sub {
    post_json($port, '/b/' . k_of($_[0], 1), $json);
});
is($r->{status}, 403, 'one second before the opening: 403') or diag explain $r;
is($r->{headers}{'x-phase'}, 'before', '$concertation_phase is "before"');
like($r->{headers}{'content-type'} // '', qr{^application/json}, 'a JSON answer');
my $e = error_of($r);
ok($e, 'one error in {"errors":[...]}') or diag $r->{body};
is($e && $e->{code}, 'not_open', 'code "not_open"');
ok($e && !defined $e->{field}, 'field is null');
my $msg = $e ? $e->{message} : '';
utf8::encode($msg);
my $date = fr_date($s + 1, 3600);
like($msg, qr/^La consultation n'est pas encore ouverte : elle ouvrira le \Q$date\E\.$/,
     "the message gives the opening date in Paris winter time ($date)")
    or diag $msg;

($r, $s) = in_one_second('HTML before the opening', sub {
    post_form($port, '/b/' . k_of($_[0], 1), 'profil=citoyen',
              Accept => $BROWSER_ACCEPT);
});
is($r->{status}, 403, 'a browser before the opening: 403');
like($r->{headers}{'content-type'} // '', qr{^text/html}, 'as a French HTML page');
$date = fr_date($s + 1, 3600);
like($r->{body}, qr/\Q$date\E/, 'the page gives the opening date') or diag $r->{body};
like($r->{body}, qr/lang="fr"/, 'in French');

# ---- at the opening's second: accepted

($r, $s) = in_one_second('at the opening', sub {
    post_json($port, '/b/' . k_of($_[0], 0), $json);
});
is($r->{status}, 201, 'at the opening second: 201') or diag explain $r;
is($r->{headers}{'x-phase'}, 'open', '$concertation_phase is "open"');
$stored++ if $r->{status} == 201;

# ---- at the end's own second: still accepted

($r, $s) = in_one_second('at the end second', sub {
    post_json($port, '/e/' . k_of($_[0], 0), $json);
});
is($r->{status}, 201, 'during the end second: 201 (the end is inclusive)')
    or diag explain $r;
is($r->{headers}{'x-phase'}, 'open', '$concertation_phase is "open"');
$stored++ if $r->{status} == 201;

# ---- one second after the end: 410

($r, $s) = in_one_second('just after the end', sub {
    post_json($port, '/e/' . k_of($_[0], -1), $json);
});
is($r->{status}, 410, 'one second after the end: 410') or diag explain $r;
like($r->{reason} // '', qr/^Gone$/, 'with the reason phrase "Gone"');
is($r->{headers}{'x-phase'}, 'closed', '$concertation_phase is "closed"');
$e = error_of($r);
is($e && $e->{code}, 'closed', 'code "closed"');
$msg = $e ? $e->{message} : '';
utf8::encode($msg);
like($msg, qr/^La consultation est terminée/, 'a French message') or diag $msg;

($r, $s) = in_one_second('HTML after the end', sub {
    post_form($port, '/e/' . k_of($_[0], -1), 'profil=citoyen',
              Accept => $BROWSER_ACCEPT);
});
is($r->{status}, 410, 'a browser after the end: 410');
like($r->{headers}{'content-type'} // '', qr{^text/html}, 'as an HTML page');
like($r->{body}, qr/La consultation est terminée/, 'saying the consultation is over');

# ---- http level, and locations overriding it

$r = post_json($port, $FORM_PATH, $json);
is($r->{status}, 410, 'the window of the http level applies: 410');
is($r->{headers}{'x-phase'}, 'closed', 'phase "closed" inherited');

$r = post_json($port, '/api/ouvert', $json);
is($r->{status}, 201, 'a location\'s own open window overrides it: 201') or diag explain $r;
$stored++ if $r->{status} == 201;

$r = post_json($port, '/api/sans', $json);
is($r->{status}, 201, '"concertation_window off" lifts it: 201') or diag explain $r;
is($r->{headers}{'x-phase'}, 'open', 'phase "open" without a window');
$stored++ if $r->{status} == 201;

$r = post_json($port, '/api/bientot', $json);
is($r->{status}, 403, 'a location\'s future window: 403');
like($r->{body}, qr/\Q${\ fr_date($T0 + 86400, 3600)}\E/, 'with its own opening date');

# ---- refused before the body is read

for my $case (['/api/bientot', 403], [$FORM_PATH, 410]) {
    my $c = http_connect($port, timeout => 3);
    $c->send_raw("POST $case->[0] HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{");
    my $res = eval { $c->read_response(timeout => 3) };
    is($res && $res->{status}, $case->[1],
       "$case->[1] answered with the body still unsent (not read first)")
        or diag $@;
    $c->close;
}

$r = post_json($port, $FORM_PATH, 'x' x 70000);
is($r->{status}, 410, 'closed before anything else: 410 even for an oversized body');
$r = http_request($port, 'POST', '/api/bientot', body => $json);
is($r->{status}, 403, '403 even without a Content-Type');

# ---- nothing stored on 403 / 410

is($redis->xlen($STREAM), $stored,
   "only the accepted answers are in the stream ($stored)");

# ---- $concertation_phase switching static pages

my %page = ('/questionnaire.html' => "FERMEE\n",
            '/ouvert/questionnaire.html' => "FORMULAIRE\n",
            '/bientot/questionnaire.html' => "A VENIR\n",
            '/sans/questionnaire.html' => "FORMULAIRE\n");
for my $uri (sort keys %page) {
    $r = http_request($port, 'GET', $uri);
    is($r->{status}, 200, "GET $uri: 200");
    is($r->{body}, $page{$uri}, "GET $uri serves the page of its phase");
}
is(http_request($port, 'GET', '/phase/ouvert')->{body}, 'open', '$concertation_phase: open');
is(http_request($port, 'GET', '/phase/ferme')->{body}, 'closed', '$concertation_phase: closed');

# without any window at all (and without a form): "open"
my $plain = start_nginx(<<'CONF');
load_module %%MODULE%%;
events { worker_connections 64; }
http {
    %%HTTP_COMMON%%
    server {
        listen 127.0.0.1:%%PORT%%;
        location / { return 200 "$concertation_phase"; }
    }
}
CONF
is(http_request($plain->port, 'GET', '/')->{body}, 'open',
   '$concertation_phase without any window: open');

# ---- nginx -t: malformed timestamps and reversed windows, naming the value

my %vars = (REDIS => '127.0.0.1:' . Concertation::Test::free_port());
my $good_start = '2022-02-08T09:00:00+01:00';
my $good_end = '2022-04-25T23:59:59+02:00';

my ($code, $out) = nginx_t(module_conf(
    http => "concertation_window $good_start $good_end;"), vars => \%vars);
is($code, 0, 'nginx -t accepts the real window at http level') or diag $out;

($code, $out) = nginx_t(module_conf(
    server => "concertation_window $good_start $good_start;"), vars => \%vars);
is($code, 0, 'a window of one second, at server level') or diag $out;

my @bad = (
    ["2022-02-30T09:00:00+01:00 $good_end", 'start', '2022-02-30T09:00:00+01:00', 'no such day'],
    ["$good_start 2022-04-25T24:00:00+02:00", 'end', '2022-04-25T24:00:00+02:00', 'time of day'],
    ["2022-02-08T09:00:00 $good_end", 'start', '2022-02-08T09:00:00', 'missing UTC offset'],
    ["$good_start 2022-04-25T23:59:59+25:00", 'end', '2022-04-25T23:59:59+25:00', 'out of range'],
    ["$good_start 2022-04-25T23:59:59+02:00x", 'end', '2022-04-25T23:59:59+02:00x', 'after the UTC offset'],
    ["2022-02-08 $good_end", 'start', '2022-02-08', 'expected'],
    ["demain $good_end", 'start', 'demain', 'expected'],
);
for my $b (@bad) {
    my ($args, $which, $value, $why) = @$b;
    ($code, $out) = nginx_t(module_conf(location => "concertation_window $args;"),
                            vars => \%vars);
    isnt($code, 0, "nginx -t refuses \"$args\"");
    like($out, qr/\[emerg\].*invalid \Q$which\E "\Q$value\E": [^\n]*\Q$why\E[^\n]* in \S+nginx\.conf:\d+/,
         "naming the $which, the value, why, and the line") or diag $out;
}

($code, $out) = nginx_t(module_conf(
    http => "concertation_window $good_end $good_start;"), vars => \%vars);
isnt($code, 0, 'nginx -t refuses an end before the start');
like($out, qr/the end "\Q$good_start\E" is before the start "\Q$good_end\E"/,
     'naming both values') or diag $out;

# one second apart across the change to summer time: 02:59:59+01:00 is
# 03:59:59+02:00, so 03:00:00+02:00 is before it
($code, $out) = nginx_t(module_conf(http =>
    'concertation_window 2022-03-27T02:59:59+01:00 2022-03-27T03:00:00+02:00;'),
    vars => \%vars);
isnt($code, 0, 'offsets count: 03:00:00+02:00 is before 02:59:59+01:00');

($code, $out) = nginx_t(module_conf(
    location => "concertation_window $good_start;"), vars => \%vars);
isnt($code, 0, 'nginx -t refuses a window without an end');
like($out, qr/needs a start and an end/, 'and says so') or diag $out;

($code, $out) = nginx_t(module_conf(location =>
    "concertation_window $good_start $good_end; concertation_window off;"),
    vars => \%vars);
isnt($code, 0, 'a duplicate window is refused');
like($out, qr/"concertation_window" directive is duplicate/, 'as duplicate') or diag $out;

# ---- the development configuration (make run), as run-dev.sh derives it

my $root = repo_root();
my $tmp = test_dir();
mkdir "$tmp/$_" for qw(dev dev/tmp prod prod/etc prod/logs);

sub conf_check {
    my ($conf, $prefix) = @_;
    my $out = "$prefix/nginx-t.out";
    my $pid = Concertation::Test::spawn($out, Concertation::Test::nginx_binary(), '-t', '-q',
        '-p', "$prefix/", '-c', $conf, '-e', "$prefix/startup.log");
    my $status = Concertation::Test::wait_pid($pid, 15);
    return (defined $status && $status == 0, slurp($out) // '');
}

my $today = int(time);
my $dev = dev_conf(vars => {
    RUN => "$tmp/dev", PORT => Concertation::Test::free_port(),
    STATUS_PORT => Concertation::Test::free_port(), REDIS_PORT => 6380,
    WINDOW_START => stamp($today - 86400, 3600),
    WINDOW_END => stamp($today + 86400 * 60, 3600) });
like($dev, qr/^\s*concertation_window\s+\Q${\stamp($today - 86400, 3600)}\E\s/m,
     'make run: the window of run-dev.sh, in place of 2022\'s');
unlike($dev, qr/2022-04-25/, '... and nothing of 2022\'s left');
spew("$tmp/dev/nginx.conf", $dev);
my ($ok, $o) = conf_check("$tmp/dev/nginx.conf", "$tmp/dev");
ok($ok, 'what make run serves passes nginx -t') or diag $o;
like(slurp("$root/conf/run-dev.sh"), qr/WINDOW_START.*date -d yesterday/s,
     'run-dev.sh opens the window from yesterday');

# ---- the production example, with its paths replaced

# the site (sites-available/concertation) inside the whole-file wrapper
my $site = slurp("$root/conf/concertation.site.conf");
like($site, qr/^\s*concertation_window\s+2022-02-08T09:00:00\+01:00\s+2022-04-25T23:59:59\+02:00;/m,
     'conf/concertation.site.conf carries the real 2022 window');
my $prod = slurp("$root/conf/nginx.prod.conf");
ok($prod =~ s{^\s*include\s+/etc/nginx/sites-available/concertation;}{$site}m,
   'conf/nginx.prod.conf includes the site where Debian includes sites-enabled/');
spew("$tmp/prod/etc/secret.conf", "concertation_secret $SECRET;\n");
spew("$tmp/prod/etc/questionnaire.json", slurp("$root/conf/questionnaire.json"));
# registrations: the programme (issue 4)
spew("$tmp/prod/etc/events.json", slurp("$root/conf/events.json"));
# the site: the security headers included by the server (issue 5)
spew("$tmp/prod/etc/security-headers.conf", slurp("$root/conf/security-headers.conf"));
# registrations: the schema (issue 4)
spew("$tmp/prod/etc/inscription.json", slurp("$root/conf/inscription.json"));
my @subst = (
    ['/usr/lib/nginx/modules/ngx_http_concertation_module.so' => module_path()],
    ['/etc/nginx/concertation/' => "$tmp/prod/etc/"],
    ['/usr/share/concertation/html' => "$root/html"],
    ['/var/log/nginx/' => "$tmp/prod/logs/"],
    ['/run/nginx.pid' => "$tmp/prod/nginx.pid"],
    # the local spool (issue 6)
    ['/var/spool/concertation' => "$tmp/prod/spool"],
    # TLS (issue 7): a self-signed certificate made below
    ['/etc/ssl/concertation/' => "$tmp/prod/tls/"],
);
# the certificate and key of the TLS server, made for this test
mkdir "$tmp/prod/tls";
{
    my $pid = Concertation::Test::spawn("$tmp/prod/tls/openssl.out",
        'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
        '-days', '1', '-subj', '/CN=concertation-ess.normandie.fr',
        '-keyout', "$tmp/prod/tls/privkey.pem",
        '-out', "$tmp/prod/tls/fullchain.pem");
    my $st = Concertation::Test::wait_pid($pid, 30);
    ok(defined $st && $st == 0 && -s "$tmp/prod/tls/fullchain.pem",
       'a self-signed certificate for the TLS server')
        or diag slurp("$tmp/prod/tls/openssl.out");
}
for my $p (@subst) {
    my $n = ($prod =~ s/\Q$p->[0]\E/$p->[1]/g);
    ok($n, "the production example uses $p->[0]");
}
$prod =~ s/^user\s+www-data;/# user www-data;/m if $> != 0;
# the test stands alone: the temporary files of the packaged paths, and
# a port of its own instead of 80
$prod =~ s/^(http \{\n)/$1    $Concertation::Test::Nginx::HTTP_COMMON\n/m;
my $prod_port = Concertation::Test::free_port();
$prod =~ s/listen\s+80;/listen 127.0.0.1:$prod_port;/;
$prod =~ s/listen\s+\[::\]:80;//;
# the TLS server (issue 7): a port of its own too
my $tls_port = Concertation::Test::free_port();
ok($prod =~ s/listen\s+443 ssl http2;/listen 127.0.0.1:$tls_port ssl http2;/,
   'the production example listens on 443 with TLS');
$prod =~ s/listen\s+\[::\]:443 ssl http2;//;
# the monitoring listener (README "Monitoring"): a port of its own, loopback
my $mon_port = Concertation::Test::free_port();
ok($prod =~ s/listen\s+127\.0\.0\.1:9145;/listen 127.0.0.1:$mon_port;/,
   'the production example has its monitoring listener on 9145');
$prod =~ s/listen\s+10\.0\.0\.21:9145;//;
ok($prod !~ m{(?<![\w./-])/(?:var|srv|run|usr/lib|usr/share/concertation|etc/ssl)/}, 'no production path left')
    or diag join "\n", $prod =~ m{^.*(?<![\w./-])/(?:var|srv|run|usr/lib|usr/share/concertation|etc/ssl)/.*$}mg;
spew("$tmp/prod/nginx.conf", $prod);
($ok, $o) = conf_check("$tmp/prod/nginx.conf", "$tmp/prod");
ok($ok, 'conf/nginx.prod.conf passes nginx -t with its paths replaced') or diag $o;

finish();
done_testing();
