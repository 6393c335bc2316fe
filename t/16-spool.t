# The local spool: answers Redis cannot take go to disk (202), are replayed
# exactly once when Redis is back, survive an nginx restart; a full spool,
# a registration, a corrupt or torn record; the spool off: 503 as before.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $json = read_data('questionnaire.json');
my $tmp = test_dir();
my $spool = "$tmp/spool";

my $redis = start_redis();

sub conf {
    my (%o) = @_;
    return module_conf(
        http => join("\n    ",
            "concertation_spool $spool " . ($o{spool} // '') . ';',
            'concertation_redis_timeout ' . ($o{timeout} // '1s') . ';'),
        drop => ['concertation_redis_timeout'],
    );
}

sub ids_in_stream {
    my %n;
    $n{ $_->{fields}{id} }++ for $redis->stream($STREAM);
    return \%n;
}

# waits (bounded) until the stream holds n entries
sub wait_xlen {
    my ($n, $secs) = @_;
    my $deadline = time + ($secs // 10);
    my $len = 0;
    while (time < $deadline) {
        $len = eval { $redis->xlen($STREAM) } // 0;
        return $len if $len >= $n;
        sleep 0.1;
    }
    return $len;
}

sub spool_bytes {
    my $total = 0;
    opendir my $d, $spool or return 0;
    for my $f (grep { /^spool-\d+\.log$/ } readdir $d) {
        $total += -s "$spool/$f";
    }
    closedir $d;
    return $total;
}

sub spool_files {
    opendir my $d, $spool or return ();
    my @f = sort grep { /^spool-\d+\.log$/ } readdir $d;
    closedir $d;
    return @f;
}

sub post { return post_json($_[0]->port, $FORM_PATH, $_[1] // $json) }

sub exactly_once {
    my ($ids, $what) = @_;
    my $in = ids_in_stream();
    my @missing = grep { !$in->{$_} } @$ids;
    my @twice = grep { $in->{$_} > 1 } keys %$in;
    ok(!@missing, "$what: every acknowledged id is in the stream")
        or diag "missing: @missing";
    ok(!@twice, "$what: no id twice in the stream") or diag "twice: @twice";
}

# ---- Redis down: 202 with an id, on disk, not in Redis
my $nginx = start_nginx(conf(), redis => $redis);
ok(-d $spool, 'nginx created the spool directory');

my $r = post($nginx);
is($r->{status}, 201, 'Redis up: 201 as before') or diag explain $r;
my @acked = ((json_decode($r->{body}) // {})->{id});

$redis->stop;
my @spooled;
for my $i (1 .. 6) {
    $r = post($nginx);
    is($r->{status}, 202, "Redis down, answer $i: 202 Accepted") or diag explain $r;
    my $id = (json_decode($r->{body}) // {})->{id} // '';
    like($id, qr/^[0-9a-f]{8}-[0-9a-f]{4}-7/, "answer $i: a UUIDv7 id");
    cmp_ok($r->{elapsed}, '<', 1.5, "answer $i: answered without waiting for the deadline");
    push @spooled, $id;
}
my %distinct = map { $_ => 1 } @spooled;
is(scalar keys %distinct, 6, 'six distinct ids');
cmp_ok(spool_bytes(), '>', 6 * length($json) / 2, 'the spool files hold the answers');

my $page = http_request($nginx->port, 'POST', $FORM_PATH,
    headers => ['Content-Type' => 'application/json', Accept => $BROWSER_ACCEPT],
    body => $json);
is($page->{status}, 303, 'a browser is sent to the thank-you page for a spooled answer');
like($page->{headers}{location} // '', qr{/merci\.html\?id=[0-9a-f-]{36}$}, 'with the id');
push @spooled, ($page->{headers}{location} =~ /id=([0-9a-f-]{36})/)[0];

# ---- Redis back: replayed in the second, exactly once, files emptied
$redis->restart;
is(wait_xlen(1 + @spooled, 10), 1 + @spooled, 'Redis back: every spooled answer replayed');
exactly_once([@acked, @spooled], 'after the replay');
my %entry = map { $_->{fields}{id} => $_->{fields} } $redis->stream($STREAM);
my $e = $entry{ $spooled[0] };
is($e->{form}, 'questionnaire', 'replayed entry: form');
is($e->{client}, client_key($SECRET), 'replayed entry: the pseudonymised client');
like($e->{received_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'replayed entry: received_at');
my $deadline = time + 5;
sleep 0.1 while time < $deadline && spool_bytes() > 0;
is(spool_bytes(), 0, 'the spool is emptied once Redis acknowledged every record');
like($nginx->error_log, qr/spool .* replayed: \d+ answers/, 'the replay is logged');
push @acked, @spooled;

# ---- a registration is never spooled: 503
$nginx->stop;
$nginx = start_nginx(module_conf(
    http => "concertation_spool $spool;\n    concertation_events %%CONF%%/events.demo.json;",
    server => <<'LOC'), redis => $redis);
location = /api/inscription {
            concertation_form inscription %%CONF%%/inscription.json;
            concertation_registration on;
        }
LOC
$redis->stop;
my $reg = post_json($nginx->port, '/api/inscription', json_encode({
    evenement => 'atelier-rouen', nom => 'Test', prenom => 'Spool',
    email => 'spool@example.org', consentement => JSON::PP::true() }));
is($reg->{status}, 503, 'a registration while Redis is down: 503, not spooled') or diag explain $reg;
is(spool_bytes(), 0, 'nothing spooled for the registration');
$redis->restart;

# ---- a full spool: 503, nothing half-written
$nginx->stop;
$nginx = start_nginx(conf(spool => 'max_size=' . (3 * length($json))), redis => $redis,
                     workers => 1);
$redis->stop;
my ($ok, $full) = (0, 0);
my @full_ids;
for my $i (1 .. 6) {
    $r = post($nginx);
    if ($r->{status} == 202) { $ok++; push @full_ids, (json_decode($r->{body}) // {})->{id} }
    elsif ($r->{status} == 503) { $full++ }
}
ok($ok >= 1 && $ok <= 3, "max_size: $ok answers spooled (at most 3 fit)");
is($ok + $full, 6, 'the others: 503');
like($nginx->error_log, qr/the spool .* is full/, 'a full spool is logged');
my $bytes = spool_bytes();
$redis->restart;
is(wait_xlen(scalar(@acked) + $ok, 10), @acked + $ok, 'the spooled ones replayed, the 503s not');
exactly_once([@acked, @full_ids], 'after a full spool');
push @acked, @full_ids;

# ---- nginx restarted with files left by dead workers; a corrupt record in
# the middle, a torn one at the end: the others are replayed
$nginx->stop;
$nginx = start_nginx(conf(spool => 'fsync=off'), redis => $redis, workers => 1);
$redis->stop;
my @left;
for my $i (1 .. 3) {
    $r = post($nginx);
    is($r->{status}, 202, "fsync=off, answer $i: 202");
    push @left, (json_decode($r->{body}) // {})->{id};
}
$nginx->stop;
my @files = spool_files();
is(scalar @files, 1, 'one spool file is left behind (empty ones are removed at exit)');
my $file = $files[0] // 'none';
my $data = slurp("$spool/$file") // '';
BAIL_OUT("no spool data") if length($data) < 8;
my @frames;
{
    my $pos = 0;
    # records start with the same four-byte magic
    my $magic = substr($data, 0, 4);
    my @starts;
    while ((my $i = index($data, $magic, $pos)) >= 0) { push @starts, $i; $pos = $i + 1 }
    is(scalar @starts, 3, 'three records in the file');
    push @starts, length $data;
    push @frames, substr($data, $starts[$_], $starts[$_ + 1] - $starts[$_]) for 0 .. 2;
}
# flip a byte in the data of the second record, cut the third in two
my $bad = $frames[1];
substr($bad, length($bad) - 40, 1) ^= "\x01";
my $torn = substr($frames[2], 0, int(length($frames[2]) / 2));
# files the workers' user owns, as the module writes them
my ($wuid, $wgid) = (stat $spool)[4, 5];
sub spew_spool { spew($_[0], $_[1]); chown $wuid, $wgid, $_[0]; chmod 0600, $_[0] }
spew_spool("$spool/spool-99999.log", $frames[0] . $bad . $frames[1] . "garbage" . $torn);
unlink "$spool/$file";
$redis->restart;
$nginx = start_nginx(conf(), redis => $redis, workers => 1);
is(wait_xlen(@acked + 2, 10), @acked + 2, 'the good records of a damaged file replayed');
sleep 0.5;
is($redis->xlen($STREAM), @acked + 2, 'and nothing else');
exactly_once([@acked, $left[0], $left[1]], 'damaged file');
ok(!ids_in_stream()->{ $left[2] }, 'the torn record is not invented');
like($nginx->error_log, qr/corrupt record in the spool at offset \d+/, 'the corrupt record is reported');
like($nginx->error_log, qr/torn record at the end of the spool/, 'the torn tail is reported');
$deadline = time + 5;
sleep 0.1 while time < $deadline && -e "$spool/spool-99999.log";
ok(!-e "$spool/spool-99999.log", 'the replayed file is removed');
push @acked, $left[0], $left[1];

# ---- a replay interrupted after Redis took some records: the same file
# replayed twice (as after a crash) stores nothing twice
$redis->stop;
my @again;
for my $i (1 .. 3) {
    $r = post($nginx);
    push @again, (json_decode($r->{body}) // {})->{id} if $r->{status} == 202;
}
is(scalar @again, 3, 'three more spooled');
$nginx->stop;
@files = spool_files();
is(scalar @files, 1, 'one spool file left');
$file = $files[0] // 'none';
my $copy = slurp("$spool/$file");
spew_spool("$spool/spool-99998.log", $copy);
$redis->restart;
$nginx = start_nginx(conf(), redis => $redis, workers => 2);
is(wait_xlen(@acked + 3, 10), @acked + 3, 'both copies replayed');
$deadline = time + 5;
sleep 0.1 while time < $deadline && (-e "$spool/$file" || -e "$spool/spool-99998.log");
ok(!-e "$spool/$file" && !-e "$spool/spool-99998.log", 'both files removed');
is(spool_bytes(), 0, 'the live workers\' own files are empty');
is($redis->xlen($STREAM), @acked + 3, 'each record stored once');
exactly_once([@acked, @again], 'the same file replayed twice');
push @acked, @again;

# ---- the ambiguous case: the XADD left for Redis, Redis froze past the
# deadline, the answer went to the spool; Redis then ran the XADD.  The
# replay finds the entry and does not add it again.
$nginx->stop;
$nginx = start_nginx(conf(timeout => '300ms'), redis => $redis, workers => 1);
$r = post($nginx);
is($r->{status}, 201, 'connected');
push @acked, (json_decode($r->{body}) // {})->{id};
$redis->pause;
my @frozen;
for my $i (1 .. 3) {
    $r = post($nginx);
    is($r->{status}, 202, "Redis frozen, answer $i: 202 at the deadline");
    cmp_ok($r->{elapsed}, '<', 0.3 + 0.5, "answer $i: within the deadline (+0.5 s)");
    push @frozen, (json_decode($r->{body}) // {})->{id};
}
$redis->resume;
push @acked, (json_decode(post($nginx)->{body}) // {})->{id};   # one more, after
$deadline = time + 8;
sleep 0.1 while time < $deadline && spool_bytes() > 0;
is(spool_bytes(), 0, 'the frozen answers are replayed (or found)');
is($redis->xlen($STREAM), @acked + 3 + 0, 'each frozen answer once (it had reached Redis)')
    or diag explain ids_in_stream();
exactly_once([@acked, @frozen], 'after the freeze');

$nginx->stop;
finish();
done_testing();
