# "nginx -s reload" (HUP to the master) every second for 20 seconds under
# load: every request gets exactly one answer, every 201 is in the stream
# exactly once (and nothing else is), the old workers exit, no alert and
# no "open socket" left.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $RELOADS = 20;          # one a second
my $CLIENTS = 4;
my $PER_CLIENT = 3000;     # bounded in count, and in time below
my $ANSWER = json_decode(read_data('questionnaire.json'));

my $redis = start_redis();
my $nginx = start_nginx(module_conf(), redis => $redis);
my $port = $nginx->port;
my $dir = test_dir();

sub body_for {
    my ($marker) = @_;
    my %a = %$ANSWER;
    $a{vision} = "Contribution pendant les rechargements, marqueur-$marker, fin.";
    return json_encode(\%a);
}

sub stored_markers {      # marker => [ids] in the stream
    my %m;
    for my $e ($redis->stream($STREAM)) {
        my ($k) = ($e->{fields}{data} // '') =~ /marqueur-(\d+)/;
        push @{ $m{$k // 'none'} }, $e->{fields}{id};
    }
    return %m;
}

# ---- the load: each client alternates runs of 5 requests on one
# keep-alive connection with requests on connections of their own, and
# writes "marker status id" for each request to its file.  A reused
# keep-alive connection that the old worker closed before any byte of a
# response (an idle connection closed at the reload: the request was
# never read) is noted "marker closed", and the same request is sent
# again on a new connection.
sub client {
    my ($n, $until) = @_;
    open my $out, '>', "$dir/client-$n" or POSIX::_exit(2);
    $out->autoflush(1);
    my $c;
    my $on_conn = 0;
    for my $i (1 .. $PER_CLIENT) {
        last if time > $until;
        my $marker = $n * 100000 + $i;
        my $keepalive = int($i / 5) % 2;
        my $res;
        for my $attempt (1 .. 3) {
            my $reused = $keepalive && $c && $on_conn > 0;
            if (!$keepalive || !$c) {
                $c->close if $c;
                $c = eval { http_connect($port, timeout => 10) };
                $on_conn = 0;
                if (!$c) { print {$out} "$marker connect\n"; sleep 0.05; next }
            }
            my $h = ['Content-Type' => 'application/json',
                     $keepalive ? () : (Connection => 'close')];
            $res = eval {
                $c->request('POST', $FORM_PATH, body => body_for($marker),
                            headers => $h, timeout => 10);
            };
            if ($res) {
                $on_conn++;
                my $close = ($res->{headers}{connection} // '') =~ /close/i;
                if (!$keepalive || $close) { $c->close; $c = undef }
                last;
            }
            my $err = $@;
            $c->close;
            $c = undef;
            if ($reused && $err =~ /before a response/) {
                print {$out} "$marker closed\n";
                next;
            }
            chomp $err;
            $err =~ s/\s+/_/g;
            print {$out} "$marker error:$err\n";
            $res = undef;
            last;
        }
        next unless $res;
        my $id = (json_decode($res->{body}) // {})->{id} // '-';
        print {$out} "$marker $res->{status} $id\n";
        sleep 0.005;
    }
    $c->close if $c;
    POSIX::_exit(0);
}

my $t0 = time;
my $until = $t0 + $RELOADS + 1;
my @kids;
for my $n (1 .. $CLIENTS) {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) { eval { client($n, $until) }; POSIX::_exit(1) }
    push @kids, $pid;
}

# ---- the reloads, one a second; the workers before each one must be gone
# within 5 s of it
my @pending;              # [time of the reload, old worker pids]
my @exit_times;
my ($reloads, $late) = (0, 0);
my $master = $nginx->pid;
for my $k (1 .. $RELOADS) {
    my $at = $t0 + $k;
    while (time < $at) {
        @pending = grep {
            my ($when, $pids) = @$_;
            my @left = grep { kill 0, $_ } @$pids;
            if (!@left) { push @exit_times, time - $when; 0 }
            elsif (time - $when > 5) { $late++; diag "old workers still there 5 s after a reload: @left"; 0 }
            else { 1 }
        } @pending;
        sleep 0.02;
    }
    my @old = $nginx->workers;
    kill 'HUP', $master or last;
    $reloads++;
    push @pending, [time, \@old];
}
my $deadline = time + 6;
while (@pending && time < $deadline) {
    @pending = grep {
        my ($when, $pids) = @$_;
        my @left = grep { kill 0, $_ } @$pids;
        if (!@left) { push @exit_times, time - $when; 0 } else { 1 }
    } @pending;
    sleep 0.05;
}
$late += @pending;
is($reloads, $RELOADS, "$RELOADS reloads sent, one a second");
is($late, 0, 'the workers before each reload exited within 5 s');
my ($slowest) = sort { $b <=> $a } @exit_times;
diag sprintf 'old workers gone %.2f s after a reload at the slowest', $slowest // -1;
ok(Concertation::Test::pid_alive($master), 'the master is still running');
is(scalar($nginx->workers), 2, 'two workers at the end');

for my $pid (@kids) {
    my $st = Concertation::Test::wait_pid($pid, 30);
    Concertation::Test::stop_pid($pid, 'KILL', 5) unless defined $st;
}
my $elapsed = time - $t0;

# ---- every request: exactly one answer
my (%answer, %status, %closed, @errors, @twice);
for my $n (1 .. $CLIENTS) {
    for (split /\n/, slurp("$dir/client-$n") // '') {
        my ($m, $s, $id) = split / /;
        if ($s eq 'closed') { $closed{$m}++; next }
        if ($s !~ /^\d+\z/) { push @errors, "$m $s"; next }
        push @twice, $m if exists $answer{$m};
        $answer{$m} = [$s, $id];
        $status{$s}++;
    }
}
my $sent = keys %answer;
diag sprintf '%d requests answered in %.1f s (%s); %d keep-alive '
    . 'connections closed idle by an old worker, sent again',
    $sent, $elapsed, join(', ', map { "$_: $status{$_}" } sort keys %status),
    scalar keys %closed;
cmp_ok($sent, '>=', 200, 'a real load: at least 200 requests');
ok(!@errors, 'no request without an answer (no reset, no timeout)')
    or diag join "\n", @errors[0 .. ($#errors < 20 ? $#errors : 19)];
ok(!@twice, 'no request answered twice');
is_deeply(\%status, { 201 => $sent }, 'every answer is a 201')
    or diag explain \%status;

# ---- the stream: one entry per 201, with its id, nothing else
my %stored = stored_markers();
my (@missing, @dup, @wrong_id, @extra);
for my $m (keys %answer) {
    my ($s, $id) = @{ $answer{$m} };
    my $ids = $stored{$m} // [];
    next unless $s == 201;
    if (!@$ids) { push @missing, $m }
    elsif (@$ids > 1) { push @dup, $m }
    elsif ($ids->[0] ne $id) { push @wrong_id, "$m: answered $id, stored $ids->[0]" }
}
for my $m (keys %stored) {
    push @extra, $m unless exists $answer{$m};
}
ok(!@missing, 'every id answered 201 is in the stream') or diag "missing: @missing";
ok(!@dup, 'no request stored twice') or diag "twice: @dup";
ok(!@wrong_id, 'each stream entry carries the id answered for its request')
    or diag join "\n", @wrong_id;
ok(!@extra, 'nothing stored that was not answered (closed keep-alive '
    . 'requests were never read)') or diag "extra: @extra";
my @all_ids = map { @$_ } values %stored;
my %distinct = map { $_ => 1 } @all_ids;
is(scalar keys %distinct, scalar @all_ids, 'no duplicate id in the stream');
is($redis->xlen($STREAM), $status{201} // 0, 'stream entries = 201 answers');

unlike($nginx->error_log, qr/open socket/, 'no "open socket" left at any reload');

finish();
done_testing();
