# A fake RESP server in place of Redis: replies one byte at a time, a
# 64 KiB burst of pipelined replies, garbage (bad type byte, huge bulk
# length, close mid-reply), the error replies LOADING, READONLY, BUSY, OOM,
# and NOSCRIPT to EVALSHA.  Every request is answered, by the reply meant
# for it, or failed cleanly; the module reconnects after a protocol error.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Errno qw(EAGAIN EINTR EWOULDBLOCK);
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $ANSWER = json_decode(read_data('questionnaire.json'));
my $UUID = qr/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z/;

# ----------------------------------------------------------- the fake ---
#
# A child process with a select loop.  It answers the handshake (AUTH,
# SELECT: +OK; PING: +PONG; TIME), and the store commands (XADD: a bulk
# entry id; EVALSHA/EVAL: the store script's {1, entry id, 0}).  What it
# does to the store commands follows the file "mode", read at each one:
#   "<seq> normal"            plain replies
#   "<seq> bytewise"          every reply written one byte at a time
#   "<seq> burst <n>"         replies held until n store commands wait,
#                             then all of them in one write (the
#                             refusals padded to about 2 KiB each)
#   "<seq> once <what>"       the next store command only gets <what>:
#                             badtype, hugelen, overflow, close, or an
#                             error word (LOADING, READONLY, MASTERDOWN,
#                             BUSY, OOM)
#   "<seq> noscript"          EVALSHA answered NOSCRIPT, EVAL normally
# In bytewise and burst modes, a store command whose answer carries an odd
# marker is refused (-ERR), an even one stored: a reply delivered to the
# wrong request shows as a wrong status.
# The fake logs to "seen": CONNECT, and "<COMMAND> <id> <marker>" for each
# store command.

my $dir = test_dir() . '/fake';
mkdir $dir or die "mkdir $dir: $!";
my $fake_port;
my $fake_pid;
my $seq = 0;

sub set_mode {
    my ($mode) = @_;
    $seq++;
    spew("$dir/mode.tmp", "$seq $mode\n");
    rename "$dir/mode.tmp", "$dir/mode" or die "rename: $!";
}

sub seen {
    my $t = slurp("$dir/seen") // '';
    return split /\n/, $t;
}

sub parse_command {      # (args, bytes used) or () when incomplete
    my ($buf) = @_;
    return () unless $buf =~ /\A\*(\d+)\r\n/;
    my ($n, $pos) = ($1, length "*$1\r\n");
    my @args;
    for (1 .. $n) {
        my $nl = index($buf, "\r\n", $pos);
        return () if $nl < 0;
        my $h = substr($buf, $pos, $nl - $pos);
        die "fake: bad bulk header $h\n" unless $h =~ /^\$(\d+)\z/;
        my $len = $1;
        return () if length($buf) < $nl + 2 + $len + 2;
        push @args, substr($buf, $nl + 2, $len);
        $pos = $nl + 2 + $len + 2;
    }
    return (\@args, $pos);
}

