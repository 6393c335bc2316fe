# Registrations (issue 4): one atomic script decides confirmed, waiting list
# or full; cancellation frees the seat and promotes the first waiting person
# in the same step; every state change is in the stream.  Two nginx share
# one Redis for the concurrency tests.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

need_module();

my $dir = test_dir();
my $root = repo_root();

# ---- a test programme and the schema offering exactly its events
my @events = (
    { id => 'atelier-test', capacity => 2, waitlist => 2 },
    { id => 'atelier-passe', capacity => 10, waitlist => 0,
      start => '2020-03-08T14:00:00+01:00',
      end => '2020-03-08T17:00:00+01:00' },
    { id => 'atelier-charge', capacity => 50, waitlist => 20 },
    { id => 'atelier-course', capacity => 5, waitlist => 40 },
    { id => 'webinaire-double', capacity => 10, waitlist => 0 },
    { id => 'atelier-annulation', capacity => 5, waitlist => 0 },
);
my $prog = { events => [ map {
    { kind => 'atelier', title => "Événement $_->{id}", %$_ }
} @events ] };
spew("$dir/events.json", json_encode($prog));

# the shipped definition takes its options from the programme; a copy with
# options written by hand must say what the programme says
my $schema = json_decode(slurp("$root/conf/inscription.json"));
is($schema->{fields}[0]{options}, 'programme',
   'conf/inscription.json takes its events from the programme');
spew("$dir/inscription.json", json_encode($schema));
$schema->{fields}[0]{options} =
    [ map { { value => $_->{id}, label => $_->{id} } } @events ];
spew("$dir/hand.json", json_encode($schema));
$schema->{fields}[0]{options} =
    [ map { { value => $_->{id}, label => "Événement $_->{id}" } }
      @events, { id => 'atelier-fantome' } ];
spew("$dir/extra.json", json_encode($schema));

my $conf = <<"CONF";
load_module %%MODULE%%;
events { worker_connections 2048; }
http {
    %%HTTP_COMMON%%
    concertation_redis %%REDIS%%;
    concertation_secret $SECRET;
    concertation_events $dir/events.json;
    concertation_limit_zone zone=reg:1m;
    server {
        listen 127.0.0.1:%%PORT%%;
        root html;
        location = /api/inscription {
            concertation_form inscription $dir/inscription.json;
            concertation_registration on;
        }
        location = /api/inscription/annulation {
            concertation_cancellation;
        }
        # the body in nginx's temporary file, not in memory
        location = /annulation-fichier {
            concertation_cancellation;
            client_body_in_file_only clean;
        }
        location = /api/evenements {
            concertation_events_status;
        }
        # the questionnaire's checks apply to a registration location too
        location = /fermee {
            concertation_form inscription $dir/inscription.json;
            concertation_registration on;
            concertation_window 2020-01-01T00:00:00Z 2020-02-01T00:00:00Z;
        }
        location = /limitee {
            concertation_form inscription $dir/inscription.json;
            concertation_registration on;
            concertation_limit zone=reg rate=1r/m;
        }
        location = /origine {
            concertation_form inscription $dir/inscription.json;
            concertation_registration on;
            concertation_origin http://example.org;
        }
    }
}
CONF

my $redis = start_redis();

# ---- configuration: the schema must offer exactly the programme's events
{
    my ($rc, $out) = nginx_t($conf =~ s{\Q$dir\E/inscription.json}
                                          {$dir/hand.json}gr,
                             redis => $redis);
    isnt($rc, 0, 'labels written by hand, not the programme\'s: refused');
    like($out, qr/the label of the option "atelier-test" \("atelier-test"\) differs from the programme's "\S{1,4}v\S{1,4}nement atelier-test"/,
         '... naming the option and the programme\'s label') or diag $out;

    ($rc, $out) = nginx_t($conf =~ s{\Q$dir\E/inscription.json}
                                    {$dir/extra.json}gr,
                          redis => $redis);
    isnt($rc, 0, 'an option that is not an event: refused');
    like($out, qr/"atelier-fantome", which is not in the programme/,
         '... and says why') or diag $out;

    my $real = $conf =~ s{\Q$dir\E/events.json}{%%CONF%%/events.json}r
                     =~ s{\Q$dir\E/inscription.json}
                         {%%CONF%%/inscription.json}gr;
    ($rc, $out) = nginx_t($real, redis => $redis);
    is($rc, 0, 'conf/inscription.json offers conf/events.json') or diag $out;
}
my $na = start_nginx($conf, redis => $redis);
my $nb = start_nginx($conf, redis => $redis);
my $INS = 'concertation:inscriptions';

