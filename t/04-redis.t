# Redis: unavailable, restarted, killed, paused, scripts flushed; password,
# database and unix socket; 200 answers over 20 pipelined connections.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $json = read_data('questionnaire.json');
my $redis = start_redis();
my $nginx = start_nginx(module_conf(), redis => $redis);
my $port = $nginx->port;
my @ids;          # every id answered 201

sub answer {
    my ($p, %o) = @_;
    my $r = post_json($p // $port, $FORM_PATH, $json);
    if ($r->{status} == 201) {
        my $id = (json_decode($r->{body}) // {})->{id};
        push @ids, $id if !$o{untracked};
        $r->{id} = $id;
    }
    return $r;
}

sub stored_ids {
    my ($r, $key, %o) = @_;
    return map { $_->{fields}{id} } ($r // $redis)->stream($key // $STREAM, %o);
}

sub all_present {
    my ($what) = @_;
    my %have = map { $_ => 1 } stored_ids();
    my @missing = grep { !$have{$_} } @ids;
    ok(!@missing, "$what: every id answered 201 is in the stream")
        or diag "missing: @missing";
}

sub check_503 {
    my ($r, $what, $max, $retry) = @_;
    is($r->{status}, 503, "$what: 503") or diag explain $r;
    is($r->{headers}{'retry-after'}, $retry // 5, "$what: Retry-After: " . ($retry // 5));
    my $b = json_decode($r->{body} // '') // {};
    is(($b->{errors} // [{}])->[0]{code}, 'unavailable', "$what: code unavailable")
        or diag $r->{body};
    cmp_ok($r->{elapsed}, '<', $max, "$what: answered within $max s");
}

my $r = answer();
is($r->{status}, 201, 'baseline answer: 201') or diag explain $r;

# ---- Redis stopped: 503, fast, nothing claimed stored
$redis->stop;
for my $i (1 .. 4) {       # several, so that both workers meet it
    check_503(answer(), "redis stopped, answer $i", 2.5);
}

# ---- Redis started again on the same port: reconnect on demand, AOF kept
$redis->restart;
is($redis->xlen($STREAM), 1, 'AOF kept the entry written before the stop');
$r = answer();
is($r->{status}, 201, 'first answer after the restart: 201 (reconnect on demand)')
    or diag explain $r;
my $ok = 0;
for my $i (1 .. 6) { $ok++ if answer()->{status} == 201 }
is($ok, 6, 'the next 6 answers after the restart: 201 (both workers reconnected)');
is($redis->xlen($STREAM), scalar @ids, 'one entry per 201, none for the 503s');
all_present('after restart');

# ---- kill -9: AOF (fsync always) keeps every acknowledged answer
$redis->kill9;
check_503(answer(), 'redis killed', 2.5);
$redis->restart;
is($redis->xlen($STREAM), scalar @ids, 'every acknowledged answer survived kill -9');
my $after_kill = 0;
for my $i (1 .. 4) { $after_kill++ if answer()->{status} == 201 }
is($after_kill, 4, 'answers after kill -9 and restart: 201');
all_present('after kill -9');

# ---- SCRIPT FLUSH: NOSCRIPT retried once, exactly one entry per answer
for my $round (1 .. 2) {
    is($redis->cmd('SCRIPT', 'FLUSH'), 'OK', "SCRIPT FLUSH ($round)");
    for my $i (1 .. 4) {
        my $before = $redis->xlen($STREAM);
        $r = answer();
        is($r->{status}, 201, "after SCRIPT FLUSH ($round), answer $i: 201") or diag explain $r;
        is($redis->xlen($STREAM) - $before, 1, "after SCRIPT FLUSH ($round), answer $i: exactly one new entry");
    }
}
all_present('after SCRIPT FLUSH');

# ---- Redis paused (SIGSTOP): 503 at the deadline; late replies dropped
my $before_pause = $redis->xlen($STREAM);
$redis->pause;
my $paused503 = 0;
for my $i (1 .. 3) {
    $r = answer();
    check_503($r, "redis paused, answer $i", 1 + 1.5);
    cmp_ok($r->{elapsed}, '>=', 0.5, "redis paused, answer $i: waited for the deadline (1 s)")
        if $i == 1;
    $paused503++ if $r->{status} == 503;
}
$redis->resume;
my $resumed = 0;
for my $i (1 .. 6) {
    $r = answer();
    next unless $r->{status} == 201;
    my %have = map { $_ => 1 } stored_ids();
    $resumed++ if $have{ $r->{id} };
}
is($resumed, 6, 'after SIGCONT: 6 answers 201, each already in the stream when answered');
my $n = $redis->xlen($STREAM);
cmp_ok($n - $before_pause, '>=', 6, 'after SIGCONT: the new answers are stored');
cmp_ok($n - $before_pause, '<=', 6 + $paused503,
    'at most one entry per request sent while paused (late writes are not duplicated)');
all_present('after SIGSTOP/SIGCONT');

# ---- 200 answers over 20 keep-alive connections, 10 pipelined on each
my $base = $redis->xlen($STREAM);
my @conns = map { http_connect($port, timeout => 20) } 1 .. 20;
for my $c (@conns) {
    $c->send_request('POST', $FORM_PATH, body => $json,
        headers => ['Content-Type' => 'application/json']) for 1 .. 10;
}
my (%status, @load_ids);
my $t0 = time;
for my $c (@conns) {
    for my $i (1 .. 10) {
        my $res = eval { $c->read_response(timeout => 20) };
        if (!$res) { $status{error}++; diag "read: $@"; last }
        $status{ $res->{status} }++;
        push @load_ids, (json_decode($res->{body}) // {})->{id} if $res->{status} == 201;
    }
    $c->close;
}
is_deeply(\%status, { 201 => 200 }, '200 pipelined answers over 20 connections: all 201')
    or diag explain \%status;
my %distinct = map { $_ => 1 } grep { defined uuid7_ms($_) } @load_ids;
is(scalar keys %distinct, 200, '200 distinct UUIDv7 ids');
is($redis->xlen($STREAM) - $base, 200, '200 new stream entries');
my %have = map { $_ => 1 } stored_ids();
is(scalar(grep { $have{$_} } keys %distinct), 200, 'every returned id is in the stream');
diag sprintf '200 pipelined answers in %.2f s', time - $t0;

# ---- password + database 3, over TCP
my $secure = start_redis(password => 'motdepasse-redis');
my $n2 = start_nginx(module_conf(http => 'concertation_redis_password motdepasse-redis;'
    . "\n    concertation_redis_database 3;"), redis => $secure);
$r = answer($n2->port, untracked => 1);
is($r->{status}, 201, 'redis with password, database 3: 201') or diag explain $r;
my @in3 = stored_ids($secure, $STREAM, db => 3);
is_deeply(\@in3, [$r->{id}], 'the entry is in database 3');
is($secure->xlen($STREAM), 0, 'and not in database 0');

# ---- wrong password: never 201; Retry-After follows concertation_retry_after
my $n3 = start_nginx(module_conf(drop => ['concertation_retry_after'],
    http => "concertation_redis_password mauvais;\n    concertation_retry_after 7s;"),
    redis => $secure);
check_503(answer($n3->port, untracked => 1), 'wrong redis password', 2.5, 7);
is($secure->xlen($STREAM, db => 3) + $secure->xlen($STREAM), 1, 'nothing stored with a wrong password');

# ---- a database Redis does not have: SELECT refused, and nothing of the
# request reaches Redis before the handshake is answered (it would run in
# database 0)
my $n5 = start_nginx(module_conf(http => 'concertation_redis_database 99;'),
    redis => $secure);
my $before0 = $secure->xlen($STREAM);
my $r5 = answer($n5->port, untracked => 1);
is($r5->{status}, 503, 'database 99: 503') or diag explain $r5;
is($secure->xlen($STREAM), $before0, 'database 99: nothing written in database 0');
like($n5->error_log, qr/Redis refused SELECT/, 'database 99: the refused SELECT is logged');
$n5->stop;

# ---- a replica: ROLE says so, nothing is sent to it; promoted, it is
# used; demoted again (READONLY), the connection is dropped
sub answer_201_within {
    my ($p, $secs) = @_;
    my $deadline = time + $secs;
    my $r;
    for (1 .. 200) {
        $r = answer($p);
        return $r if $r->{status} == 201 || time > $deadline;
        select(undef, undef, undef, 0.1);
    }
    return $r;
}
my $primary = start_redis();
my $replica = start_redis();
is($replica->cmd('REPLICAOF', '127.0.0.1', $primary->port), 'OK', 'replica set up');
my $n6 = start_nginx(module_conf(), redis => $replica);
my $r6 = answer($n6->port, untracked => 1);
is($r6->{status}, 503, 'a replica: 503') or diag explain $r6;
like($n6->error_log, qr/Redis is not a master \(ROLE: slave\)/, 'a replica: ROLE logged');
is($replica->cmd('REPLICAOF', 'NO', 'ONE'), 'OK', 'replica promoted');
$r6 = answer_201_within($n6->port, 8);
is($r6->{status}, 201, 'promoted: 201 within 8 s') or diag explain $r6;
is_deeply([grep { $_ eq $r6->{id} } stored_ids($replica)], [$r6->{id}],
    'promoted: the answer is in its stream');
is($replica->cmd('REPLICAOF', '127.0.0.1', $primary->port), 'OK', 'demoted again');
my %st6;
for (1 .. 6) { $st6{answer($n6->port, untracked => 1)->{status}}++ }
is($st6{201} // 0, 0, 'demoted: never 201') or diag explain \%st6;
like($n6->error_log, qr/no longer a writable master/, 'demoted: the connection is dropped');
$n6->stop;
$replica->stop;
$primary->stop;

# ---- an outage: one line per backoff step, whatever the traffic, with
# the count of the requests that met it
my $oredis = start_redis();
my $n7 = start_nginx(module_conf(), redis => $oredis);
is(answer($n7->port)->{status}, 201, 'outage: 201 before');
$oredis->stop;
my ($n503, $sent) = (0, 0);
my $until = time + 3;
while (time < $until && $sent < 400) {
    $sent++;
    $n503++ if answer($n7->port, untracked => 1)->{status} == 503;
    select(undef, undef, undef, 0.01);
}
$oredis->restart;
is(answer_201_within($n7->port, 8)->{status}, 201, 'outage: 201 after');
select(undef, undef, undef, 0.3);
my @lines = grep { /Redis at|connected to Redis/ } split /\n/, $n7->error_log;
cmp_ok(scalar(@lines), '<=', 24, "outage: at most 24 lines for $sent requests")
    or diag join "\n", @lines;
unlike($n7->error_log, qr/connect\(\) to \S+ failed/,
    "outage: not one line of nginx's own per connect()");
my $counted = 0;
$counted += $_ for map { /(\d+) requests met it/ ? $1 : () } @lines;
is($counted, $n503, "outage: the lines count the $n503 requests answered 503")
    or diag join "\n", @lines;
cmp_ok($n503, '>', 20, 'outage: many requests met it');
like($n7->error_log, qr/next try in 5000 ms|next try in (?:800|1600|3200) ms/,
    'outage: the backoff grows');
like($n7->error_log, qr/connected to Redis at .* again/, 'outage: the return is logged');
$n7->stop;

# ---- unix socket
my $local = start_redis(unixsocket => 1);
my $n4 = start_nginx(module_conf(drop => ['concertation_redis'],
    http => 'concertation_redis unix:%%REDIS_SOCKET%%;'), redis => $local);
$r = answer($n4->port, untracked => 1);
is($r->{status}, 201, 'redis over a unix socket: 201') or diag explain $r;
is_deeply([stored_ids($local)], [$r->{id}], 'entry stored through the unix socket');

finish();
done_testing();
