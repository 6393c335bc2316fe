# The programme of events: concertation_events refusals at nginx -t (file,
# event and property named), GET /api/evenements with its exact fields, the
# counters the registration scripts write in Redis reflected within the
# refresh interval, the stale answer while Redis is down, 405 otherwise, and
# the development and production configurations.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $root = repo_root();
my $tmp = test_dir();

# ---- nginx -t refusals

my $status = <<'LOC';
        location = /api/evenements {
            concertation_events_status;
        }
LOC

# nginx -t resolves the Redis address but never connects
sub conftest { return nginx_t($_[0], vars => { REDIS => '127.0.0.1:6379' }) }

sub conf_with {
    my ($http, $server) = @_;
    return module_conf(http => $http, server => $server // $status);
}

my @bad = (
    [ 'unknown property',
      '{"events":[{"id":"atelier-caen","kind":"atelier","title":"T",'
      . '"capacity":10,"waitlist":0,"capacite":3}]}',
      qr/bad\.json: event "atelier-caen": unknown property "capacite"/ ],
    [ 'capacity 0',
      '{"events":[{"id":"atelier-caen","kind":"atelier","title":"T",'
      . '"capacity":0,"waitlist":0}]}',
      qr/bad\.json: event "atelier-caen": "capacity" \(0\)/ ],
    [ 'end before start',
      '{"events":[{"id":"a","kind":"atelier","title":"T","capacity":1,'
      . '"waitlist":0},{"id":"b-2","kind":"conference","title":"T",'
      . '"capacity":1,"waitlist":0,"start":"2022-03-29T09:30:00+02:00",'
      . '"end":"2022-03-29T09:00:00+02:00"}]}',
      qr/bad\.json: event "b-2": "end" is before "start"/ ],
    [ 'no offset',
      '{"events":[{"id":"a","kind":"atelier","title":"T","capacity":1,'
      . '"waitlist":0,"start":"2022-03-29T09:30:00",'
      . '"end":"2022-03-29T17:00:00+02:00"}]}',
      qr/bad\.json: event "a": "start"/ ],
    [ 'kind',
      '{"events":[{"id":"a","kind":"salon","title":"T","capacity":1,'
      . '"waitlist":0}]}',
      qr/bad\.json: event "a": "kind"/ ],
    [ 'duplicate id',
      '{"events":[{"id":"a","kind":"atelier","title":"T","capacity":1,'
      . '"waitlist":0},{"id":"a","kind":"atelier","title":"T",'
      . '"capacity":1,"waitlist":0}]}',
      qr/bad\.json: event "a": "id" is already used/ ],
    [ 'bad id',
      '{"events":[{"id":"Atelier Caen","kind":"atelier","title":"T",'
      . '"capacity":1,"waitlist":0}]}',
      qr/bad\.json: event #1: "id"/ ],
);

for my $b (@bad) {
    my ($name, $json, $re) = @$b;
    spew("$tmp/bad.json", $json);
    my ($code, $out) = conftest(conf_with("concertation_events $tmp/bad.json;"));
    isnt($code, 0, "nginx -t refuses a programme: $name");
    like($out, $re, "... naming the file, the event and the property")
        or diag $out;
}

{
    my ($code, $out) = conftest(conf_with("concertation_events $tmp/none.json;"));
    isnt($code, 0, 'nginx -t refuses a missing programme');
    like($out, qr/none\.json: cannot open/, '... and says so');

    ($code, $out) = conftest(conf_with(''));
    isnt($code, 0, 'concertation_events_status without concertation_events');
    like($out, qr/need "concertation_events"/, '... is refused');

    ($code, $out) = conftest(conf_with(
        "concertation_events %%CONF%%/events.json;\n"
        . "    concertation_events_cache zone=ev:64k interval=10ms;"));
    isnt($code, 0, 'an interval under 100ms is refused');
    like($out, qr/invalid interval "interval=10ms"/, '... naming it');

    ($code, $out) = conftest(conf_with(
        "concertation_events %%CONF%%/events.json;\n"
        . "    concertation_events_cache zone=ev:64k interval=2s;"));
    is($code, 0, 'the real programme with an explicit cache passes nginx -t')
        or diag $out;

    ($code, $out) = conftest(conf_with(
        "concertation_events %%CONF%%/events.json;",
        "location = /x { concertation_events_status; }\n"));
    is($code, 0, 'a status location with the default cache passes') or diag $out;
}

# ---- the programme, served

my $redis = start_redis();

# a small programme around the test's clock: one past deadline, one open
my $T0 = int(time);

sub stamp {
    my ($t, $off) = @_;
    my @g = gmtime($t + $off);
    my $o = $off == 0 ? 'Z'
          : sprintf('%s%02d:%02d', $off < 0 ? '-' : '+',
                    int(abs($off) / 3600), abs($off) % 3600 / 60);
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d%s',
                   $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], $o);
}

