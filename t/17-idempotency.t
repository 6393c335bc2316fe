# Idempotency keys: the Idempotency-Key header or the hidden
# _idempotency_key field; the same key returns the first answer (same id,
# same status) and stores nothing new, also when the first attempt's client
# gave up but Redis got it, and when the first answer came from the spool.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);
use IO::Socket::INET;

need_module();

my $json = read_data('questionnaire.json');
my $form = read_data('questionnaire.urlencoded');
my $spool = test_dir() . '/spool';
my $redis = start_redis();
my $nginx = start_nginx(module_conf(http => "concertation_spool $spool;"),
                        redis => $redis);
my $port = $nginx->port;

sub id_of { return (json_decode($_[0]{body} // '') // {})->{id} }
sub keyed { return post_json($port, $FORM_PATH, $json, 'Idempotency-Key' => $_[0]) }

# ---- the header
my $r1 = keyed('cle-0001');
is($r1->{status}, 201, 'first post with a key: 201') or diag explain $r1;
my $id1 = id_of($r1);
my $r2 = keyed('cle-0001');
is($r2->{status}, 201, 'the same key again: 201, the first status');
is(id_of($r2), $id1, '... with the first id');
is($redis->xlen($STREAM), 1, '... and nothing stored twice');
my $r3 = keyed('cle-0002');
is($r3->{status}, 201, 'another key: 201');
isnt(id_of($r3), $id1, '... a new id');
is($redis->xlen($STREAM), 2, '... stored');
my $plain = post_json($port, $FORM_PATH, $json);
is($plain->{status}, 201, 'no key: stored as ever');
is($redis->xlen($STREAM), 3, '... a third entry');

# the key itself is not stored: a keyed HMAC names it, per form, with a TTL
my $keys = $redis->cmd('KEYS', 'concertation:idem:*');
is(scalar @$keys, 2, 'one Redis key per idempotency key');
unlike(join(' ', @$keys), qr/cle-000/, 'the raw key is not in Redis');
like($keys->[0], qr/^concertation:idem:questionnaire:[0-9a-f]{64}$/, 'named by form and HMAC');
my $ttl = $redis->cmd('PTTL', $keys->[0]);
ok($ttl > 23 * 3600 * 1000 && $ttl <= 24 * 3600 * 1000, "kept 24 hours (PTTL $ttl)");

# ---- the hidden field of a form posted without JavaScript
my $fbody = "$form&_idempotency_key=formulaire-42";
my $f1 = post_form($port, $FORM_PATH, $fbody, Accept => 'application/json');
is($f1->{status}, 201, 'a form with _idempotency_key: 201') or diag explain $f1;
my $f2 = post_form($port, $FORM_PATH, $fbody, Accept => 'application/json');
is(id_of($f2), id_of($f1), 'the same field again: the first id');
is($redis->xlen($STREAM), 4, '... stored once');
my $fb = post_form($port, $FORM_PATH, $fbody, Accept => $BROWSER_ACCEPT);
is($fb->{status}, 303, 'a browser resubmitting: 303');
like($fb->{headers}{location} // '', qr/id=\Q${\ id_of($f1)}\E$/, '... to the thank-you page of the first answer');

# the header wins over the field
my $h = post_form($port, $FORM_PATH, $fbody, Accept => 'application/json',
                  'Idempotency-Key' => 'cle-0001');
is(id_of($h), $id1, 'header and field: the header counts');

# ---- malformed keys: 400 naming the header or the field, nothing stored
my $bad = keyed('a b');
is($bad->{status}, 400, 'a key with a space: 400');
like($bad->{body}, qr/Idempotency-Key/, '... naming the header');
like($bad->{body}, qr/caract/, '... in French');
$bad = keyed('x' x 256);
is($bad->{status}, 400, 'a 256-character key: 400');
$bad = post_form($port, $FORM_PATH, "$form&_idempotency_key=", Accept => 'application/json');
is($bad->{status}, 400, 'an empty _idempotency_key: 400');
like($bad->{body}, qr/_idempotency_key/, '... naming the field');
$bad = post_json($port, $FORM_PATH, do { my $j = $json; $j =~ s/^\{/{"_idempotency_key":7,/; $j });
is($bad->{status}, 400, 'a JSON key that is not a string: 400');
is($redis->xlen($STREAM), 4, 'nothing stored for the malformed keys');

# ---- the first attempt's client gave up, Redis got it: the retry gets it
$nginx->stop;
$nginx = start_nginx(module_conf(http => 'concertation_redis_timeout 10s;',
                                 drop => ['concertation_redis_timeout']),
                     redis => $redis, workers => 1);
$port = $nginx->port;
is(keyed('warm-up')->{status}, 201, 'connected');
my $before = $redis->xlen($STREAM);
$redis->pause;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 2)
    or die "connect: $!";
print {$s} "POST $FORM_PATH HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    . "Idempotency-Key: abandon-1\r\nContent-Length: " . length($json) . "\r\n\r\n$json";
sleep 0.5;            # the command is on its way to the frozen Redis
close $s;             # the client gives up
sleep 0.2;
$redis->resume;
my $deadline = time + 5;
sleep 0.05 while time < $deadline && $redis->xlen($STREAM) == $before;
is($redis->xlen($STREAM), $before + 1, 'Redis stored the abandoned attempt');
my $retry = keyed('abandon-1');
is($retry->{status}, 201, 'the retry: 201');
my @entries = $redis->stream($STREAM);
is(id_of($retry), $entries[-1]{fields}{id}, '... with the id Redis stored for the first attempt');
is($redis->xlen($STREAM), $before + 1, '... and nothing new');

# ---- the first answer came from the spool (202): so does the retry's
$nginx->stop;
$nginx = start_nginx(module_conf(http => "concertation_spool $spool;"),
                     redis => $redis, workers => 1);
$port = $nginx->port;
$redis->stop;
my $sp = keyed('spool-1');
is($sp->{status}, 202, 'Redis down: 202') or diag explain $sp;
$redis->restart;
$before = $redis->xlen($STREAM);
$deadline = time + 8;
sleep 0.1 while time < $deadline && !grep { $_->{fields}{id} eq id_of($sp) } $redis->stream($STREAM);
ok((grep { $_->{fields}{id} eq id_of($sp) } $redis->stream($STREAM)), 'the spooled answer is replayed');
my $again = keyed('spool-1');
is($again->{status}, 202, 'the same key after the replay: 202, the first status');
is(id_of($again), id_of($sp), '... and the first id');
is(scalar(grep { $_->{fields}{id} eq id_of($sp) } $redis->stream($STREAM)), 1, 'stored once');

# ---- Redis down: the retry of a spooled answer gets the first answer, and
# is not spooled again; right after Redis is back (before the replay) too
$redis->stop;
my $d1 = keyed('down-1');
is($d1->{status}, 202, 'Redis down, a key: 202') or diag explain $d1;
my $d2 = keyed('down-1');
is($d2->{status}, 202, 'the same key again: 202');
is(id_of($d2), id_of($d1), '... with the first id (from the spooled keys)');
my $other = keyed('down-2');
isnt(id_of($other), id_of($d1), 'another key: another id');
$redis->restart;
$before = $redis->xlen($STREAM);
my $d3 = keyed('down-1');
is($d3->{status}, 202, 'Redis back, the same key: 202');
is(id_of($d3), id_of($d1), '... the first id, whether replayed yet or not');
$deadline = time + 8;
sleep 0.1 while time < $deadline && $redis->xlen($STREAM) < $before + 2;
sleep 1.2;
my @down = grep { $_->{fields}{id} eq id_of($d1) } $redis->stream($STREAM);
is(scalar @down, 1, 'the spooled answer is stored once');
is($redis->xlen($STREAM), $before + 2, '... and the two keys give two entries, no more');

# ---- the first attempt reached Redis late, after its answer came from the
# spool (202): the replay finds it stored, and the retry still gets 202
$nginx->stop;
$nginx = start_nginx(module_conf(http => "concertation_spool $spool;\n    concertation_redis_timeout 300ms;",
                                 drop => ['concertation_redis_timeout']),
                     redis => $redis, workers => 1);
$port = $nginx->port;
is(keyed('late-0')->{status}, 201, 'connected');
$before = $redis->xlen($STREAM);
$redis->pause;
my $late = keyed('late-1');
is($late->{status}, 202, 'Redis frozen past the deadline: 202') or diag explain $late;
$redis->resume;
$deadline = time + 5;
sleep 0.1 while time < $deadline && $redis->xlen($STREAM) == $before;
sleep 1.5;          # the replay's tick: it finds the entry the late script wrote
my $late2 = keyed('late-1');
is($late2->{status}, 202, 'the retry: 202, the status the client was given');
is(id_of($late2), id_of($late), '... the same id');
is($redis->xlen($STREAM), $before + 1, '... stored once');

$nginx->stop;
finish();
done_testing();