my $n = 0;
sub person {
    my ($event, %o) = @_;
    $n++;
    return json_encode({ evenement => $event, nom => "Nom$n",
        prenom => 'Camille', email => $o{email} // "p$n\@example.org",
        consentement => JSON::PP::true() });
}
sub register { post_json(($_[2] // $na)->port, '/api/inscription', $_[0],
                         @{ $_[1] // [] }) }
sub cancel {
    my ($tok, $srv) = @_;
    return post_json(($srv // $na)->port, '/api/inscription/annulation',
                     json_encode({ jeton => $tok }));
}
sub counters {
    my ($ev) = @_;
    my $r = $redis->cmd('HMGET', "concertation:$ev:event", 'confirmed',
                        'waitlisted');
    return map { $_ // 0 } @$r;
}
# the stream's entries of one event, and the counts rebuilt from them
sub replay {
    my ($ev) = @_;
    my (%st, @e, $max);
    my ($conf, $wait) = (0, 0);
    $max = 0;
    for my $e (grep { $_->{fields}{event} eq $ev } $redis->stream($INS)) {
        my $f = $e->{fields};
        push @e, $f;
        if ($f->{status} eq 'registered') { $conf++; $st{$f->{id}} = 'c' }
        elsif ($f->{status} eq 'waitlisted') { $wait++; $st{$f->{id}} = 'w' }
        elsif ($f->{status} eq 'promoted') {
            $wait--; $conf++; $st{$f->{id}} = 'c' }
        elsif ($f->{status} eq 'cancelled') {
            $st{$f->{id}} eq 'c' ? $conf-- : $wait--;
            $st{$f->{id}} = 'x' }
        $max = $conf if $conf > $max;
    }
    return { confirmed => $conf, waitlisted => $wait, max => $max,
             entries => \@e };
}

# ---- the rules, one by one
my $p1 = person('atelier-test', email => 'Anne.Martin@Example.org');
my $r = register($p1);
is($r->{status}, 201, 'seats left: 201') or diag explain $r;
my $j1 = json_decode($r->{body}) // {};
is($j1->{statut}, 'confirmee', '... confirmed');
is($j1->{evenement}, 'atelier-test', '... for the event');
ok(!exists $j1->{position}, '... without a position');
like($j1->{jeton_annulation} // '', qr/^\Q$j1->{id}\E\.atelier-test\.[0-9a-f]{32}\z/,
     '... with a cancellation token');

$r = register(person('atelier-test', email => ' anne.martin@example.ORG'),
              [], $nb);
is($r->{status}, 200, 'the same person again, other server: 200');
my $j = json_decode($r->{body}) // {};
is($j->{id}, $j1->{id}, '... the same registration');
is($j->{statut}, 'confirmee', '... still confirmed');

my $j2 = json_decode(register(person('atelier-test'))->{body}) // {};
is($j2->{statut}, 'confirmee', 'second seat confirmed');

$r = register(person('atelier-test', email => 'w1@example.org'));
is($r->{status}, 201, 'no seat, waiting list open: 201');
my $w1 = json_decode($r->{body}) // {};
is($w1->{statut}, 'liste_attente', '... waitlisted');
is($w1->{position}, 1, '... position 1');
{
    my ($e) = grep { $_->{fields}{id} eq ($w1->{id} // '') }
              $redis->stream($INS);
    my $f = $e ? $e->{fields} : {};
    is(join(' ', map { $f->{$_} // '-' } qw(event status position)),
       'atelier-test waitlisted 1', '... stream entry: event, status, position');
    is($f->{client}, client_key($SECRET), '... the pseudonymised client');
    is((json_decode($f->{data} // '') // {})->{email}, 'w1@example.org',
       '... the normalised answer');
    like($f->{received_at} // '', qr/^\d{4}-\d\d-\d\dT[\d:.]+Z\z/,
         '... received_at');
}

$r = register(person('atelier-test', email => 'w2@example.org'), [], $nb);
my $w2 = json_decode($r->{body}) // {};
is("$r->{status} $w2->{statut} $w2->{position}", '201 liste_attente 2',
   'second on the waiting list: position 2');

$r = register(person('atelier-test'));
is($r->{status}, 409, 'seats and waiting list full: 409');
like($r->{body}, qr/complet/, '... "complet"');

$r = register(person('atelier-test', email => 'w1@example.org'));
is($r->{status}, 200, 'a waiting person again: 200');
is((json_decode($r->{body}) // {})->{position}, 1, '... same position');

is(join(' ', counters('atelier-test')), '2 2', 'counters: 2 confirmed, 2 waiting');

# ---- deadline passed, unknown event
$r = register(person('atelier-passe'));
is($r->{status}, 410, 'past the deadline: 410') or diag explain $r;
like($r->{body}, qr/closes/, '... in French');
is($redis->cmd('EXISTS', 'concertation:atelier-passe:event'), 0,
   '... Redis was not touched');

$r = register(person('atelier-inconnu'));
is($r->{status}, 422, 'unknown event: 422');
like($r->{body}, qr/"evenement"/, '... on the field "evenement"');

# ---- cancellation
my $xlen = $redis->xlen($INS);
$r = cancel($j1->{jeton_annulation}, $nb);
is($r->{status}, 200, 'cancellation: 200') or diag explain $r;
is((json_decode($r->{body}) // {})->{statut}, 'annulee', '... "annulee"');
is(join(' ', counters('atelier-test')), '2 1',
   '... the freed seat went to the waiting list');
my @new = ($redis->stream($INS))[$xlen .. $redis->xlen($INS) - 1];
is(join(' ', map { "$_->{fields}{status}:$_->{fields}{id}" } @new),
   "cancelled:$j1->{id} promoted:$w1->{id}",
   '... stream: cancelled, then the first waiting person promoted');

$r = register(person('atelier-test', email => 'w1@example.org'));
is((json_decode($r->{body}) // {})->{statut}, 'confirmee',
   'the promoted person is confirmed');
$r = register(person('atelier-test', email => 'w2@example.org'));
is((json_decode($r->{body}) // {})->{position}, 1,
   'the next one moved up to position 1');

$xlen = $redis->xlen($INS);
$r = cancel($j1->{jeton_annulation});
is($r->{status}, 200, 'cancelling again: 200 (idempotent)');
is((json_decode($r->{body}) // {})->{statut}, 'annulee', '... "annulee"');
is($redis->xlen($INS), $xlen, '... nothing changed');
is(join(' ', counters('atelier-test')), '2 1', '... counters unchanged');

(my $forged = $j2->{jeton_annulation}) =~ s/(.)\z/$1 eq '0' ? '1' : '0'/e;
$r = cancel($forged);
is($r->{status}, 403, 'forged token: 403');
like($r->{body}, qr/valable/, '... in French');
(my $other = $j2->{jeton_annulation}) =~ s/atelier-test/atelier-charge/;
is(cancel($other)->{status}, 403, 'token moved to another event: 403');
is(cancel('pas-un-jeton')->{status}, 422, 'malformed token: 422');
is(post_form($na->port, '/api/inscription/annulation', 'x=1')->{status}, 422,
   'no token: 422');
is(join(' ', counters('atelier-test')), '2 1', 'refused tokens changed nothing');

# the cancellation's body is read like any form's: strictly, from a file too
my @before = counters('atelier-annulation');
my $k = json_decode(register(person('atelier-annulation'))->{body}) // {};
ok($k->{jeton_annulation}, 'a registration to cancel by its body');
$r = post_json($na->port, '/api/inscription/annulation',
               '{"jeton":"' . $k->{jeton_annulation} . '","jeton":"x"}');
is($r->{status}, 400, 'a token sent twice in one JSON object: 400');
like($r->{body}, qr/"invalid_json".*plusieurs fois/, '... the duplicate key said');
$r = post_json($na->port, '/api/inscription/annulation',
               '{"jeton":"' . $k->{jeton_annulation} . '","autre":1}');
is($r->{status}, 422, 'an unknown field beside the token: 422');
like($r->{body}, qr/"field":"autre"/, '... naming it');
is(join(' ', counters('atelier-annulation')), join(' ', $before[0] + 1, $before[1]),
   '... nothing cancelled');
$r = post_json($na->port, '/annulation-fichier',
               json_encode({ jeton => $k->{jeton_annulation} }));
is($r->{status}, 200, 'a cancellation whose body nginx kept in a file: 200')
    or diag $r->{body};
is((json_decode($r->{body}) // {})->{statut}, 'annulee', '... "annulee"');
is(join(' ', counters('atelier-annulation')), join(' ', @before),
   '... the seat is free again');

$r = post_form($na->port, '/api/inscription/annulation',
               "jeton=$w2->{jeton_annulation}");
is($r->{status}, 200, 'a waiting person cancels by form: 200');
is(join(' ', counters('atelier-test')), '2 0', '... left the waiting list');
$r = register(person('atelier-test', email => 'w2@example.org'));
is($r->{status}, 201, 'after cancelling, the person may register again');
isnt((json_decode($r->{body}) // {})->{id}, $w2->{id}, '... a new registration');
is(join(' ', counters('atelier-test')), '2 1', '... on the waiting list');

# ---- window, rate limits and abuse controls, as for the questionnaire
$r = post_json($na->port, '/fermee', person('atelier-test'));
is($r->{status}, 410, 'outside the window: 410');
like($r->{body}, qr/"closed"/, '... code closed');
$r = post_json($na->port, '/origine', person('atelier-test'),
               Origin => 'http://evil.example');
is($r->{status}, 403, 'a cross-site post: 403');
like($r->{body}, qr/"cross_site"/, '... code cross_site');
is(post_json($na->port, '/limitee', person('atelier-passe'))->{status}, 410,
   'within the limit: the registration is decided (410, past deadline)');
is(post_json($na->port, '/limitee', person('atelier-test'))->{status}, 429,
   'over the limit: 429');
is(join(' ', counters('atelier-test')), '2 1', 'refused posts changed nothing');

# ---- browsers
$r = post_form($na->port, '/api/inscription',
    'evenement=atelier-test&nom=Dupont&prenom=Lou&email=lou%40example.org'
    . '&consentement=on', Accept => $BROWSER_ACCEPT);
is($r->{status}, 201, 'a browser gets the answer\'s page: 201')
    or diag explain $r;
is($r->{headers}{location}, undef, '... itself, not an address with the token');
like($r->{body}, qr{<h1>Vous êtes sur la liste d'attente</h1>},
     '... the waiting-list page');
like($r->{body}, qr/en deuxième position sur la liste d'attente/,
     '... with the position in words');
like($r->{body}, qr{<dt>Événement</dt><dd>\S+ atelier-test</dd>}, '... naming the event');
like($r->{body}, qr{href="/api/inscription/annulation\?jeton=[0-9a-f-]{36}\.atelier-test\.[0-9a-f]{32}"},
     '... and linking to the cancellation page with the token');
$r = post_form($na->port, '/api/inscription',
    'evenement=atelier-test&nom=Dupont&prenom=Lou&email=lou%40example.org'
    . '&consentement=on', Accept => $BROWSER_ACCEPT);
is($r->{status}, 200, 'again: 200, the same registration');
like($r->{body}, qr/était déjà inscrite à cet événement/, '... said so');
like($r->{body}, qr/en deuxième position/, '... the same position');

# ---- the script is sent again after SCRIPT FLUSH
$redis->cmd('SCRIPT', 'FLUSH');
is(register(person('webinaire-double'))->{status}, 201,
   'after SCRIPT FLUSH: EVAL once, 201');

# ---- counters equal the stream's content
my $rp = replay('atelier-test');
is(join(' ', counters('atelier-test')), "$rp->{confirmed} $rp->{waitlisted}",
   'atelier-test: counters equal the stream replayed');

# ---- concurrency: raw sockets, all opened first, bounded waits

sub raw_request {
    my ($body) = @_;
    return "POST /api/inscription HTTP/1.1\r\nHost: localhost\r\n"
         . "Content-Type: application/json\r\nConnection: close\r\n"
         . "Content-Length: " . length($body) . "\r\n\r\n$body";
}

# runs the requests in $nchild forked children, each opening all its
# sockets before reading any answer; returns the statuses and bodies
sub burst {
    my (@reqs) = @_;    # [port, path, body]
    my $nchild = 10;
    my @pids;
    for my $c (0 .. $nchild - 1) {
        my @mine = @reqs[grep { $_ % $nchild == $c } 0 .. $#reqs];
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my @socks;
            for my $q (@mine) {
                my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                    PeerPort => $q->[0], Timeout => 5);
                if ($s) {
                    my $body = $q->[2];
                    print $s "POST $q->[1] HTTP/1.1\r\nHost: localhost\r\n"
                        . "Content-Type: application/json\r\n"
                        . "Connection: close\r\nContent-Length: "
                        . length($body) . "\r\n\r\n$body";
                }
                push @socks, $s;
            }
            open my $out, '>', "$dir/burst-$c" or POSIX::_exit(1);
            for my $s (@socks) {
                my $resp = '';
                if ($s) {
                    my $deadline = time + 15;
                    while (time < $deadline) {
                        my $got = sysread($s, my $buf, 65536);
                        last unless $got;
                        $resp .= $buf;
                    }
                }
                my ($st) = $resp =~ m{^HTTP/1\.1 (\d+)};
                my ($b) = $resp =~ m{\r\n\r\n(.*)\z}s;
                $b //= '';
                $b =~ s/\n/ /g;
                print $out ($st // 0), "\t$b\n";
            }
            close $out;
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    waitpid($_, 0) for @pids;
    my @res;
    for my $c (0 .. $nchild - 1) {
        open my $in, '<', "$dir/burst-$c" or next;
        while (<$in>) {
            chomp;
            my ($st, $b) = split /\t/, $_, 2;
            push @res, { status => $st, body => json_decode($b) // {} };
        }
        unlink "$dir/burst-$c";
    }
    return @res;
}
use POSIX ();

my $t0 = time;
my @res = burst(map { [ ($_ % 2 ? $na : $nb)->port, '/api/inscription',
                        person('atelier-charge', email => "c$_\@example.org") ] }
                1 .. 520);
my %count;
$count{$_->{status}}++ for @res;
my %statut;
$statut{$_->{body}{statut} // ''}++ for grep { $_->{status} == 201 } @res;
is(scalar @res, 520, '520 simultaneous registrations answered');
is($statut{confirmee} // 0, 50, 'exactly 50 confirmed (capacity 50)');
is($statut{liste_attente} // 0, 20, 'exactly 20 waitlisted');
is($count{409} // 0, 450, 'the other 450: 409');
is($count{201} // 0, 70, 'no other answer') or diag explain \%count;
my @pos = sort { $a <=> $b } map { $_->{body}{position} }
          grep { ($_->{body}{statut} // '') eq 'liste_attente' } @res;
is("@pos", join(' ', 1 .. 20), 'waiting positions 1 to 20, each once');
is(join(' ', counters('atelier-charge')), '50 20', 'counters: 50 and 20');
$rp = replay('atelier-charge');
is("$rp->{confirmed} $rp->{waitlisted}", '50 20',
   'the stream alone gives 50 and 20');
is(scalar @{ $rp->{entries} }, 70, '... in 70 entries');
diag sprintf 'burst of 520 through two servers: %.2f s', time - $t0;

# ---- the same person 20 times at once: one seat
@res = burst(map { [ ($_ % 2 ? $na : $nb)->port, '/api/inscription',
                     person('webinaire-double',
                            email => ($_ % 3 ? 'Double@Example.org'
                                             : 'double@example.org')) ] }
             1 .. 20);
%count = ();
$count{$_->{status}}++ for @res;
is($count{201} // 0, 1, 'the same person 20 times: one 201');
is($count{200} // 0, 19, '... 19 times 200');
my %ids = map { ($_->{body}{id} // '') => 1 } @res;
is(scalar keys %ids, 1, '... all with the same registration');
is((counters('webinaire-double'))[0], 2,
   '... one seat (plus the one taken before)');

# ---- cancellations racing new registrations
my (@conf, @wait);
for my $i (1 .. 5) {
    push @conf, json_decode(register(person('atelier-course'))->{body});
}
for my $i (1 .. 10) {
    push @wait, json_decode(register(person('atelier-course'))->{body});
}
is(scalar(grep { $_->{statut} eq 'liste_attente' } @wait), 10,
   'race set-up: 5 confirmed, 10 waiting');
my @cancel = (@conf[0, 2, 4], @wait[1, 6]);
my @reqs = ((map { [ ($_ % 2 ? $na : $nb)->port, '/api/inscription',
                     person('atelier-course') ] } 1 .. 20),
            (map { [ $na->port, '/api/inscription/annulation',
                     json_encode({ jeton => $_->{jeton_annulation} }) ] }
             @cancel));
@reqs = @reqs[map { ($_ * 7) % @reqs } 0 .. $#reqs];   # interleaved
@res = burst(@reqs);
is(scalar(grep { $_->{status} == 200 && ($_->{body}{statut} // '') eq 'annulee' }
          @res), 5, '5 cancellations: 200');
is(scalar(grep { $_->{status} == 201 } @res), 20, '20 registrations: 201');
$rp = replay('atelier-course');
ok($rp->{max} <= 5, "confirmed never above capacity in the stream ($rp->{max})");
is($rp->{confirmed}, 5, 'the freed seats were all given');
is(join(' ', counters('atelier-course')), "$rp->{confirmed} $rp->{waitlisted}",
   'counters equal the stream replayed');

# nobody skipped: replaying the stream, each promoted person is the head
# of the waiting list at that moment (a waiting person may be promoted
# before their own cancellation arrives: that frees a seat again)
my (@queue, $skipped, $promoted);
for my $f (@{ $rp->{entries} }) {
    if ($f->{status} eq 'waitlisted') { push @queue, $f->{id} }
    elsif ($f->{status} eq 'promoted') {
        $promoted++;
        $skipped++ unless @queue && $queue[0] eq $f->{id};
        @queue = grep { $_ ne $f->{id} } @queue;
    }
    elsif ($f->{status} eq 'cancelled') {
        @queue = grep { $_ ne $f->{id} } @queue;
    }
}
ok($promoted >= 3, "freed seats were given to the waiting list ($promoted)");
ok(!$skipped, 'every promotion took the head of the waiting list');
my $left = $redis->cmd('ZRANGE', 'concertation:atelier-course:waitlist',
                       0, -1);
is("@$left", "@queue", 'the rest wait in order of arrival');

# ---- what the registrations did shows in GET /api/evenements (the cache is
# refreshed every second: bounded wait)
{
    my ($conf_n, $wait_n) = counters('atelier-test');
    my ($ev, $deadline) = (undef, time + 5);
    while (time < $deadline) {
        my $g = http_request($na->port, 'GET', '/api/evenements');
        my $all = json_decode($g->{body} // '') // {};
        ($ev) = grep { $_->{id} eq 'atelier-test' } @{ $all->{events} // [] };
        last if $ev && defined $ev->{seats_left}
            && $ev->{seats_left} == $ev->{capacity} - $conf_n
            && $ev->{waitlist_left} == $ev->{waitlist} - $wait_n;
        select undef, undef, undef, 0.2;
    }
    ok($ev && defined $ev->{seats_left}, 'GET /api/evenements lists the event');
    is($ev && $ev->{seats_left}, $ev && $ev->{capacity} - $conf_n,
       "seats left = capacity - $conf_n confirmed in Redis");
    is($ev && $ev->{waitlist_left}, $ev && $ev->{waitlist} - $wait_n,
       "waiting places left = waitlist - $wait_n waitlisted in Redis");
    ok($conf_n > 0, 'the registrations above took seats (the check means something)');
}

finish();
done_testing();
