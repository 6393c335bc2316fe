# Reload (HUP) under light traffic, reload with a request waiting on a
# paused Redis, graceful stop: workers exit, no socket left open.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $json = read_data('questionnaire.json');
my $index = "<!doctype html><title>Concertation</title>\n";
my $redis = start_redis();
my $nginx = start_nginx(module_conf(), redis => $redis,
    files => { 'html/index.html' => $index });
my $port = $nginx->port;
my $created = 0;

sub answer {
    my $r = post_json($port, $FORM_PATH, $json);
    $created++ if $r->{status} == 201;
    return $r;
}

my %st;
$st{ answer()->{status} }++ for 1 .. 5;
is_deeply(\%st, { 201 => 5 }, 'answers before reload: 201');

# ---- HUP under light traffic: every request answered 201
my %old = map { $_ => 1 } $nginx->workers;
is(scalar keys %old, 2, 'two workers before reload');
my $idle = http_connect($port);            # an idle keep-alive connection
is($idle->request('GET', '/')->{status}, 200, 'keep-alive connection open');
kill 'HUP', $nginx->pid;
%st = ();
my ($n, $replaced) = (0, 0);
my $deadline = time + 10;
while (time < $deadline && $n < 300) {
    $st{ answer()->{status} }++;
    $n++;
    my @now = $nginx->workers;
    if (@now >= 2 && !grep { $old{$_} } @now) { $replaced = 1; last if $n >= 10 }
}
ok($replaced, "old workers exited within 10 s of HUP ($n requests meanwhile)");
is_deeply(\%st, { 201 => $n }, "every answer during the reload: 201 ($n)") or diag explain \%st;
ok($idle->closed(5), 'the idle keep-alive connection was closed by the old worker');
$idle->close;
is(http_request($port, 'GET', '/')->{body}, $index, 'static file served after reload');

# ---- HUP while a request waits on a paused Redis
$redis->pause;
my $waiting = http_connect($port, timeout => 10);
my $t0 = time;
$waiting->send_request('POST', $FORM_PATH, body => $json,
    headers => ['Content-Type' => 'application/json', Connection => 'close']);
sleep 0.3;
my %before = map { $_ => 1 } $nginx->workers;
kill 'HUP', $nginx->pid;
my $r = eval { $waiting->read_response(timeout => 10) } // { status => 0, error => $@ };
my $dt = time - $t0;
is($r->{status}, 503, 'request waiting on a paused Redis during reload: 503') or diag explain $r;
cmp_ok($dt, '<', 1 + 1.5, 'answered at its deadline, not later');
$waiting->close;
$deadline = time + 10;
my $gone = 0;
while (time < $deadline) {
    my @now = $nginx->workers;
    if (@now >= 2 && !grep { $before{$_} } @now) { $gone = 1; last }
    sleep 0.05;
}
ok($gone, 'old workers exited within 10 s although Redis was paused');
$redis->resume;
my $ok = 0;
for (1 .. 6) { $ok++ if answer()->{status} == 201 }
is($ok, 6, 'answers after SIGCONT and reload: 201');

# ---- the store is exact: late writes of the 503 may land, nothing else
my $len = $redis->xlen($STREAM);
cmp_ok($len, '>=', $created, "every 201 stored ($created)");
cmp_ok($len, '<=', $created + 1, 'at most the one late write of the 503 on top');

# ---- graceful stop with live Redis connections in both workers
answer() for 1 .. 4;
my @workers = $nginx->workers;
ok($nginx->stop(timeout => 10), 'graceful stop (QUIT): master exited within 10 s');
ok(!grep({ kill 0, $_ } @workers), 'workers gone');
my @open = grep { /open socket|\[alert\]/ } split /\n/, $nginx->error_log;
ok(!@open, 'no "open socket left" nor other alert after reloads and stop') or diag join "\n", @open;
like($nginx->error_log, qr/gracefully shutting down/, 'workers shut down gracefully');

finish();
done_testing();
