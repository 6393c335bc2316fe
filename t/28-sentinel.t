# Redis Sentinel and WAIT, with real servers on loopback: a master, two
# replicas and three of Debian's redis-sentinel.  The module finds the
# master through the sentinels (the first one listed is down), answers 201
# only once a replica has the answer (concertation_redis_wait), spools it
# otherwise; under load the master is killed (SIGKILL), then a manual
# SENTINEL FAILOVER moves the master again, then the old master comes back
# and is made a replica.  Every answer acknowledged must be in the stream
# of the master at the end, once; no answer may be refused (503) with the
# spool configured.  The export tool and the notifier find the same master.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Concertation::Load;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $tmp = test_dir();
my $root = repo_root();
my $EXPORT = $ENV{CONCERTATION_EXPORT} // "$root/build/concertation-export";
my $NOTIFY = $ENV{CONCERTATION_NOTIFY} // "$root/build/concertation-notify";

sub wait_until {
    my ($secs, $code) = @_;
    my $deadline = time + $secs;
    while (time < $deadline) {
        my $v = $code->();
        return $v if $v;
        sleep 0.1;
    }
    return $code->();
}

sub info_has {
    my ($redis, $section, $re) = @_;
    my $i = eval { $redis->cmd('INFO', $section) } // '';
    return !ref $i && $i =~ $re;
}

sub role { my $r = eval { $_[0]->cmd('ROLE') }; return ref $r eq 'ARRAY' ? $r->[0] : '' }