sub fake_main {
    my ($listen) = @_;
    open my $log, '>>', "$dir/seen" or POSIX::_exit(2);
    $log->autoflush(1);
    my $sel = IO::Select->new($listen);
    my (%in, %out, %bytewise, @held, $held_since);
    my ($applied, $mode) = (0, 'normal');
    my $entry = 0;
    my $deadline = time + 120;                     # never outlives the test

    my $read_mode = sub {
        my $m = slurp("$dir/mode") // "0 normal\n";
        chomp $m;
        my ($s, $rest) = split / /, $m, 2;
        return ($s, $rest);
    };

    while (time < $deadline) {
        # one byte a millisecond while a byte-wise reply is being written
        my $wait = (grep { $bytewise{$_} && length($out{$_} // '') }
                    keys %out) ? 0.001 : 0.01;
        for my $s ($sel->can_read($wait)) {
            if ($s == $listen) {
                my $c = $listen->accept or next;
                binmode $c;
                setsockopt($c, IPPROTO_TCP, TCP_NODELAY, 1);
                $sel->add($c);
                $in{$c} = '';
                $out{$c} = '';
                print {$log} "CONNECT\n";
                next;
            }
            my $n = sysread($s, $in{$s}, 65536, length $in{$s});
            if (!$n) {
                next if !defined $n && ($! == EINTR || $! == EAGAIN);
                $sel->remove($s);
                @held = grep { $_->[0] != $s } @held;
                delete $in{$s}; delete $out{$s}; delete $bytewise{$s};
                close $s;
                next;
            }
            while (my ($args, $used) = parse_command($in{$s})) {
                substr($in{$s}, 0, $used, '');
                my $cmd = uc $args->[0];
                if ($cmd eq 'PING') { $out{$s} .= "+PONG\r\n"; next }
                if ($cmd eq 'AUTH' || $cmd eq 'SELECT') { $out{$s} .= "+OK\r\n"; next }
                if ($cmd eq 'ROLE') { $out{$s} .= "*3\r\n\$6\r\nmaster\r\n:0\r\n*0\r\n"; next }
                if ($cmd eq 'TIME') {
                    my ($sec, $usec) = Time::HiRes::gettimeofday();
                    $out{$s} .= "*2\r\n\$" . length($sec) . "\r\n$sec\r\n\$"
                        . length($usec) . "\r\n$usec\r\n";
                    next;
                }
                if ($cmd ne 'XADD' && $cmd ne 'EVAL' && $cmd ne 'EVALSHA') {
                    $out{$s} .= "-ERR fake: unknown command '$cmd'\r\n";
                    next;
                }
                my ($id) = grep { /$UUID/ } @$args;
                my ($marker) = map { /marqueur-(\d+)/ ? $1 : () } @$args;
                print {$log} "$cmd ", $id // '-', ' ', $marker // '-', "\n";
                my ($s_seq, $m) = $read_mode->();
                my ($kind, $arg) = split / /, $m // 'normal', 2;
                if ($kind eq 'once' && $s_seq > $applied) {
                    $applied = $s_seq;
                    if ($arg eq 'badtype') {
                        $out{$s} .= "?nimporte quoi\r\n";
                    } elsif ($arg eq 'hugelen') {
                        $out{$s} .= "\$9999999999999999999999999\r\n";
                    } elsif ($arg eq 'biglen') {
                        $out{$s} .= "\$1073741824\r\nabc";
                    } elsif ($arg eq 'overflow') {
                        $out{$s} .= "*-99999999\r\n:1\r\n";
                    } elsif ($arg eq 'close') {
                        syswrite $s, "\$15\r\n17000";
                        $sel->remove($s);
                        delete $in{$s}; delete $out{$s};
                        close $s;
                        last;
                    } else {
                        $out{$s} .= "-$arg simulated by the fake server\r\n";
                    }
                    next;
                }
                if ($kind eq 'noscript' && $cmd eq 'EVALSHA') {
                    $out{$s} .= "-NOSCRIPT No matching script. Please use EVAL.\r\n";
                    next;
                }
                # the burst's bytes are in the refusals' text: an entry
                # id has to look like one
                my $pad = $kind eq 'burst' ? 'x' x 2048 : '';
                my $ok = !defined $marker || $marker % 2 == 0
                         || ($kind ne 'bytewise' && $kind ne 'burst');
                my $sid = sprintf '%d-%d', 1700000000000 + ++$entry, 0;
                my $reply = !$ok ? "-ERR marqueur impair refuse $pad\r\n"
                    : $cmd eq 'XADD' ? "\$" . length($sid) . "\r\n$sid\r\n"
                    : "*3\r\n:1\r\n\$" . length($sid) . "\r\n$sid\r\n:0\r\n";
                $bytewise{$s} = $kind eq 'bytewise';
                if ($kind eq 'burst') {
                    $held_since //= time;
                    push @held, [$s, $reply];
                } else {
                    $out{$s} .= $reply;
                }
            }
        }
        # burst: everything held, in one write per connection
        my ($s_seq, $m) = $read_mode->();
        my ($kind, $arg) = split / /, $m // 'normal', 2;
        if (@held && ($kind ne 'burst' || @held >= $arg
                      || time - $held_since > 5))
        {
            my %chunk;
            $chunk{ $_->[0] } .= $_->[1] for @held;
            for my $s (map { $_->[0] } @held) {
                next unless exists $chunk{$s};
                my $data = delete $chunk{$s};
                print {$log} 'BURST ', scalar(grep { $_->[0] == $s } @held),
                    ' ', length($data), "\n";
                $s->blocking(1);
                my $w = syswrite($s, $data);
                print {$log} "SHORT WRITE\n" unless ($w // 0) == length $data;
            }
            @held = ();
            $held_since = undef;
        }
        for my $s ($sel->handles) {
            next if $s == $listen || !length($out{$s} // '');
            my $n = syswrite($s, $out{$s}, $bytewise{$s} ? 1 : length $out{$s});
            substr($out{$s}, 0, $n, '') if $n;
        }
    }
    POSIX::_exit(0);
}

sub start_fake {
    my $listen = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
        Listen => 128, ReuseAddr => 1,
    ) or die "fake listen: $!";
    set_mode('normal');
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        eval { fake_main($listen) };
        print STDERR "fake: $@" if $@;
        POSIX::_exit(1);
    }
    $fake_port = $listen->sockport;
    close $listen;
    return $pid;
}

$fake_pid = start_fake();
my $parent = $$;
END {      # a test that dies on the way still stops the fake, by its pid
    local $?;
    Concertation::Test::stop_pid($fake_pid, 'TERM', 5)
        if $fake_pid && $$ == $parent;
}

# ---------------------------------------------------------- the server ---

my $nginx = start_nginx(module_conf(
    drop => ['concertation_redis_timeout'],
    http => "concertation_redis_timeout 3s;\n    "
          . 'concertation_limit_zone zone=l:1m;',
    server => <<'LOC'), vars => { REDIS => "127.0.0.1:$fake_port" }, workers => 1);
location = /l {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_limit zone=l rate=100r/s burst=100;
            concertation_limit_redis on;
        }
LOC
my $port = $nginx->port;

sub body_for {
    my ($marker) = @_;
    my %a = %$ANSWER;
    $a{vision} = "Contribution de test, marqueur-$marker, fin.";
    return json_encode(\%a);
}

sub id_of { return (json_decode($_[0]{body} // '') // {})->{id} }

sub code_of {
    my $b = json_decode($_[0]{body} // '') // {};
    return ($b->{errors} // [{}])->[0]{code} // '';
}

# Sends one request per marker, all at once on their own connections, then
# reads every answer: marker => response.
sub concurrent {
    my ($path, @markers) = @_;
    my %conn;
    for my $m (@markers) {
        $conn{$m} = http_connect($port, timeout => 15);
        $conn{$m}->send_request('POST', $path, body => body_for($m),
            headers => ['Content-Type' => 'application/json',
                        Connection => 'close']);
    }
    my %res;
    for my $m (@markers) {
        $res{$m} = eval { $conn{$m}->read_response(timeout => 15) }
            // { status => 0, body => '', error => $@ };
        $conn{$m}->close;
    }
    return %res;
}

# The id the fake saw in the store command of a marker.
sub seen_ids {
    my %id;
    for (seen()) {
        my (undef, $id, $m) = split / /;
        push @{ $id{$m} }, $id if defined $m && $m ne '-';
    }
    return %id;
}

# Every answer is the one meant for its request: even markers 201 with the
# id the fake saw for that marker, odd markers refused.
sub check_routing {
    my ($what, %res) = @_;
    my %seen = seen_ids();
    my (@wrong, $ok, $refused);
    for my $m (sort { $a <=> $b } keys %res) {
        my $r = $res{$m};
        if ($m % 2 == 0) {
            my $id = id_of($r);
            if ($r->{status} == 201 && defined $id
                && "@{ $seen{$m} // [] }" eq $id)
            {
                $ok++;
            } else {
                push @wrong, "marker $m: $r->{status} id "
                    . ($id // '-') . ' seen ' . "@{ $seen{$m} // [] }";
            }
        } else {
            if ($r->{status} == 503 && code_of($r) eq 'unavailable') {
                $refused++;
            } else {
                push @wrong, "marker $m (refused by the fake): $r->{status}";
            }
        }
    }
    my $n = keys %res;
    ok(!@wrong, "$what: each of $n answers is the reply meant for its request")
        or diag join "\n", @wrong;
    return ($ok // 0, $refused // 0);
}

my $marker = 0;
my @markers;

# ---- baseline through the fake
set_mode('normal');
my $r = post_json($port, $FORM_PATH, body_for(++$marker));
is($r->{status}, 201, 'baseline through the fake: 201') or diag explain $r;
my %seen = seen_ids();
is(id_of($r), $seen{$marker}[0], 'baseline: the id answered is the id stored');
like(id_of($r) // '', $UUID, 'baseline: a UUIDv7');
my $connects = grep { $_ eq 'CONNECT' } seen();

# ---- replies one byte at a time, 16 requests in flight
set_mode('bytewise');
@markers = map { ++$marker } 1 .. 16;
my $t0 = time;
my %res = concurrent($FORM_PATH, @markers);
my ($ok, $refused) = check_routing('one byte at a time', %res);
is($ok, 8, 'one byte at a time: the 8 even markers stored (201)');
is($refused, 8, 'one byte at a time: the 8 odd markers refused (503)');
diag sprintf '16 answers one byte at a time in %.2f s', time - $t0;

# ---- a burst: 64 replies, 64 KiB and more, in one write
set_mode('burst 64');
@markers = map { ++$marker } 1 .. 64;
%res = concurrent($FORM_PATH, @markers);
($ok, $refused) = check_routing('64 KiB burst', %res);
is($ok, 32, '64 KiB burst: the 32 even markers stored (201)');
is($refused, 32, '64 KiB burst: the 32 odd markers refused (503)');
my ($burst) = grep { /^BURST/ } seen();
my (undef, $nreplies, $bytes) = split / /, $burst // 'BURST 0 0';
is($nreplies, 64, 'the fake sent the 64 replies in one write');
cmp_ok($bytes, '>=', 64 * 1024, "one write of $bytes bytes (>= 64 KiB)");
set_mode('normal');
is(post_json($port, $FORM_PATH, body_for(++$marker))->{status}, 201,
    'after the burst: 201');

# ---- garbage: the request fails cleanly, the module reconnects
for my $g (['badtype', 'a bad type byte'],
           ['hugelen', 'a bulk length that does not fit'],
           ['overflow', 'a negative array length'],
           ['close', 'the connection closed mid-reply'])
{
    my ($what, $label) = @$g;
    my $before = grep { $_ eq 'CONNECT' } seen();
    set_mode("once $what");
    $r = post_json($port, $FORM_PATH, body_for(++$marker));
    is($r->{status}, 503, "$label: 503") or diag explain $r;
    is(code_of($r), 'unavailable', "$label: code unavailable");
    cmp_ok($r->{elapsed}, '<', 2, "$label: answered before the deadline (3 s)");
    my $after;
    for my $try (1 .. 3) {      # the first may meet the reconnection
        $after = post_json($port, $FORM_PATH, body_for(++$marker));
        last if $after->{status} == 201;
        sleep 0.3;
    }
    is($after->{status}, 201, "$label: a later request is stored (201)")
        or diag explain $after;
    %seen = seen_ids();
    is(id_of($after), $seen{$marker}[0], "$label: with its own id");
    cmp_ok(scalar(grep { $_ eq 'CONNECT' } seen()), '>', $before,
        "$label: the module opened a new connection");
}

# ---- a reply that never ends (1 GiB announced, 3 bytes sent, the peer
# alive): the request gets its 503 at the deadline; since no reply came
# whole during that deadline, the connection is given up, and the next
# request is stored on a new one instead of waiting behind the stuck reply.
{
    my $before = grep { $_ eq 'CONNECT' } seen();
    set_mode('once biglen');
    $r = post_json($port, $FORM_PATH, body_for(++$marker));
    is($r->{status}, 503, 'a reply that never ends: 503') or diag explain $r;
    cmp_ok($r->{elapsed}, '<', 3.5, 'a reply that never ends: 503 at the deadline');
    set_mode('normal');
    my $after = post_json($port, $FORM_PATH, body_for(++$marker));
    is($after->{status}, 201,
        'a reply that never ends: the next request is stored (201)')
        or diag explain $after;
    cmp_ok(scalar(grep { $_ eq 'CONNECT' } seen()), '>', $before,
        'a reply that never ends: on a new connection');
    # the fake closes that connection at the next store command: the
    # module reconnects (as after "close" above)
    set_mode('once close');
    post_json($port, $FORM_PATH, body_for(++$marker));
    set_mode('normal');
    my $ok;
    for my $try (1 .. 3) {
        $ok = post_json($port, $FORM_PATH, body_for(++$marker));
        last if $ok->{status} == 201;
        sleep 0.3;
    }
    is($ok->{status}, 201, 'once that connection is closed: stored again (201)');
}

# ---- error replies: 503, the next one is stored; BUSY and OOM keep the
# connection, the errors of a Redis that is no master (any more) drop it
for my $e (qw(LOADING READONLY MASTERDOWN BUSY OOM)) {
    set_mode("once $e");
    my $before = grep { $_ eq 'CONNECT' } seen();
    $r = post_json($port, $FORM_PATH, body_for(++$marker));
    is($r->{status}, 503, "-$e: 503") or diag explain $r;
    is(code_of($r), 'unavailable', "-$e: code unavailable");
    $r = post_json($port, $FORM_PATH, body_for(++$marker));
    is($r->{status}, 201, "-$e: the next request is stored (201)")
        or diag explain $r;
    my $after = grep { $_ eq 'CONNECT' } seen();
    if ($e =~ /^(?:BUSY|OOM)\z/) {
        is($after, $before, "-$e: on the same connection");
    } else {
        is($after, $before + 1, "-$e: on a new connection");
    }
}
like($nginx->error_log, qr/\[error\].*no longer a writable master/,
    'a master gone is logged');
like($nginx->error_log, qr/\[error\].*LOADING simulated by the fake server/,
    'the error reply is logged');

# ---- NOSCRIPT: EVALSHA refused, EVAL once, stored
set_mode('noscript');
my $n_seen = () = seen();
$r = post_json($port, '/l', body_for(++$marker));
is($r->{status}, 201, 'NOSCRIPT: the request is stored (201)') or diag explain $r;
my @cmds = map { (split / /)[0] } grep { / $marker\z/ } seen();
is_deeply(\@cmds, ['EVALSHA', 'EVAL'],
    'NOSCRIPT: EVALSHA, then EVAL once, for that request');
%seen = seen_ids();
is(id_of($r), $seen{$marker}[1], 'NOSCRIPT: the id answered is the id sent with EVAL');

Concertation::Test::stop_pid($fake_pid, 'TERM', 5);
$fake_pid = undef;
finish();
done_testing();
