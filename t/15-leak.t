# A leak check under load: the workers' RSS, sampled every second over
# 60 seconds of mixed traffic (valid answers, invalid JSON, answers the
# schema refuses, oversized bodies, and requests that meet a paused Redis
# and its deadline), stays flat after a warm-up.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $SECONDS = 60;
my $WARMUP = 15;
my $CLIENTS = 2;
my $PER_CLIENT = 30000;          # bounded in count, and in time
my $MAX_GROWTH_KB = 2048;
my $ANSWER = json_decode(read_data('questionnaire.json'));

my $redis = start_redis();
my $nginx = start_nginx(module_conf(
    drop => ['concertation_redis_timeout'],
    http => 'concertation_redis_timeout 300ms;'), redis => $redis);
my $port = $nginx->port;
my $dir = test_dir();
my @workers = $nginx->workers;
is(scalar @workers, 2, 'two workers');

sub rss_kb {
    my ($pid) = @_;
    my $s = slurp("/proc/$pid/status") // return undef;
    return $s =~ /^VmRSS:\s+(\d+)\s+kB/m ? $1 : undef;
}

# ---- the traffic: valid (201, or 503 while Redis is paused), invalid
# JSON (400), refused by the schema (422), oversized (413); keep-alive and
# new connections.  Each client counts its statuses into its file.
sub client {
    my ($n, $until) = @_;
    my %count;
    my $i = 0;
    my $c;
    my $big = '{"vision":"' . ('x' x (80 * 1024)) . '"}';
    my @kinds = (
        sub { my %a = %$ANSWER; $a{vision} = "Fuite $n-$i, rien de plus."; json_encode(\%a) },
        sub { '{"profil": "acteur_ess", "departement": ' },
        sub { my %a = %$ANSWER; $a{departement} = 'atlantide'; json_encode(\%a) },
        sub { $big },
    );
    while ($i < $PER_CLIENT && time < $until) {
        $i++;
        my $kind = $i % 7 == 0 ? 3 : $i % 5 == 0 ? 2 : $i % 3 == 0 ? 1 : 0;
        my $keepalive = $kind != 3 && $i % 2;
        my $res = eval {
            $c //= http_connect($port, timeout => 5);
            my $r = $c->request('POST', $FORM_PATH, body => $kinds[$kind]->(),
                headers => ['Content-Type' => 'application/json',
                            $keepalive ? () : (Connection => 'close')],
                timeout => 5);
            if (!$keepalive || ($r->{headers}{connection} // '') =~ /close/i) {
                $c->close;
                $c = undef;
            }
            $r;
        };
        if (!$res) {
            $count{error}++;
            $c->close if $c;
            $c = undef;
            next;
        }
        $count{ $res->{status} }++;
        sleep 0.002;
    }
    $c->close if $c;
    open my $out, '>', "$dir/client-$n" or POSIX::_exit(2);
    print {$out} join("\n", map { "$_ $count{$_}" } sort keys %count), "\n";
    close $out;
    POSIX::_exit(0);
}

my $t0 = time;
my @kids;
for my $n (1 .. $CLIENTS) {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) { eval { client($n, $t0 + $SECONDS) }; POSIX::_exit(1) }
    push @kids, $pid;
}

# ---- one sample a second; Redis paused (SIGSTOP) for 1.5 s every 6 s
my (@samples, $warm);
my $pauses = 0;
for my $s (1 .. $SECONDS) {
    my $at = $t0 + $s;
    if ($s % 6 == 3) {
        $redis->pause;
        $pauses++;
        sleep 1.5;
        $redis->resume;
    }
    sleep 0.05 while time < $at;
    my @rss = map { rss_kb($_) } @workers;
    push @samples, [$s, @rss];
    $warm = [@rss] if $s == $WARMUP;
}
$redis->resume;

for my $pid (@kids) {
    my $st = Concertation::Test::wait_pid($pid, 15);
    Concertation::Test::stop_pid($pid, 'KILL', 5) unless defined $st;
}

my %status;
for my $n (1 .. $CLIENTS) {
    for (split /\n/, slurp("$dir/client-$n") // '') {
        my ($k, $v) = split / /;
        $status{$k} += $v;
    }
}
diag 'statuses: ' . join(', ', map { "$_: $status{$_}" } sort keys %status);
diag 'RSS (kB) of the two workers, by second:';
diag join "\n", map { sprintf '%3d s  %s', $_->[0],
    join('  ', map { $_ // '-' } @{$_}[1 .. $#$_]) } @samples;

ok(!$status{error}, 'every request answered') or diag "errors: $status{error}";
cmp_ok($status{201} // 0, '>', 500, 'valid answers stored (201)');
cmp_ok($status{503} // 0, '>', 5, 'requests met the paused Redis (503)');
cmp_ok($status{400} // 0, '>', 100, 'invalid JSON refused (400)');
cmp_ok($status{422} // 0, '>', 100, 'answers refused by the schema (422)');
cmp_ok($status{413} // 0, '>', 100, 'oversized bodies refused (413)');
my %known = map { $_ => 1 } qw(201 503 400 422 413);
ok(!grep({ !$known{$_} } keys %status), 'no other status')
    or diag explain \%status;
is($pauses, int(($SECONDS - 3) / 6) + 1, "Redis paused $pauses times");

is_deeply([$nginx->workers], \@workers, 'the same two workers throughout');

# Under AddressSanitizer (make test-asan) freed memory waits in ASan's
# quarantine, so RSS grows without a leak: the traffic runs, unmeasured.
my $asan = (slurp("/proc/$workers[0]/maps") // '') =~ /libasan/;
my $last = $samples[-1];
SKIP: {
skip 'nginx runs under AddressSanitizer: RSS says nothing', 2 * @workers
    if $asan;
for my $w (0 .. $#workers) {
    my ($from, $to) = ($warm->[$w], $last->[$w + 1]);
    ok(defined $from && defined $to, "worker $workers[$w]: sampled");
    cmp_ok(($to // 0) - ($from // 0), '<', $MAX_GROWTH_KB,
        "worker $workers[$w]: RSS grew by less than $MAX_GROWTH_KB kB "
        . "from $WARMUP s to $SECONDS s (" . ($from // '-') . ' -> '
        . ($to // '-') . ' kB)');
}
}

finish();
done_testing();