# one answer, as run_load reports them: nonce, status, id
sub post {
    my ($nginx, $nonce) = @_;
    my $r = post_json($nginx->port, $FORM_PATH, body_with($nonce));
    return { nonce => $nonce, status => $r->{status},
             id => (json_decode($r->{body} // '') // {})->{id} // '' };
}

# ---------------------------------------------------------- the servers ---

my $m = start_redis();
my @replicas = map { start_redis(args => ['--replicaof', '127.0.0.1', $m->port]) } 1 .. 2;
ok(wait_until(15, sub { !grep { !info_has($_, 'replication', qr/master_link_status:up/) } @replicas }),
   'two replicas in sync with the master');
my @sentinels = map { start_sentinel(master => $m) } 1 .. 3;
ok(wait_until(20, sub {
       !grep {
           my $s = $_;
           my $r = eval { $s->cmd('SENTINEL', 'REPLICAS', 'mymaster') } // [];
           my $o = eval { $s->cmd('SENTINEL', 'SENTINELS', 'mymaster') } // [];
           !(ref $r eq 'ARRAY' && @$r == 2 && ref $o eq 'ARRAY' && @$o == 2)
       } @sentinels
   }), 'each sentinel knows the two replicas and the two other sentinels');

my %by_port = map { ($_->port => $_) } $m, @replicas;
sub master_now {
    my $a = eval { $sentinels[0]->cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster') };
    return ref $a eq 'ARRAY' ? $by_port{ $a->[1] } : undef;
}

my $dead = Concertation::Test::free_port();
my $list = join ' ', "127.0.0.1:$dead", map { '127.0.0.1:' . $_->port } @sentinels;
my $spool = "$tmp/spool";
my $nginx = start_nginx(module_conf(
    http => join("\n    ",
                 "concertation_redis_sentinel mymaster $list;",
                 'concertation_redis_wait replicas=1 timeout=200ms;',
                 "concertation_spool $spool fsync=on;"),
    server => 'location = /status { concertation_status; }',
    drop => ['concertation_redis']), redis => $m);

# ---------------------------------------------------- 1. the way there ---

# until the first 201, each try a new answer of its own: a try answered
# 202 (no master known yet, or WAIT past its 200 ms on a slow machine) is
# in the spool and reaches the stream too, so it is counted, never retried
my (@first, $try);
my $res = wait_until(10, sub {
    my $r = post($nginx, 'a-1-' . ++$try);
    push @first, $r if $r->{status} == 201 || $r->{status} == 202;
    $r->{status} == 201 ? $r : undef });
is($res && $res->{status}, 201, 'an answer through the sentinels: 201');
is(scalar(grep { $_->{fields}{id} eq $res->{id} } $m->stream($STREAM)), 1,
   '... in the master the sentinels name');
ok(wait_until(10, sub { !grep { $_->xlen($STREAM) != @first } $m, @replicas }),
   '... and on the replicas (with the tries before it answered 202: ' . (@first - 1) . ')');
like($nginx->error_log, qr/Redis Sentinel at 127\.0\.0\.1:\d+: the master "mymaster" is at 127\.0\.0\.1:${\ $m->port} \(asked\)/,
     'the workers logged where the sentinels say the master is');
like($nginx->error_log, qr/Redis Sentinel at 127\.0\.0\.1:$dead: connect\(\) failed/,
     'the sentinel down, first in the list, was passed over');

# ------------------------------------------- 2. no replica to confirm ---

sub unconfirmed_total {
    my $r = http_request($nginx->port, 'GET', '/status', headers => ['Accept' => 'text/plain']);
    my $n = 0;
    $n += $1 while ($r->{body} // '') =~ /^concertation_redis_wait_unconfirmed_total\{worker="\d+"\} (\d+)$/mg;
    return $n;
}
my $unconfirmed_before = unconfirmed_total();
$_->stop for @replicas;
my @short = map { post($nginx, "a-2-$_") } 1 .. 3;
is(join(' ', map { $_->{status} } @short), '202 202 202',
   'no replica confirms within 200 ms: the answers are spooled (202)');
like($nginx->error_log, qr/WAIT: 0 of 1 replicas within 200 ms; \d+ answers not confirmed/,
     '... and the log says why');
is(unconfirmed_total() - $unconfirmed_before, 3,
   '... and concertation_redis_wait_unconfirmed_total counts them: 3 more');
$_->restart for @replicas;
ok(wait_until(15, sub { !grep { !info_has($_, 'replication', qr/master_link_status:up/) } @replicas }),
   'the replicas back in sync');
ok(wait_until(15, sub { spool_bytes($spool) == 0 }), 'the spool replayed, through WAIT');
my ($by_nonce) = check_acked($m, 'a', 'replicas away', @first, @short);
ok(wait_until(5, sub { !grep { $_->xlen($STREAM) != @first + 3 } @replicas }),
   '... the first answers and the three on both replicas');

# ----------------------------------------- 3. failovers, under load ---

my ($killed, $failover, $back, $fo_reply);
my $first_master = $m;
my @res = run_load(port => $nginx->port, tag => 'f', clients => 6, spool => $spool,
    secs => 14, max => 4000, pause => 0.01, http_timeout => 5,
    actions => [
        [1.5, sub { $killed = time; $m->kill9 }],
        [6.5, sub {
             # once the sentinels are done with the first failover
             my $deadline = time + 6;
             while (time < $deadline) {
                 $fo_reply = eval { $sentinels[1]->cmd('SENTINEL', 'FAILOVER', 'mymaster') };
                 last if defined $fo_reply && !ref $fo_reply;
                 sleep 0.2;
             }
             $failover = time;
         }],
        [10.5, sub { $m->restart; $back = time }],
    ]);
$_ -= $LOAD_T0 for grep { defined } $killed, $failover, $back;
diag sprintf('%d requests (%s); master killed at %.2f s, SENTINEL FAILOVER at %.2f s (%s), '
             . 'the old master back at %.2f s', scalar @res, tally(@res), $killed, $failover,
             ref $fo_reply ? $fo_reply->{message} : $fo_reply // 'no reply', $back);
is($fo_reply, 'OK', 'the manual failover was accepted');

my @refused = grep { $_->{status} !~ /^20[12]$/ } @res;
ok(!@refused, 'every request answered 201 or 202: none refused, none lost on the way')
    or diag join "\n", map { "$_->{nonce} $_->{status} $_->{error}" } first10(@refused);

my ($after_kill) = grep { $_->{status} == 201 && $_->{t} > $killed } sort { $a->{t} <=> $b->{t} } @res;
ok($after_kill, 'answers confirmed again (201) after the master was killed');
diag sprintf('first 201 %.2f s after the kill', $after_kill->{t} - $killed) if $after_kill;
my ($after_fo) = grep { $_->{status} == 201 && $_->{t} > $failover } sort { $a->{t} <=> $b->{t} } @res;
ok($after_fo, 'and after the manual failover');
diag sprintf('first 201 %.2f s after SENTINEL FAILOVER', $after_fo->{t} - $failover) if $after_fo;

# a worker learns a move from the message, or from asking again when its
# connection fails first
my @moves = $nginx->error_log =~ /the master "mymaster" is at (\S+) \((?:asked|\+switch-master)\)/g;
my %moved = map { $_ => 1 } @moves;
is(scalar keys %moved, 3, 'the workers followed the master to its three places in turn')
    or diag "@moves";
# which way a worker learns a move is a race (the message, or asking again
# after READONLY or a lost connection): said, not asserted; what holds is
# that every worker listens for the message
diag 'moves learned: ' . join(', ', $nginx->error_log =~ /is at \S+ \(([^)]+)\)/g);
ok(wait_until(10, sub {
       my $n = 0;
       for my $s (@sentinels) {
           my $r = eval { $s->cmd('CLIENT', 'LIST') } // '';
           $n += () = (ref $r ? '' : $r) =~ /\bsub=1\b/g;
       }
       $n >= 2;
   }), 'each of the two workers is subscribed to +switch-master on a sentinel');

my $final = master_now();
ok($final && $final != $first_master, 'the master is now one of the former replicas');
ok(wait_until(15, sub { role($m) eq 'slave' }), 'the old master came back as a replica');
ok(wait_until(30, sub { spool_bytes($spool) == 0 }), 'the spool emptied into the new master');
check_acked($final, 'f', 'failovers', @res);
check_acked($final, 'a', 'failovers (the first answers)', @first, @short);
ok(wait_until(15, sub {
       my $n = $final->xlen($STREAM);
       !grep { $_ != $final && eval { $_->xlen($STREAM) } != $n } $m, @replicas
   }), 'the three servers hold the same stream at the end');

# -------------------------------------------------------- 4. the tools ---

my $spec = "mymaster\@127.0.0.1:$dead," . join(',', map { '127.0.0.1:' . $_->port } @sentinels);
{
    my $pid = Concertation::Test::spawn("$tmp/export.log", $EXPORT, '--sentinelle', $spec,
        '--complet', '--format', 'jsonl', '--sortie', "$tmp/all.jsonl");
    my $st = Concertation::Test::wait_pid($pid, 60);
    is($st, 0, 'concertation-export --sentinelle: exit 0') or diag slurp("$tmp/export.log");
    my @lines = split /\n/, slurp("$tmp/all.jsonl") // '';
    is(scalar @lines, $final->xlen($STREAM), '... every answer of the master the sentinels name');

    $pid = Concertation::Test::spawn("$tmp/export-none.log", $EXPORT, '--sentinelle',
        "autre\@127.0.0.1:" . $sentinels[0]->port, '--complet', '--sortie', "$tmp/none.csv");
    $st = Concertation::Test::wait_pid($pid, 60);
    is($st >> 8, 2, 'a master the sentinels do not know: exit 2 (Redis)');
    like(slurp("$tmp/export-none.log") // '', qr/knows no master "autre"/, '... saying so');
}
{
    spew("$tmp/secret", "$SECRET\n");
    my $pid = Concertation::Test::spawn("$tmp/notify.log", $NOTIFY, '--sentinel', $spec,
        '--events', "$root/conf/events.json", '--secret-file', "$tmp/secret",
        '--site', 'https://concertation-ess.normandie.fr',
        '--smtp', 'smtp://127.0.0.1:' . Concertation::Test::free_port(),
        '--from', 'concertation-ess@normandie.fr', '--once');
    my $st = Concertation::Test::wait_pid($pid, 60);
    is($st, 0, 'concertation-notify --sentinel --once: exit 0') or diag slurp("$tmp/notify.log");
    my $groups = eval { $final->cmd('XINFO', 'GROUPS', 'concertation:inscriptions') } // [];
    ok(ref $groups eq 'ARRAY' && grep({ ref $_ eq 'ARRAY' && $_->[1] eq 'notify' } @$groups),
       '... its consumer group made on the master the sentinels name');
}

# ---------------------------------------------- 5. a sentinel's password ---

{
    my $locked = start_sentinel(master => $final, password => 's3cret-sentinelle');
    my $conf = sub {
        module_conf(http => "concertation_redis_sentinel mymaster 127.0.0.1:"
                            . $locked->port . " password=$_[0];",
                    drop => ['concertation_redis']);
    };
    my $good = start_nginx($conf->('s3cret-sentinelle'), redis => $final);
    my $r = wait_until(10, sub { my $x = post($good, 'p-1-1'); $x->{status} == 201 ? $x : undef });
    is($r && $r->{status}, 201, 'a sentinel with a password, the right one: 201');
    my $bad = start_nginx($conf->('faux'), redis => $final);
    ok(wait_until(10, sub { $bad->error_log =~ /Redis Sentinel at 127\.0\.0\.1:\d+ refused a command: WRONGPASS/ }),
       'the wrong one: the sentinel refuses, and the log says so');
    is(post($bad, 'p-2-1')->{status}, 503, '... no master known, no spool: 503');
}

# ------------------------------------------------------- 6. the directives ---

my @cases = (
    ["concertation_redis 127.0.0.1:6379;\n    concertation_redis_sentinel mymaster 127.0.0.1:26379;",
     qr/given with "concertation_redis"/, 'a sentinel list and an address'],
    ['concertation_redis_sentinel mymaster password=x;', qr/needs the address of a sentinel/,
     'no sentinel address'],
    ['concertation_redis_sentinel "my master" 127.0.0.1;', qr/master name without spaces/,
     'a master name with a space'],
    ["concertation_redis_sentinel mymaster 127.0.0.1;\n    concertation_redis_wait replicas=1 timeout=50ms;",
     qr/"concertation_redis_wait" needs "concertation_spool"/, 'WAIT without a spool'],
    ["concertation_redis_sentinel mymaster 127.0.0.1;\n    concertation_spool $tmp/s2;\n"
     . "    concertation_redis_wait replicas=1 timeout=2s;",
     qr/must be longer than the timeout of "concertation_redis_wait"/, 'WAIT longer than the deadline'],
    ["concertation_redis_sentinel mymaster 127.0.0.1;\n    concertation_redis_wait replicas=0 timeout=50ms;",
     qr/a number from 1 to 100/, 'WAIT for no replica'],
);
for my $c (@cases) {
    my ($http, $re, $what) = @$c;
    my ($rc, $out) = nginx_t(module_conf(http => $http, drop => ['concertation_redis']));
    isnt($rc, 0, "nginx -t refuses $what");
    like($out, $re, '... saying why') or diag $out;
}

finish();
done_testing();
