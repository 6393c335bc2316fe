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

# ---- unix socket
my $local = start_redis(unixsocket => 1);
my $n4 = start_nginx(module_conf(drop => ['concertation_redis'],
    http => 'concertation_redis unix:%%REDIS_SOCKET%%;'), redis => $local);
$r = answer($n4->port, untracked => 1);
is($r->{status}, 201, 'redis over a unix socket: 201') or diag explain $r;
is_deeply([stored_ids($local)], [$r->{id}], 'entry stored through the unix socket');

finish();
done_testing();
