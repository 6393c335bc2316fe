# The spool's last edge cases, with real servers on loopback:
#  - a record Redis refuses for good in the middle of a spool: the others
#    replayed, the bad one marked, counted and kept in a quarantine file;
#  - the replay's position on disk: a file replayed again days later (its
#    keys in Redis expired) stores nothing twice;
#  - the spool's disk full (a 64 KB tmpfs): 503 when it cannot be written,
#    never a 2xx for what is not on disk;
#  - a failing fsync(): 503, the record cut off;
#  - a reload every 200 ms for 10 s under load while every fsync() is slow
#    (an LD_PRELOAD shim, t/lib/fsync_shim.c): every request answered,
#    every acknowledged answer in the stream exactly once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);

need_module();

my $tmp = test_dir();
my $base = json_decode(read_data('questionnaire.json'));
my $ctl = "$tmp/fsync.ctl";

# the shim, built here, loaded into nginx through LD_PRELOAD
my $shim = "$tmp/fsync_shim.so";
system('cc', '-shared', '-fPIC', '-O2', '-o', $shim, "$FindBin::Bin/lib/fsync_shim.c", '-ldl') == 0
    or BAIL_OUT('cannot build t/lib/fsync_shim.c');
$ENV{CONCERTATION_FSYNC_CTL} = $ctl;
$ENV{LD_PRELOAD} = $shim;
$ENV{ASAN_OPTIONS} = join ':', grep { length } $ENV{ASAN_OPTIONS} // '', 'verify_asan_link_order=0';