my $start = $T0 + 86400 * 10;
my $prog = json_encode({ events => [
    { id => 'atelier-caen', kind => 'atelier',
      title => 'Atelier territorial du Calvados',
      start => stamp($start, 3600), end => stamp($start + 3 * 3600, 3600),
      place => 'Caen, 14 rue Clos Herbert, salles 02 et 06',
      department => '14', capacity => 3, waitlist => 2 },
    { id => 'atelier-passe', kind => 'atelier', title => 'Passe',
      start => stamp($T0 + 86400, 7200), end => stamp($T0 + 86400, 7200),
      deadline => stamp($T0 - 60, 0),
      department => '27', capacity => 10, waitlist => 0 },
    { id => 'webinaire-tourisme', kind => 'webinaire',
      title => 'Tourisme responsable et solidaire',
      capacity => 500, waitlist => 0 },
] });
spew("$tmp/prog.json", $prog);

my $nginx = start_nginx(module_conf(
    http => "concertation_events $tmp/prog.json;\n"
          . "    concertation_events_cache zone=ev:64k interval=200ms;",
    server => $status . sprintf(<<'LOC', stamp($T0 - 86400 * 30, 3600),
        location = /api/evenements-ferme {
            concertation_events_status;
            concertation_window %s %s;
        }
LOC
        stamp($T0 - 86400, 3600))), redis => $redis);
my $port = $nginx->port;

# bounded wait until the answer satisfies $cond
sub wait_answer {
    my ($cond, $secs) = @_;
    my ($res, $j);
    my $deadline = time + $secs;
    while (1) {
        $res = http_request($port, 'GET', '/api/evenements');
        $j = json_decode($res->{body});
        return ($res, $j, 1) if $res->{status} == 200 && $j && $cond->($j);
        return ($res, $j, 0) if time > $deadline;
        sleep 0.05;
    }
}

my ($res, $j, $ok) = wait_answer(sub { defined $_[0]{updated_at} }, 5);
ok($ok, 'the counters are read from Redis soon after the start');
is($res->{status}, 200, 'GET /api/evenements: 200');
like($res->{headers}{'content-type'} // '', qr{^application/json},
     '... JSON');
like($res->{headers}{'cache-control'} // '', qr/max-age=1\b/,
     '... cacheable for a second');
