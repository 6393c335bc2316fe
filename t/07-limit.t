# Per-client rate limits: exact counts and Retry-After, several limits on
# one location, IPv6 prefixes, IPv4-mapped addresses, exemption, dry run,
# a zone kept across reloads, a full zone evicting its least recent client.
# Client addresses come through realip from the loopback (X-Real-IP).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Digest::SHA qw(hmac_sha256_hex);
use Socket qw(inet_pton AF_INET6);
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $json = read_data('questionnaire.json');

sub location {
    my ($path, @lines) = @_;
    my $body = join "\n            ", @lines;
    return <<"LOC";
        location = $path {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            client_max_body_size 64k;
            $body
        }
LOC
}

sub conf {
    my (%o) = @_;
    my $locations = join '', map { location(@$_) } @{ $o{locations} };
    my $http = $o{http} // '';
    return <<"CONF";
load_module %%MODULE%%;
events { worker_connections 1024; }
http {
    %%HTTP_COMMON%%
    concertation_redis %%REDIS%%;
    concertation_secret $SECRET;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        root html;
$locations
    }
}
CONF
}

my @locations = (
    ['/a', 'concertation_limit zone=one rate=5r/m burst=3;'],
    ['/b', 'concertation_limit zone=bday rate=4r/d burst=4;',
           'concertation_limit zone=bmin rate=60r/m burst=3;'],
    ['/c', 'concertation_limit zone=v6 rate=1r/m burst=2;'],
    ['/d', 'concertation_limit zone=ex rate=1r/m;',
           'concertation_limit_exempt $exempt;'],
    ['/e', 'concertation_limit zone=dry rate=1r/m;',
           'concertation_limit_dry_run on;',
           'concertation_limit_log_level warn;'],
    ['/f', 'concertation_limit zone=tiny rate=1r/d;'],
    ['/g', 'concertation_limit zone=par rate=1r/m burst=5;'],
);

my $http = join "\n    ",
    'concertation_limit_zone zone=one:1m;',
    'concertation_limit_zone zone=bmin:1m;',
    'concertation_limit_zone zone=bday:1m;',
    'concertation_limit_zone zone=v6:1m;',
    'concertation_limit_zone zone=ex:1m;',
    'concertation_limit_zone zone=dry:1m;',
    'concertation_limit_zone zone=tiny:32k;',
    'concertation_limit_zone zone=par:1m;',
    'geo $exempt { default 0; 192.0.2.10 1; 192.0.2.11 0; }';

my $redis = start_redis();
my $nginx = start_nginx(conf(http => $http, locations => \@locations),
    redis => $redis);
my $port = $nginx->port;

sub send_from {
    my ($ip, $path, @h) = @_;
    return post_json($port, $path, $json, 'X-Real-IP' => $ip, @h);
}

sub statuses {
    my ($ip, $path, $n) = @_;
    return join ' ', map { send_from($ip, $path)->{status} } 1 .. $n;
}