my $n = 0;
sub answer {
    my ($tag) = @_;
    my %a = %$base;
    $a{vision} = "$base->{vision} NONCE-$tag-" . ++$n . '.';
    return json_encode(\%a);
}
sub id_of { return (json_decode($_[0]{body} // '') // {})->{id} }

sub conf {
    my ($spool, %o) = @_;
    return module_conf(http => join("\n    ",
            "concertation_spool $spool " . ($o{spool} // '') . ';',
            'concertation_redis_timeout ' . ($o{timeout} // '300ms') . ';'),
        server => $o{server} // '',
        drop => ['concertation_redis_timeout']);
}

sub files_in {
    my ($dir, $re) = @_;
    opendir my $d, $dir or return ();
    my @f = sort grep { /$re/ } readdir $d;
    closedir $d;
    return @f;
}
sub spool_bytes {
    my ($dir) = @_;
    my $t = 0;
    # a segment listed may be gone by the time it is measured (replayed)
    $t += (-s "$dir/$_") // 0 for files_in($dir, qr/^spool-\d+\.log$/);
    return $t;
}
sub wait_until {
    my ($secs, $cond) = @_;
    my $deadline = time + $secs;
    while (time < $deadline) { return 1 if $cond->(); sleep 0.1 }
    return $cond->();
}
# id => number of entries, of a stream
sub counts {
    my ($redis, $stream) = @_;
    my %c;
    $c{ $_->{fields}{id} }++ for $redis->stream($stream);
    return \%c;
}
sub once {
    my ($redis, $ids, $what, $stream) = @_;
    my $c = counts($redis, $stream // $STREAM);
    my @missing = grep { !$c->{$_} } @$ids;
    my @twice = grep { $c->{$_} > 1 } keys %$c;
    ok(!@missing, "$what: every acknowledged answer is in the stream") or diag "missing: @missing";
    ok(!@twice, "$what: none twice") or diag "twice: @twice";
}
# the frames of a spool file: [offset, mark, bytes]
sub frames {
    my ($data) = @_;
    my @starts;
    my $pos = 0;
    while ($data =~ /\xFFSP[1RQ]/g) { push @starts, $-[0] }
    push @starts, length $data;
    return map { [$starts[$_], substr($data, $starts[$_] + 3, 1),
                  substr($data, $starts[$_], $starts[$_ + 1] - $starts[$_])] } 0 .. $#starts - 1;
}

my $redis = start_redis();

# ---- 1. a record Redis refuses for good, in the middle of a spool
{
    my $spool = "$tmp/spool-q";
    my $nginx = start_nginx(conf($spool, spool => 'fsync=off', server => <<'SRV'),
        location = /api/autre {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "autre:";
        }
        location = /status { concertation_status; }
SRV
        redis => $redis, workers => 1);
    my $port = $nginx->port;
    is(post_json($port, $FORM_PATH, answer('warm'))->{status}, 201, 'connected');
    # a key of another type where the second form's stream should be
    $redis->cmd('SET', 'autre:questionnaire', 'not a stream');
    $redis->pause;
    my @r = (post_json($port, $FORM_PATH, answer('q')), post_json($port, '/api/autre', answer('q')),
             post_json($port, $FORM_PATH, answer('q')));
    is(join(' ', map { $_->{status} } @r), '202 202 202', 'Redis frozen: three answers spooled');
    my ($good1, $bad, $good2) = map { id_of($_) } @r;
    $redis->resume;
    ok(wait_until(10, sub { files_in($spool, qr/^quarantine-/) }), 'a quarantine file appears');
    ok(wait_until(5, sub { spool_bytes($spool) == 0 }), 'the spool is empty again');
    once($redis, [$good1, $good2], 'around the refused record');
    is($redis->cmd('TYPE', 'autre:questionnaire'), 'string', 'the refused record wrote nothing');
    my ($q) = files_in($spool, qr/^quarantine-\d+-\d+-\d+\.log$/);
    my @f = frames(slurp("$spool/$q") // '');
    is(scalar @f, 3, 'the quarantine file is the spool file, its three records');
    is(join('', map { $_->[1] } @f), 'RQR', 'marked: replayed, refused, replayed');
    like($f[1][2], qr/\Q$bad\E/, 'the refused record is the answer Redis refused');
    like($nginx->error_log, qr/Redis refused the spooled answer \Q$bad\E for good: WRONGTYPE/,
         'the refusal is logged, with the answer and the reason');
    like($nginx->error_log, qr/the answers Redis refused are kept in "\Q$spool\/$q\E"/,
         'the quarantine file is named in the log');
    my $prom = http_request($port, 'GET', '/status')->{body} // '';
    like($prom, qr/concertation_spool_quarantined_total\{worker="0"\} 1\n/,
         'counted: concertation_spool_quarantined_total 1');

    # moved back by the operator once the cause is fixed: replayed then
    $redis->cmd('DEL', 'autre:questionnaire');
    rename "$spool/$q", "$spool/spool-77777.log";
    ok(wait_until(10, sub { !-e "$spool/spool-77777.log" }), 'the file moved back is replayed');
    once($redis, [$bad], 'the refused answer, once the cause is fixed', 'autre:questionnaire');
    once($redis, [$good1, $good2], 'and the others not again');
    $nginx->stop;
}

# ---- 2. the position on disk: replayed again days later
{
    my $spool = "$tmp/spool-p";
    my $nginx = start_nginx(conf($spool, spool => 'fsync=off'), redis => $redis, workers => 1);
    is(post_json($nginx->port, $FORM_PATH, answer('warm'))->{status}, 201, 'connected');
    $redis->stop;
    my @ids;
    for (1 .. 5) {
        my $r = post_json($nginx->port, $FORM_PATH, answer('p'));
        push @ids, id_of($r) if $r->{status} == 202;
    }
    is(scalar @ids, 5, 'Redis down: five answers spooled');
    $nginx->stop;
    my ($file) = files_in($spool, qr/^spool-\d+\.log$/);
    my $copy = slurp("$spool/$file");
    $redis->restart;
    $nginx = start_nginx(conf($spool), redis => $redis, workers => 1);
    ok(wait_until(10, sub { !-e "$spool/$file" }), 'replayed, the file removed');
    once($redis, \@ids, 'the first replay');
    $nginx->stop;

    # as a crash would leave it: the first three marked, the last two not
    # in Redis; and days later, the replay's keys expired
    my @f = frames($copy);
    substr($copy, $f[$_][0] + 3, 1, 'R') for 0 .. 2;
    my %late = map { $_ => 1 } @ids[3, 4];
    for my $e ($redis->stream($STREAM)) {
        $redis->cmd('XDEL', $STREAM, $e->{sid}) if $late{ $e->{fields}{id} };
    }
    $redis->cmd('DEL', map { "concertation:spooled:$_" } @ids);
    my ($wuid, $wgid) = (stat $spool)[4, 5];
    spew("$spool/spool-88888.log", $copy);
    chown $wuid, $wgid, "$spool/spool-88888.log";
    $nginx = start_nginx(conf($spool), redis => $redis, workers => 1);
    ok(wait_until(10, sub { !-e "$spool/spool-88888.log" }), 'the file replayed again');
    once($redis, \@ids, 'days later');
    like($nginx->error_log, qr/spool-88888\.log" replayed: 2 answers, 0 refused, 3 replayed before/,
         'the three marked records skipped, the two others stored');
    $nginx->stop;
}

# ---- 3. the disk full: a 64 KB tmpfs
{
    my $spool = "$tmp/spool-full";
    mkdir $spool;
    my $mounted = system('mount', '-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', $spool) == 0;
    ok($mounted, 'a 64 KB tmpfs for the spool (mount needs root)');
    my $nginx = start_nginx(conf($spool, spool => 'fsync=on max_size=10m'), redis => $redis, workers => 1);
    is(post_json($nginx->port, $FORM_PATH, answer('warm'))->{status}, 201, 'connected');
    $redis->stop;
    my (@acked, %status);
    for (1 .. 80) {
        my $r = post_json($nginx->port, $FORM_PATH, answer('full'));
        $status{ $r->{status} }++;
        push @acked, id_of($r) if $r->{status} == 202;
    }
    ok($status{202} && $status{503}, "spooled until the disk is full, then 503 ($status{202} × 202, "
       . ($status{503} // 0) . ' × 503)');
    is(join(',', sort keys %status), '202,503', 'nothing but 202 and 503');
    my ($file) = files_in($spool, qr/^spool-\d+\.log$/);
    my @f = frames(slurp("$spool/$file") // '');
    is(scalar @f, scalar @acked, 'one whole record on disk per 202, none for a 503');
    like($nginx->error_log, qr/write\(\) to the spool .* failed \(28: No space left on device\)/,
         'the full disk is logged');
    $redis->restart;
    ok(wait_until(10, sub { spool_bytes($spool) == 0 }), 'Redis back: the spool replayed');
    once($redis, \@acked, 'the disk full');
    $nginx->stop;
    system('umount', $spool) if $mounted;
}

# ---- 4. a failing fsync(): 503, the record cut off
{
    my $spool = "$tmp/spool-eio";
    my $nginx = start_nginx(conf($spool, spool => 'fsync=on'), redis => $redis, workers => 1);
    is(post_json($nginx->port, $FORM_PATH, answer('warm'))->{status}, 201, 'connected');
    $redis->stop;
    spew($ctl, 'fail');
    my $r = post_json($nginx->port, $FORM_PATH, answer('eio'));
    is($r->{status}, 503, 'fsync() fails: 503');
    is(spool_bytes($spool), 0, 'and the record is cut off the file');
    spew($ctl, '');
    $r = post_json($nginx->port, $FORM_PATH, answer('eio'));
    is($r->{status}, 202, 'fsync() works again: 202');
    like($nginx->error_log, qr/fdatasync\(\) of the spool .* failed \(5: Input\/output error\)/,
         'the failed fsync() is logged');
    my $id = id_of($r);
    $redis->restart;
    ok(wait_until(10, sub { spool_bytes($spool) == 0 }), 'replayed');
    once($redis, [$id], 'after the failed fsync');
    $nginx->stop;
}

# ---- 5. a reload every 200 ms for 10 s under load, every fsync() slow
{
    my $spool = "$tmp/spool-reload";
    spew($ctl, 'delay 150');
    my $nginx = start_nginx(conf($spool, spool => 'fsync=on', timeout => '200ms'),
                            redis => $redis, workers => 2);
    my $port = $nginx->port;
    is(post_json($port, $FORM_PATH, answer('warm'))->{status}, 201, 'connected');
    # Redis frozen half of the time: answers spooled (slow fsync) and stored
    my @kids;
    my $t0 = time;
    for my $c (1 .. 6) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            open my $out, '>', "$tmp/load.$c" or POSIX::_exit(1);
            for my $i (1 .. 2000) {
                last if time - $t0 > 10.5;
                my $r = post_json($port, $FORM_PATH, answer("r$c"), 'X-Client' => $c);
                print {$out} "$r->{status} " . (id_of($r) // '-') . "\n";
            }
            close $out;
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    my ($reloads, $frozen) = (0, 0);
    while (time - $t0 < 10) {
        sleep 0.2;
        kill 'HUP', $nginx->pid and $reloads++;
        if ($reloads % 10 == 0) {
            $frozen ? $redis->resume : $redis->pause;
            $frozen = !$frozen;
        }
    }
    $redis->resume if $frozen;
    waitpid $_, 0 for @kids;
    my (%status, @acked);
    for my $c (1 .. 6) {
        for (split /\n/, slurp("$tmp/load.$c") // '') {
            my ($s, $id) = split ' ';
            $status{$s}++;
            push @acked, $id if $s =~ /^20[12]$/;
        }
    }
    diag "reloads: $reloads; " . join(', ', map { "$_: $status{$_}" } sort keys %status);
    cmp_ok($reloads, '>=', 40, 'about fifty reloads');
    ok($status{202} && $status{201}, 'answers stored and spooled');
    is(join(',', grep { !/^20[12]$/ } sort keys %status), '', 'every request answered 201 or 202');
    spew($ctl, '');
    ok(wait_until(20, sub { spool_bytes($spool) == 0 }), 'the spools replayed');
    once($redis, \@acked, 'reloads under load');
    $nginx->stop;
}

finish();
done_testing();
