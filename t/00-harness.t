# The harness itself, against plain nginx (no module) and redis-server.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use IO::Uncompress::Gunzip qw(gunzip);
use Test::More;
use Time::HiRes qw(time sleep);

# ---- redis: start, RESP types, AOF across restart and kill -9, SIGSTOP
my $redis = start_redis(unixsocket => 1);
is($redis->cmd('PING'), 'PONG', 'redis answers PING');
is($redis->cmd('SET', 'k', "a\r\nb"), 'OK', 'simple string reply');
is($redis->cmd('GET', 'k'), "a\r\nb", 'bulk reply with CRLF inside');
is($redis->cmd('GET', 'missing'), undef, 'null bulk reply');
is($redis->cmd('INCR', 'n'), 1, 'integer reply');
like($redis->cmd('NOSUCHCOMMAND')->{message}, qr/^ERR/, 'error reply');
my $sid = $redis->cmd('XADD', 's', '*', 'a', '1', 'b', "deux\n");
like($sid, qr/^\d+-\d+$/, 'XADD returns an entry id');
my @e = $redis->stream('s');
is_deeply([map { $_->{names} } @e], [['a', 'b']], 'stream field order kept');
is($e[0]{fields}{b}, "deux\n", 'stream value read back');
ok(-S $redis->socket_path, 'unix socket created');

my $pid = $redis->pid;
$redis->restart;
isnt($redis->pid, $pid, 'restart gives a new process');
is($redis->xlen('s'), 1, 'AOF reloaded after a clean stop');
$redis->cmd('XADD', 's', '*', 'a', '2');
$redis->kill9;
ok(!eval { $redis->cmd('PING'); 1 }, 'redis unreachable after kill -9');
$redis->restart;
is($redis->xlen('s'), 2, 'AOF (fsync always) keeps the write before kill -9');

$redis->pause;
my $t0 = time;
my $ok = eval { my $c = $redis->client(timeout => 0.5); $c->command('PING'); 1 };
my $dt = time - $t0;
ok(!$ok, 'a stopped (SIGSTOP) redis does not answer');
cmp_ok($dt, '<', 2, 'and the client times out in bounded time');
$redis->resume;
is($redis->cmd('PING'), 'PONG', 'answers again after SIGCONT');

my $auth = start_redis(password => 's3cret');
is($auth->cmd('PING'), 'PONG', 'redis with requirepass: harness authenticates');
is($auth->cmd_db(3, 'SET', 'x', 'y'), 'OK', 'SELECT 3');
is($auth->cmd_db(3, 'GET', 'x'), 'y', 'database 3 read back');
is($auth->cmd('GET', 'x'), undef, 'database 0 untouched');

# ---- nginx without the module: static files, HTTP client
my $index = "<!doctype html><title>Concertation</title><p>Bonjour \xc3\xa0 tous</p>\n" x 40;
my $conf = <<'CONF';
events { worker_connections 1024; }
http {
    %%HTTP_COMMON%%
    server {
        listen 127.0.0.1:%%PORT%%;
        root html;
        location = /gz { gzip on; gzip_min_length 1; gzip_types text/plain;
                         default_type text/plain; alias html/index.html; }
        location = /echo { return 200 "$request_method $content_length\n"; }
    }
}
CONF
my $nginx = start_nginx($conf, files => { 'html/index.html' => $index });
is(scalar($nginx->workers), 2, 'two worker processes');

my $r = http_request($nginx->port, 'GET', '/');
is($r->{status}, 200, 'static index served');
is($r->{body}, $index, 'static body intact');
is($r->{headers}{'content-length'}, length $index, 'content-length header, lower-cased name');

$r = http_request($nginx->port, 'GET', '/nope.html');
is($r->{status}, 404, '404 for a missing file');

$r = http_request($nginx->port, 'HEAD', '/');
is($r->{status}, 200, 'HEAD');
is($r->{body}, '', 'HEAD has no body');

$r = http_request($nginx->port, 'GET', '/gz', headers => ['Accept-Encoding' => 'gzip']);
is($r->{headers}{'transfer-encoding'}, 'chunked', 'gzip response is chunked');
my $plain;
gunzip(\$r->{body} => \$plain);
is($plain, $index, 'chunked body decoded');

$r = http_request($nginx->port, 'POST', '/echo', body => 'x' x 10);
is($r->{body}, "POST 10\n", 'request body and content-length sent');

my $c = http_connect($nginx->port);
$c->send_request('GET', '/echo') for 1 .. 3;
$c->send_request('HEAD', '/');
my @st = map { $c->read_response->{status} } 1 .. 4;
is_deeply(\@st, [200, 200, 200, 200], 'pipelined requests on one keep-alive connection');
$c->close;

$r = http_request(Concertation::Test::free_port(), 'GET', '/');
is($r->{status}, 0, 'connection refused reported as status 0');
ok($r->{error}, 'with an error message');

# ---- reload and config test
my @old = $nginx->workers;
ok($nginx->reload, 'reload: old workers replaced within 10 s');
ok(!grep({ kill 0, $_ } @old), 'old workers gone');
is(http_request($nginx->port, 'GET', '/')->{status}, 200, 'serving after reload');

my ($code, $out) = nginx_t($conf);
is($code, 0, 'nginx -t accepts a valid configuration') or diag $out;
($code, $out) = nginx_t("no_such_directive on;\n$conf");
isnt($code, 0, 'nginx -t rejects an unknown directive');
like($out, qr/unknown directive "no_such_directive"/, 'and says why') or diag $out;

# ---- log scanner
my $log = test_dir() . '/fake.log';
spew($log, join "\n",
    '2024/01/01 00:00:00 [info] 1#1: fine',
    '2024/01/01 00:00:00 [alert] 1#1: open socket #3 left in connection 4',
    '==1==ERROR: AddressSanitizer: heap-use-after-free',
    'x.c:1:2: runtime error: signed integer overflow',
    '2024/01/01 00:00:00 [emerg] 1#1: bad');
is(scalar(scan_log($log)), 4, 'log scanner finds alert, ASan, UBSan and emerg lines');
is(scalar(scan_log($log, qr/\[emerg\] 1#1: bad/)), 3, 'allowed lines are skipped');

ok($nginx->stop, 'graceful stop (QUIT) within 10 s');
ok(!kill(0, $_), "worker $_ gone after stop") for @old;

is(length client_key('0123456789abcdef0123456789abcdef'), 64, 'client key is 64 hex');

finish();
done_testing();