sub is_429 {
    my ($r, $retry, $what) = @_;
    is($r->{status}, 429, "$what: 429") or diag explain $r;
    if (ref $retry) {
        my $ra = $r->{headers}{'retry-after'} // -1;
        ok($ra >= $retry->[0] && $ra <= $retry->[1],
           "$what: Retry-After $ra in [$retry->[0], $retry->[1]]");
    } else {
        is($r->{headers}{'retry-after'}, $retry, "$what: Retry-After $retry");
    }
    my $b = json_decode($r->{body} // '') // {};
    is(($b->{errors} // [{}])->[0]{code}, 'rate_limited', "$what: code rate_limited")
        or diag $r->{body};
}

# ---- burst: three pass at once, the fourth waits one interval (12 s)
my $xlen = $redis->xlen($STREAM);
is(statuses('192.0.2.1', '/a', 3), '201 201 201', '5r/m burst=3: three answers 201');
is($redis->xlen($STREAM) - $xlen, 3, 'the three are stored');
$xlen = $redis->xlen($STREAM);
my $r = send_from('192.0.2.1', '/a');
is_429($r, 12, 'the fourth (burst+1)');
like((json_decode($r->{body}) // {})->{errors}[0]{message} // '',
     qr/\x{e9}essayer dans 12 secondes/, 'French message with the wait');
is_429(send_from('192.0.2.1', '/a'), 12, 'the fifth, at once');
is($redis->xlen($STREAM), $xlen, 'nothing stored for the 429s');

$r = send_from('192.0.2.1', '/a', Accept => $BROWSER_ACCEPT);
is($r->{status}, 429, 'HTML: 429');
like($r->{headers}{'content-type'} // '', qr{^text/html}, 'HTML: a page');
like($r->{body}, qr/Trop d(?:'|&#39;|&#x27;|&apos;|\x{2019})envois/,
     'HTML: the French message');
is($r->{headers}{'retry-after'}, 12, 'HTML: Retry-After 12');

is(send_from('192.0.2.2', '/a')->{status}, 201, 'another client has its own bucket');

# ---- two limits: a refusal by one consumes nothing of the other
is(statuses('192.0.2.3', '/b', 3), '201 201 201', 'two limits: three pass');
is_429(send_from('192.0.2.3', '/b'), 1, 'two limits: the fourth, by 60r/m burst=3');
sleep 1.2;
is(send_from('192.0.2.3', '/b')->{status}, 201,
   'a second later the fourth passes: the refused one did not count in 4r/d');
is_429(send_from('192.0.2.3', '/b'), [21590, 21600],
       'the fifth: refused by 4r/d, with the longer wait');

# ---- IPv6: one bucket per /64, IPv4-mapped counted as IPv4
is(statuses('2001:db8:1:2::1', '/c', 2), '201 201', 'IPv6 /64: two pass');
is_429(send_from('2001:db8:1:2:ffff:eeee:dddd:9', '/c'), [59, 60],
       'another address of the same /64 shares the bucket');
is(send_from('2001:db8:1:3::1', '/c')->{status}, 201,
   'the next /64 has a bucket of its own');
is(statuses('198.51.100.7', '/c', 2), '201 201', 'IPv4: two pass');
is_429(send_from('::ffff:198.51.100.7', '/c'), [59, 60],
       'IPv4-mapped IPv6 is the same client as IPv4');

# the stored client key uses the same /64 masking
sub key6 {
    my ($ip, $prefix) = @_;
    my @b = unpack 'C16', inet_pton(AF_INET6, $ip);
    for my $i (0 .. 15) {
        my $bits = $prefix - 8 * $i;
        $b[$i] &= $bits >= 8 ? 0xFF : $bits <= 0 ? 0 : (0xFF00 >> $bits) & 0xFF;
    }
    return hmac_sha256_hex(pack('CC', 6, $prefix) . pack('C16', @b), $SECRET);
}

my @entries = $redis->stream($STREAM);
my %clients = map { $_->{fields}{client} => 1 } @entries;
ok($clients{ key6('2001:db8:1:3::1', 64) }, 'stored client key: the address masked to /64');
ok($clients{ client_key($SECRET, '198.51.100.7') }, 'stored client key of IPv4');

# ---- exemption from a geo variable
is(statuses('192.0.2.10', '/d', 4), '201 201 201 201', 'exempt client: never limited');
is(statuses('192.0.2.11', '/d', 2), '201 429', 'a client whose variable is "0" is counted');

# ---- dry run: logged, let through
$xlen = $redis->xlen($STREAM);
is(statuses('192.0.2.20', '/e', 3), '201 201 201', 'dry run: every answer 201');
is($redis->xlen($STREAM) - $xlen, 3, 'dry run: all stored');
my @dry = grep { /limiting requests, dry run/ } split /\n/, $nginx->error_log;
is(scalar @dry, 2, 'dry run: the two over the limit are logged');
like($dry[0] // '', qr/\[warn\].*client: 192\.0\.2\.20/, 'at the configured level, naming the client');
my @refused = grep { /concertation_limit: limiting requests by/ } split /\n/, $nginx->error_log;
like($refused[0] // '', qr/\[error\].*by zone "one", retry after 12 s/,
     'refusals are logged at error by default, naming the zone and the wait');
ok((grep { /by zone "bday", retry after (?:2159\d|21600) s/ } @refused),
   'with two limits, the one asking for the longest wait is named');

# ---- 24 requests at once on 24 connections, both workers: exactly 5 pass
$xlen = $redis->xlen($STREAM);
my @conns = map { http_connect($port, timeout => 10) } 1 .. 24;
$_->send_request('POST', '/g', body => $json,
    headers => ['Content-Type' => 'application/json',
                'X-Real-IP' => '192.0.2.40', Connection => 'close']) for @conns;
my %par;
for my $c (@conns) {
    my $res = eval { $c->read_response } // { status => 0 };
    $par{ $res->{status} }++;
    $c->close;
}
is_deeply(\%par, { 201 => 5, 429 => 19 }, 'concurrent requests: exactly burst=5 pass')
    or diag explain \%par;
is($redis->xlen($STREAM) - $xlen, 5, 'concurrent requests: exactly 5 stored');

# ---- reload: the zone and its counts are kept
is(statuses('192.0.2.30', '/a', 2), '201 201', 'before reload: two of three');
ok($nginx->reload, 'reloaded (HUP): new workers');
is(statuses('192.0.2.30', '/a', 2), '201 429', 'after reload: one left, then 429');
is_429(send_from('192.0.2.1', '/a'), [1, 12], 'an earlier client is still limited');

# ---- a full zone: the least recent client is forgotten, logged, no crash
my @workers = sort $nginx->workers;
my %seen;
my $n = 600;
for my $i (0 .. $n - 1) {
    my $ip = sprintf '10.%d.%d.%d', 1, int($i / 250), $i % 250 + 1;
    # an unsupported body: refused after the limit, nothing to store
    my $s = http_request($port, 'POST', '/f', body => 'x',
        headers => ['Content-Type' => 'text/plain', 'X-Real-IP' => $ip])->{status};
    $seen{$s}++;
}
is_deeply(\%seen, { 415 => $n }, "$n new clients in a 32k zone: none refused by the limit")
    or diag explain \%seen;
like($nginx->error_log, qr/\[warn\].*concertation_limit_zone "tiny" is full/,
     'the eviction is logged');
my $first = http_request($port, 'POST', '/f', body => 'x',
    headers => ['Content-Type' => 'text/plain', 'X-Real-IP' => '10.1.0.1'])->{status};
is($first, 415, 'the least recent client was forgotten');
my $last = http_request($port, 'POST', '/f', body => 'x',
    headers => ['Content-Type' => 'text/plain',
                'X-Real-IP' => sprintf('10.1.%d.%d', int(($n - 1) / 250), ($n - 1) % 250 + 1)]);
is($last->{status}, 429, 'the most recent client is still limited (no fail-open)');
is_deeply([sort $nginx->workers], \@workers, 'the same workers: none crashed');
unlike($nginx->error_log, qr/exited on signal/, 'no worker exited on a signal');

# ---- another IPv6 prefix, for the limit and the stored key alike
my $nginx48 = start_nginx(conf(
        http => "concertation_client_ipv6_prefix 48;\n    "
              . 'concertation_limit_zone zone=v6:1m;',
        locations => [['/c', 'concertation_limit zone=v6 rate=1r/m;']]),
    redis => $redis);
$port = $nginx48->port;
is(send_from('2001:db8:1:2::1', '/c')->{status}, 201, '/48: first passes');
is(send_from('2001:db8:1:3::1', '/c')->{status}, 429, '/48: another /64 of the /48 shares it');
is(send_from('2001:db8:2::1', '/c')->{status}, 201, '/48: the next /48 passes');
%clients = map { $_->{fields}{client} => 1 } $redis->stream($STREAM);
ok($clients{ key6('2001:db8:2::1', 48) }, 'stored client key: masked to /48');

# ---- configuration errors, naming the value
my %bad = (
    'concertation_limit zone=one rate=5r/y;'           => qr/invalid rate "rate=5r\/y"/,
    'concertation_limit zone=one rate=0r/s;'           => qr/invalid rate "rate=0r\/s"/,
    'concertation_limit zone=one rate=2000000r/s;'     => qr/invalid rate/,
    'concertation_limit zone=one rate=5r/s burst=0;'   => qr/invalid burst "burst=0"/,
    'concertation_limit zone=one burst=2;'             => qr/needs zone= and rate=/,
    'concertation_limit zone=one rate=1r/s; concertation_limit zone=one rate=1r/m;'
                                                       => qr/already limited here/,
    'concertation_limit zone=nowhere rate=1r/s;'       => qr/zero size shared memory zone "nowhere"/,
);
for my $l (sort keys %bad) {
    my ($code, $out) = nginx_t(conf(http => 'concertation_limit_zone zone=one:1m;',
                                    locations => [['/x', $l]]), redis => $redis);
    isnt($code, 0, "nginx -t refuses: $l");
    like($out, $bad{$l}, "... saying why") or diag $out;
}
for my $h ('concertation_client_ipv6_prefix 129;', 'concertation_limit_zone zone=z:1k;',
           'concertation_limit_zone zone=z;') {
    my ($code, $out) = nginx_t(conf(http => $h, locations => []), redis => $redis);
    isnt($code, 0, "nginx -t refuses: $h");
}

finish();
done_testing();
