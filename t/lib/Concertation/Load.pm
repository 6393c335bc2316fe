package Concertation::Load;

# Load under faults, for the fault tests (t/18, t/28): forked clients
# posting answers that each carry a nonce of their own in a free-text
# field, and the check that every answer acknowledged (2xx) is in the
# stream exactly once, with its own request's nonce.

use strict;
use warnings;

use Exporter qw(import);
use IO::Handle ();
use POSIX ();
use Test::More ();
use Time::HiRes qw(time sleep);

use Concertation::Test;

our @EXPORT = qw(run_load body_with tally first10 stream_of check_acked spool_bytes
                 $LOAD_T0 $LOAD_STALL $LOAD_FSYNC);

our $LOAD_T0;      # the start of the last load, absolute
our $LOAD_STALL;   # how late 10 ms sleeps woke up during it, in all
our $LOAD_FSYNC;   # the slowest fsync() of a probe next to the spool

my $base;

sub body_with {
    my ($nonce) = @_;
    $base //= json_decode(read_data('questionnaire.json'));
    my %a = %$base;
    $a{vision} = "$base->{vision} NONCE-$nonce.";
    return json_encode(\%a);
}


# Runs $clients forked clients posting answers with distinct nonces
# "$tag-<client>-<n>" for $secs seconds (at most $max each), while the
# parent runs the actions [seconds from the start, code] in order.
# Returns one hash per request: nonce, status, id, t (start, from the
# load's start), elapsed, error.
sub run_load {
    my (%o) = @_;
    my $dir = test_dir() . "/load-$o{tag}";
    mkdir $dir;
    my $t0 = time + 0.2;
    $LOAD_T0 = $t0;
    my @kids;
    # a process that only sleeps: how long the machine left it waiting
    my $ticker = fork;
    die "fork: $!" unless defined $ticker;
    if ($ticker == 0) {
        my $late = 0;
        while (time < $t0 + $o{secs}) {
            my $t = time;
            sleep 0.01;
            my $l = time - $t - 0.01;
            $late += $l if $l > 0.02;
        }
        spew("$dir/ticker", sprintf('%.4f', $late));
        POSIX::_exit(0);
    }
    push @kids, $ticker;
    # the disk under the spool: a 202 waits for a fsync() (fsync=on)
    if ($o{spool}) {
        my $prober = fork;
        die "fork: $!" unless defined $prober;
        if ($prober == 0) {
            my $slowest = 0;
            open my $fh, '>', "$dir/fsync-probe" or POSIX::_exit(1);
            while (time < $t0 + $o{secs}) {
                syswrite $fh, 'x' x 4096;
                my $t = time;
                $fh->sync;
                $slowest = time - $t if time - $t > $slowest;
                sleep 0.01;
            }
            close $fh;
            spew("$dir/fsync", sprintf('%.4f', $slowest));
            POSIX::_exit(0);
        }
        push @kids, $prober;
    }
    for my $c (1 .. $o{clients}) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            my $out = '';
            sleep 0.01 while time < $t0;
            my $end = $t0 + $o{secs};
            for my $n (1 .. $o{max}) {
                last if time >= $end;
                my $nonce = "$o{tag}-$c-$n";
                my $start = time;
                my $r = http_request($o{port}, 'POST', $FORM_PATH,
                    headers => ['Content-Type' => 'application/json',
                                'X-Nonce' => $nonce],
                    body => body_with($nonce), timeout => $o{http_timeout});
                my $id = (json_decode($r->{body} // '') // {})->{id} // '';
                (my $err = $r->{error} // '') =~ s/\s+/ /g;
                $out .= join("\t", $nonce, $r->{status}, $id,
                             sprintf('%.4f', $start - $t0),
                             sprintf('%.4f', $r->{elapsed}), $err) . "\n";
                sleep $o{pause} if $o{pause};
            }
            spew("$dir/$c", $out);
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    for my $a (@{ $o{actions} // [] }) {
        my ($at, $code) = @$a;
        sleep 0.01 while time < $t0 + $at;
        $code->();
    }
    my $deadline = time + $o{secs} + $o{http_timeout} + 10;
    for my $pid (@kids) {
        my $left = $deadline - time;
        next if defined Concertation::Test::wait_pid($pid, $left > 0 ? $left : 0.1);
        kill 'KILL', $pid;
        Concertation::Test::wait_pid($pid, 2);
    }
    $LOAD_STALL = slurp("$dir/ticker") // -1;
    $LOAD_FSYNC = $o{spool} ? slurp("$dir/fsync") // -1 : 0;
    my @res;
    for my $c (1 .. $o{clients}) {
        for my $line (split /\n/, slurp("$dir/$c") // '') {
            my %r;
            @r{qw(nonce status id t elapsed error)} = split /\t/, $line, 6;
            push @res, \%r;
        }
    }
    return @res;
}

sub first10 { return @_[0 .. ($#_ < 9 ? $#_ : 9)] }

sub tally {
    my (@res) = @_;
    my %n;
    $n{ $_->{status} }++ for @res;
    return join(', ', map { "$_: $n{$_}" } sort keys %n);
}


# The stream entries of a load (by its tag): nonce => [ids], id => count.
sub stream_of {
    my ($redis, $tag) = @_;
    my (%by_nonce, %by_id, $n);
    for my $e ($redis->stream($STREAM)) {
        my ($nonce) = ($e->{fields}{data} // '') =~ /NONCE-([a-z0-9]+-\d+-\d+)\./;
        next unless defined $nonce && $nonce =~ /^\Q$tag\E-/;
        $n++;
        push @{ $by_nonce{$nonce} }, $e->{fields}{id};
        $by_id{ $e->{fields}{id} }++;
    }
    return (\%by_nonce, \%by_id, $n // 0);
}

# Every id answered 2xx in the stream exactly once, with its own nonce.
sub check_acked {
    my ($redis, $tag, $what, @res) = @_;
    my ($by_nonce, $by_id, $n) = stream_of($redis, $tag);
    my @acked = grep { $_->{status} == 201 || $_->{status} == 202 } @res;
    my (@missing, @twice, @wrong);
    for my $r (@acked) {
        my $ids = $by_nonce->{ $r->{nonce} } // [];
        if (!@$ids) { push @missing, "$r->{nonce}=$r->{id}" }
        elsif (@$ids > 1) { push @twice, "$r->{nonce}: @$ids" }
        elsif ($ids->[0] ne $r->{id}) {
            push @wrong, "$r->{nonce}: answered $r->{id}, stored $ids->[0]";
        }
    }
    my @dup_ids = grep { $by_id->{$_} > 1 } keys %$by_id;
    Test::More::ok(@acked > 0, "$what: some answers acknowledged (" . scalar(@acked) . ')');
    Test::More::ok(!@missing, "$what: every acknowledged answer is in the stream")
        or Test::More::diag 'missing: ' . join(' ', first10(@missing));
    Test::More::ok(!@twice && !@dup_ids, "$what: no answer twice in the stream")
        or Test::More::diag 'twice: ' . join(' ', first10(@twice), first10(@dup_ids));
    Test::More::ok(!@wrong, "$what: each acknowledged id is stored with its own request's nonce")
        or Test::More::diag join "\n", first10(@wrong);
    return ($by_nonce, $n, scalar @acked);
}

# The bytes in a spool's files (its quarantine left out).
sub spool_bytes {
    my ($dir) = @_;
    my $total = 0;
    opendir my $d, $dir or return 0;
    $total += -s "$dir/$_" // 0 for grep { /^spool-\d+\.log$/ } readdir $d;
    closedir $d;
    return $total;
}

1;