is($j->{stale}, JSON::PP::false(), '... not stale');
is($j->{stale_since}, undef, '... stale_since null');
like($j->{updated_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\z/,
     '... updated_at in RFC 3339');

is(scalar @{ $j->{events} // [] }, 3, 'three events, in the file\'s order');
is_deeply([ map { $_->{id} } @{ $j->{events} } ],
          [ 'atelier-caen', 'atelier-passe', 'webinaire-tourisme' ],
          '... with their ids');

my %by = map { $_->{id} => $_ } @{ $j->{events} };
is_deeply($by{'atelier-caen'}, {
    id => 'atelier-caen', kind => 'atelier',
    title => 'Atelier territorial du Calvados',
    start => stamp($start, 3600), end => stamp($start + 3 * 3600, 3600),
    place => 'Caen, 14 rue Clos Herbert, salles 02 et 06',
    department => '14', capacity => 3, waitlist => 2,
    deadline => stamp($start, 3600),
    seats_left => 3, waitlist_left => 2,
    full => JSON::PP::false(), open => JSON::PP::true(),
}, 'a dated event: exact fields, deadline defaulting to the start, '
   . 'all seats free') or diag explain $by{'atelier-caen'};

is($by{'atelier-passe'}{open}, JSON::PP::false(),
   'past its deadline: not open');
is($by{'atelier-passe'}{deadline}, stamp($T0 - 60, 7200),
   '... deadline told in the event\'s offset');
is($by{'atelier-passe'}{start}, stamp($T0 + 86400, 7200),
   '... start with its +02:00 offset');

is_deeply($by{'webinaire-tourisme'}, {
    id => 'webinaire-tourisme', kind => 'webinaire',
    title => 'Tourisme responsable et solidaire',
    start => undef, end => undef, place => '', department => '',
    capacity => 500, waitlist => 0, deadline => undef,
    seats_left => 500, waitlist_left => 0,
    full => JSON::PP::false(), open => JSON::PP::true(),
}, 'an undated event: null dates, no deadline, open')
    or diag explain $by{'webinaire-tourisme'};

$res = http_request($port, 'GET', '/api/evenements-ferme');
$j = json_decode($res->{body});
is_deeply([ map { $_->{open} ? 1 : 0 } @{ $j->{events} // [] } ], [ 0, 0, 0 ],
          'a closed consultation window: nothing open, dated or not');

# ---- counters written the way the registration scripts write them

$redis->cmd('HSET', 'concertation:atelier-caen:event',
            'confirmed', 2, 'waitlisted', 0);
($res, $j, $ok) = wait_answer(sub {
    ($_[0]{events}[0]{seats_left} // -1) == 1 }, 3);
ok($ok, 'two confirmed: one seat left within the refresh interval');
is($j->{events}[0]{waitlist_left}, 2, '... the waiting list untouched');
is($j->{events}[0]{full}, JSON::PP::false(), '... not full');

$redis->cmd('HSET', 'concertation:atelier-caen:event',
            'confirmed', 3, 'waitlisted', 2);
$redis->cmd('HSET', 'concertation:webinaire-tourisme:event',
            'confirmed', 499);
my $t1 = time;
($res, $j, $ok) = wait_answer(sub {
    ($_[0]{events}[0]{seats_left} // -1) == 0
    && $_[0]{events}[0]{full} }, 3);
ok($ok, 'seats and waiting list taken: full');
cmp_ok(time - $t1, '<', 1.5, '... seen within a refresh or two (200ms)');
is($j->{events}[0]{waitlist_left}, 0, '... no waiting place left');
is($j->{events}[2]{seats_left}, 1, 'the webinar\'s count is read too');
is($j->{events}[2]{full}, JSON::PP::false(), '... not full with one seat');
is($j->{events}[1]{seats_left}, 10, 'an event without a hash: all free');

# counts over capacity (a capacity lowered in the file) clamp at zero
$redis->cmd('HSET', 'concertation:atelier-passe:event', 'confirmed', 12);
($res, $j, $ok) = wait_answer(sub {
    defined $_[0]{events}[1]{seats_left}
    && $_[0]{events}[1]{seats_left} == 0 }, 3);
ok($ok, 'more confirmed than seats: 0 left, never negative');

# ---- no Redis round trip per request

my $before = redis_calls($redis);
http_request($port, 'GET', '/api/evenements') for 1 .. 50;
my $after = redis_calls($redis);
cmp_ok($after - $before, '<', 30,
       '50 requests cost far fewer than 50 Redis commands')
    or diag "commands: $before -> $after";

sub redis_calls {
    my ($r) = @_;
    my $info = $r->cmd('INFO', 'commandstats') // '';
    my ($n) = $info =~ /cmdstat_eval:calls=(\d+)/;
    return $n // 0;
}

# ---- HEAD, and other methods

$res = http_request($port, 'HEAD', '/api/evenements');
is($res->{status}, 200, 'HEAD: 200');
is($res->{body}, '', '... without a body');

for my $m (qw(POST PUT DELETE)) {
    $res = http_request($port, $m, '/api/evenements',
                        headers => ['Content-Type' => 'application/json',
                                    Accept => 'application/json'],
                        body => '{}');
    is($res->{status}, 405, "$m: 405");
    like($res->{headers}{allow} // '', qr/GET/, '... Allow: GET');
}

# ---- reloads: the same programme keeps its counters

$redis->pause;
ok($nginx->reload, 'reload with the same programme (Redis paused)');
$res = http_request($port, 'GET', '/api/evenements');
$j = json_decode($res->{body});
is($j->{events}[0]{seats_left}, 0,
   '... the counters survive in the zone, before any new read');
$redis->resume;

# a changed programme: a fresh table, filled at the next read

my $p2 = json_decode($prog);
push @{ $p2->{events} }, { id => 'webinaire-formation', kind => 'webinaire',
                           title => 'Formation', capacity => 5,
                           waitlist => 1 };
spew("$tmp/prog.json", json_encode($p2));
$redis->cmd('HSET', 'concertation:webinaire-formation:event',
            'confirmed', 5, 'waitlisted', 1);
ok($nginx->reload, 'reload with one more event');
($res, $j, $ok) = wait_answer(sub {
    @{ $_[0]{events} } == 4 && ($_[0]{events}[3]{full} // 0)
    && ($_[0]{events}[0]{seats_left} // -1) == 0 }, 5);
ok($ok, '... the new event is shown, its counters read');

# ---- Redis down: the cache still answers, and says since when

$redis->stop;
my $down = time;
($res, $j, $ok) = wait_answer(sub { $_[0]{stale} }, 5);
ok($ok, 'Redis down: the answer says it is stale');
is($res->{status}, 200, '... still 200');
is($j->{events}[0]{seats_left}, 0, '... with the last counters known');
is($j->{events}[0]{full}, JSON::PP::true(), '... full still');
like($j->{stale_since} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\z/,
     '... stale_since in RFC 3339');
ok(defined $j->{updated_at}, '... updated_at kept');

$nginx->allow_log(qr/Redis at/);

# ---- the development and production configurations

{
    my $run = Concertation::Test::test_dir() . '/dev';
    mkdir $run;
    my $dev = dev_conf(vars => {
        RUN => $run, PORT => 8080, STATUS_PORT => 8081, REDIS_PORT => 6380,
        WINDOW_START => '2026-01-01T00:00:00+01:00',
        WINDOW_END => '2026-02-01T00:00:00+01:00' });
    like($dev, qr{^\s*concertation_events\s+\Q$root\E/conf/events\.demo\.json;}m,
         'make run loads the demo programme');
    like($dev, qr{location = /api/evenements \{\s*concertation_events_status;}s,
         '... and shows it at /api/evenements');
    my $prod = slurp("$root/conf/concertation.site.conf");
    like($prod, qr{^\s*concertation_events\s+\S*/events\.json;}m,
         'the production configuration loads the real programme');
    like($prod, qr{location = /api/evenements \{\s*concertation_events_status;}s,
         '... and shows it at /api/evenements');
}

finish(allow => [ qr/Redis at/ ]);
done_testing();
