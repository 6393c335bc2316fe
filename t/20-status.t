# The status page (issue 7): every outcome of a form counted exactly, the
# registrations per event, the Redis connection and its latency histogram,
# the spool, the rate-limit zones; the Prometheus text parsed strictly, the
# JSON equal to it; the counters survive a reload; the access log's
# variables tie a line to the stream entry.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $dir = test_dir();
my $root = repo_root();
my $spool = "$dir/spool";
my $json = read_data('questionnaire.json');

# ---- a programme of two events: one seat and one waiting place each
my @events = (
    { id => 'atelier-a', capacity => 1, waitlist => 1 },
    { id => 'atelier-b', capacity => 5, waitlist => 0 },
);
spew("$dir/events.json", json_encode({ events => [ map {
    { kind => 'atelier', title => "Atelier $_->{id}", %$_ }
} @events ] }));
my $schema = json_decode(slurp("$root/conf/inscription.json"));
spew("$dir/inscription.json", json_encode($schema));

my $form = "concertation_form questionnaire %%CONF%%/questionnaire.json;";
my $conf = <<"CONF";
load_module %%MODULE%%;
events { worker_connections 1024; }
http {
    %%HTTP_COMMON%%
    log_format cc '\$status \$concertation_outcome \$concertation_form '
                  '\$concertation_id';
    concertation_redis %%REDIS%%;
    concertation_redis_connect_timeout 500ms;
    concertation_redis_timeout 1s;
    concertation_secret $SECRET;
    concertation_events $dir/events.json;
    concertation_limit_zone zone=lim:1m;
    concertation_spool $spool max_size=1300;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    server {
        listen 127.0.0.1:%%PORT%%;
        root html;
        access_log logs/cc.log cc;
        location = /api/questionnaire { $form client_max_body_size 64k; }
        location = /api/limitee {
            $form
            concertation_limit zone=lim rate=1r/m;
        }
        location = /api/bientot {
            $form
            concertation_window 2099-01-01T00:00:00Z 2099-02-01T00:00:00Z;
        }
        location = /api/fermee {
            $form
            concertation_window 2020-01-01T00:00:00Z 2020-02-01T00:00:00Z;
        }
        location = /api/origine { $form concertation_origin http://example.org; }
        location = /api/inscription {
            concertation_form inscription $dir/inscription.json;
            concertation_registration on;
        }
        location = /api/inscription/annulation { concertation_cancellation; }
        location = /status { concertation_status; }
        location = /plain { return 200 "[\$concertation_outcome]"; }
    }
}
CONF

my $redis = start_redis();
my $nginx = start_nginx($conf, redis => $redis, workers => 1);
my $port = $nginx->port;

# ---- the Prometheus text, parsed strictly: every line a HELP, a TYPE or
# a sample; every sample of a family declared with HELP and TYPE before it
sub parse_text {
    my ($text) = @_;
    my (%help, %type, %v, @errors, @order);
    for my $line (split /\n/, $text, -1) {
        next if $line eq '' && !@errors;
        if ($line =~ /^# HELP (concertation_[a-z_]+) \S.*\z/) {
            push @errors, "HELP twice: $1" if $help{$1}++;
        } elsif ($line =~ /^# TYPE (concertation_[a-z_]+) (counter|gauge|histogram)\z/) {
            push @errors, "TYPE before HELP: $1" unless $help{$1};
            push @errors, "TYPE twice: $1" if $type{$1};
            $type{$1} = $2;
            push @errors, "counter not _total: $1"
                if $2 eq 'counter' && $1 !~ /_total\z/;
        } elsif ($line =~ /^(concertation_[a-z_]+)(?:\{((?:[a-z_]+="(?:[^"\\\n]|\\[\\"n])*",)*[a-z_]+="(?:[^"\\\n]|\\[\\"n])*")\})? ([0-9]+(?:\.[0-9]+)?)\z/) {
            my ($name, $labels, $value) = ($1, $2 // '', $3);
            my $family = $name;
            if (!$type{$family}) {
                $family =~ s/_(bucket|sum|count)\z//;
                push @errors, "$name without a histogram TYPE"
                    unless ($type{$family} // '') eq 'histogram';
            }
            my %l;
            $l{$1} = $2 while $labels =~ /([a-z_]+)="((?:[^"\\]|\\.)*)"/g;
            my $key = join ',', $name, map { "$_=$l{$_}" } sort keys %l;
            push @errors, "sample twice: $key" if exists $v{$key};
            $v{$key} = $value;
            push @order, [$name, \%l, $value];
        } else {
            push @errors, "not a valid line: \"$line\"";
        }
    }
    push @errors, 'no final newline' unless $text =~ /\n\z/;
    return { values => \%v, type => \%type, order => \@order,
             errors => \@errors };
}

sub scrape {
    my (%o) = @_;
    my $r = http_request($port, 'GET', '/status', %o);
    return $r;
}

sub metrics {
    my $r = scrape();
    is($r->{status}, 200, 'the status page answers 200') or diag explain $r;
    my $p = parse_text($r->{body});
    ok(!@{ $p->{errors} }, '... its text is valid') or diag join "\n",
        @{ $p->{errors} }[0 .. ($#{ $p->{errors} } < 10 ? $#{ $p->{errors} } : 9)];
    return $p;
}

sub v {
    my ($p, $name, %l) = @_;
    my $key = join ',', $name, map { "$_=$l{$_}" } sort keys %l;
    return $p->{values}{$key};
}

sub outcomes {
    my ($p, $form) = @_;
    my %o;
    for my $s (@{ $p->{order} }) {
        next unless $s->[0] eq 'concertation_requests_total'
            && $s->[1]{form} eq $form;
        $o{ $s->[1]{outcome} } = $s->[2];
    }
    return \%o;
}

my @OUTCOMES = qw(accepted spooled duplicate invalid malformed rate_limited
                  window abuse storage_error too_large full cancelled method
                  other draft);
sub expect {
    my (%nonzero) = @_;
    return { (map { $_ => 0 } @OUTCOMES), %nonzero };
}

# waits (bounded) until worker 0's connection went through its handshake
sub wait_up {
    my $deadline = time + 5;
    while (time < $deadline) {
        my $p = parse_text(scrape()->{body});
        return 1 if (v($p, 'concertation_redis_connection_state', worker => 0,
                       state => 'up') // 0) == 1;
        sleep 0.05;
    }
    return 0;
}

# ---- before anything: every counter of the configuration is there, at 0
wait_up();
my $p = metrics();
is_deeply(outcomes($p, 'questionnaire'), expect(),
          'every outcome of the questionnaire, at 0');
is_deeply(outcomes($p, 'inscription'), expect(),
          'every outcome of the registration form, at 0');
is(v($p, 'concertation_registrations_total', event => 'atelier-b',
     state => 'confirmed'), 0, 'registrations of each event, at 0');
is(v($p, 'concertation_redis_connection_state', worker => 0, state => 'up'),
   1, 'the worker is connected to Redis');
is(v($p, 'concertation_limit_zone_clients', zone => 'lim'), 0,
   'an empty limit zone counts no client');

# ---- every outcome of a form, with Redis up
my (@ids, %status);
sub post {
    my ($path, $body, @h) = @_;
    my $r = post_json($port, $path, $body, @h);
    $status{$path} .= "$r->{status} ";
    return $r;
}
for (1 .. 2) {
    my $r = post('/api/questionnaire', $json);
    push @ids, (json_decode($r->{body}) // {})->{id} if $r->{status} == 201;
}
my $k1 = post('/api/questionnaire', $json, 'Idempotency-Key' => 'cle-status-1');
my $k2 = post('/api/questionnaire', $json, 'Idempotency-Key' => 'cle-status-1');
is("$k1->{status} $k2->{status}", '201 201', 'an idempotency key twice: 201 201');
my $dup_id = (json_decode($k2->{body}) // {})->{id} // '';
post('/api/questionnaire', '{}');
post('/api/questionnaire', '{"profil": ');
post('/api/limitee', $json, 'X-Real-IP' => "10.0.0.$_") for 1 .. 4;
post('/api/limitee', $json, 'X-Real-IP' => '10.0.0.1');
post('/api/bientot', $json);
post('/api/fermee', $json);
post('/api/origine', $json, Origin => 'http://evil.example');
post('/api/questionnaire', '{"vision":"' . ('x' x 70000) . '"}');
http_request($port, 'GET', '/api/questionnaire');
http_request($port, 'POST', '/api/questionnaire',
             headers => ['Content-Type' => 'text/plain'], body => 'x');
is(join('', map { "$_: $status{$_}\n" } sort keys %status),
   "/api/bientot: 403 \n/api/fermee: 410 \n"
   . "/api/limitee: 201 201 201 201 429 \n/api/origine: 403 \n"
   . "/api/questionnaire: 201 201 201 201 422 400 413 \n",
   'the answers are those the counters must show');

# ---- registrations
my $n = 0;
sub person {
    my ($event, $email) = @_;
    $n++;
    return json_encode({ evenement => $event, nom => "Nom$n",
        prenom => 'Camille', email => $email // "p$n\@example.org",
        consentement => JSON::PP::true() });
}
my @reg = map { post_json($port, '/api/inscription', $_) }
    person('atelier-a', 'un@example.org'), person('atelier-a'),
    person('atelier-a'), person('atelier-a', 'un@example.org');
is(join(' ', map { $_->{status} } @reg), '201 201 409 200',
   'registrations: confirmed, waitlisted, full, the same again');
my $first = json_decode($reg[0]{body}) // {};
my $c = post_json($port, '/api/inscription/annulation',
                  json_encode({ jeton => $first->{jeton_annulation} }));
is($c->{status}, 200, 'a cancellation: 200') or diag explain $c;

$p = metrics();
is_deeply(outcomes($p, 'questionnaire'),
          expect(accepted => 7, duplicate => 1, invalid => 1, malformed => 1,
                 rate_limited => 1, window => 2, abuse => 1, too_large => 1,
                 method => 1, other => 1),
          'questionnaire: each outcome counted exactly');
is_deeply(outcomes($p, 'inscription'),
          expect(accepted => 2, full => 1, duplicate => 1),
          'registration form: accepted, full, duplicate');
is(join(' ', map { v($p, 'concertation_registrations_total',
                     event => 'atelier-a', state => $_) }
             qw(confirmed waitlisted full cancelled)), '1 1 1 1',
   'registrations per event and state: confirmed, waitlisted, full, '
   . 'cancelled');
is(join(' ', map { v($p, 'concertation_registrations_total',
                     event => 'atelier-b', state => $_) }
             qw(confirmed waitlisted full cancelled)), '0 0 0 0',
   '... the other event untouched');
is(v($p, 'concertation_limit_zone_clients', zone => 'lim'), 4,
   'the limit zone counts the 4 clients seen');
my $cap = v($p, 'concertation_limit_zone_capacity', zone => 'lim') // 0;
ok($cap > 1000 && $cap < 1024 * 1024 / 64,
   "... and holds about a 1m zone's worth of them ($cap)");

# the latency histogram: cumulative, ending with +Inf equal to the count
sub histogram_ok {
    my ($p, $what) = @_;
    my @b = grep { $_->[0] eq 'concertation_redis_latency_seconds_bucket'
                   && $_->[1]{worker} eq '0' } @{ $p->{order} };
    my @le = map { $_->[1]{le} } @b;
    my $sorted = 1;
    for my $i (1 .. $#b) {
        $sorted = 0 if $b[$i][2] < $b[$i - 1][2];
        $sorted = 0 if $le[$i] ne '+Inf' && $le[$i] <= $le[$i - 1];
    }
    is(join(',', @le), '0.0005,0.001,0.002,0.005,0.01,0.025,0.05,0.1,0.25,'
       . '0.5,1,+Inf', "$what: the buckets, in order");
    ok($sorted, "$what: cumulative");
    my $count = v($p, 'concertation_redis_latency_seconds_count', worker => 0);
    is($b[-1][2], $count, "$what: +Inf equals _count ($count)");
    return $count;
}
my $count = histogram_ok($p, 'latency');
# 7 + 2 idempotent submissions, 4 registrations, 1 cancellation, the handshake
ok($count >= 15, "every command's round trip observed ($count)");
my $sum = v($p, 'concertation_redis_latency_seconds_sum', worker => 0);
ok($sum > 0 && $sum < $count * 1.0, "... their sum in seconds ($sum)");

# ---- the JSON: the same values
sub json_matches_text {
    my ($p, $what) = @_;
    my $r = scrape(headers => [Accept => 'application/json']);
    like($r->{headers}{'content-type'} // '', qr{^application/json},
         "$what: Accept: application/json gives JSON");
    my $j = json_decode($r->{body}) // {};
    my $q = json_decode(scrape_path('/status?format=json')->{body}) // {};
    my %flat;
    for my $f (keys %{ $j->{forms} // {} }) {
        $flat{"concertation_requests_total,form=$f,outcome=$_"} =
            $j->{forms}{$f}{$_} for keys %{ $j->{forms}{$f} };
    }
    for my $e (keys %{ $j->{events} // {} }) {
        $flat{"concertation_registrations_total,event=$e,state=$_"} =
            $j->{events}{$e}{$_} for keys %{ $j->{events}{$e} };
    }
    for my $w (@{ $j->{workers} // [] }) {
        my $i = $w->{worker};
        for my $s (qw(down connecting up)) {
            $flat{"concertation_redis_connection_state,state=$s,worker=$i"} =
                $w->{redis}{state} eq $s ? 1 : 0;
        }
        $flat{"concertation_redis_reconnects_total,worker=$i"} =
            $w->{redis}{reconnects};
        my $l = $w->{redis}{latency};
        $flat{"concertation_redis_latency_seconds_bucket,le=$_,worker=$i"} =
            $l->{buckets}{$_} for keys %{ $l->{buckets} };
        $flat{"concertation_redis_latency_seconds_count,worker=$i"} = $l->{count};
        $flat{"concertation_redis_latency_seconds_sum,worker=$i"} =
            sprintf('%d.%06d', int($l->{sum_us} / 1e6), $l->{sum_us} % 1e6);
        my $s = $w->{spool};
        $flat{"concertation_spool_bytes,worker=$i"} = $s->{bytes};
        $flat{"concertation_spool_records,worker=$i"} = $s->{records};
        $flat{"concertation_spool_replayed_total,worker=$i"} = $s->{replayed};
        $flat{"concertation_spool_replay_duplicates_total,worker=$i"} =
            $s->{replay_duplicates};
        $flat{"concertation_spool_replay_skipped_total,worker=$i"} =
            $s->{replay_skipped};
        $flat{"concertation_spool_quarantined_total,worker=$i"} =
            $s->{quarantined};
        $flat{"concertation_redis_wait_unconfirmed_total,worker=$i"} =
            $w->{redis}{wait_unconfirmed};
    }
    $flat{concertation_spool_capacity_bytes} = $j->{spool_capacity_bytes};
    for my $z (keys %{ $j->{limit_zones} // {} }) {
        $flat{"concertation_limit_zone_clients,zone=$z"} =
            $j->{limit_zones}{$z}{clients};
        $flat{"concertation_limit_zone_capacity,zone=$z"} =
            $j->{limit_zones}{$z}{capacity};
    }
    # the latency histogram goes on between two scrapes: the seat counters'
    # refresh (every concertation_events interval) sends a command at any
    # time. Those values may only have grown; the rest is the same.
    my %text = %{ $p->{values} };
    my @grown;
    for my $k (grep { /^concertation_redis_latency_seconds/ } keys %text) {
        push @grown, $k unless defined $flat{$k} && $flat{$k} >= $text{$k};
        delete $text{$k};
        delete $flat{$k};
    }
    ok(!@grown, "$what: the JSON's latency histogram is the text's, or later")
        or diag "@grown";
    is_deeply(\%flat, \%text, "$what: the JSON holds the text's values");
    for my $i (0 .. $#{ $j->{workers} // [] }) {
        my ($lj, $lq) = map { delete $_->{workers}[$i]{redis}{latency} } $j, $q;
        cmp_ok(($lq // {})->{count} // -1, '>=', ($lj // {})->{count} // 0,
            "$what: worker $i: ?format=json's latency count is the same or later");
    }
    is_deeply($q, $j, "$what: ?format=json gives the same JSON");
}
sub scrape_path { return http_request($port, 'GET', $_[0]) }

json_matches_text(metrics(), 'Redis up');

# the Accept's q-values decide, not the mere mention of JSON
for my $c (['application/openmetrics-text;version=1.0.0,application/openmetrics-text;'
            . 'version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'text/plain',
            "Prometheus's own Accept"],
           ['application/json;q=0.1, text/plain', 'text/plain', 'JSON named, text preferred'],
           ['text/plain;q=0.2, application/json', 'application/json', 'JSON preferred']) {
    my ($accept, $want, $what) = @$c;
    my $r = scrape(headers => [Accept => $accept]);
    like($r->{headers}{'content-type'} // '', qr{^\Q$want\E}, "Accept, $what: $want");
}

# ---- the page itself
{
    my $r = scrape();
    is($r->{headers}{'content-type'}, 'text/plain; version=0.0.4; charset=utf-8',
       'text: Content-Type of the exposition format 0.0.4');
    is($r->{headers}{'cache-control'}, 'no-store', '... Cache-Control: no-store');
    $r = http_request($port, 'POST', '/status', body => 'x',
                      headers => ['Content-Type' => 'text/plain']);
    is($r->{status}, 405, 'POST to the status page: 405');
    is($r->{headers}{allow}, 'GET, HEAD', '... Allow: GET, HEAD');
    $r = http_request($port, 'HEAD', '/status');
    is("$r->{status}:$r->{body}", '200:', 'HEAD: 200, no body');
    $r = http_request($port, 'GET', '/plain');
    is($r->{body}, '[]', 'the outcome is empty outside the module');
}

# ---- Redis down: the spool takes one answer (202), is full for the next
# (503); a registration needs Redis (503)
$redis->stop;
my $sp = post('/api/questionnaire', $json);
is($sp->{status}, 202, 'Redis down: spooled, 202') or diag explain $sp;
my $spooled_id = (json_decode($sp->{body}) // {})->{id} // '';
is(post('/api/questionnaire', $json)->{status}, 503,
   '... the spool full: 503');
is(post_json($port, '/api/inscription', person('atelier-b'))->{status}, 503,
   '... a registration: 503');

$p = metrics();
is_deeply(outcomes($p, 'questionnaire'),
          expect(accepted => 7, duplicate => 1, invalid => 1, malformed => 1,
                 rate_limited => 1, window => 2, abuse => 1, too_large => 1,
                 method => 1, other => 1, spooled => 1, storage_error => 1),
          'questionnaire: spooled and storage error counted');
is(outcomes($p, 'inscription')->{storage_error}, 1,
   'registration form: storage error counted');
is(v($p, 'concertation_redis_connection_state', worker => 0, state => 'up'),
   0, 'the connection is not up');
is(v($p, 'concertation_spool_records', worker => 0), 1,
   'one answer waits in the spool');
my ($file) = glob("$spool/spool-*.log");
is(v($p, 'concertation_spool_bytes', worker => 0), $file ? -s $file : -1,
   '... the bytes of its spool file');

# ---- Redis back: the replay empties the spool
$redis->restart;
my $deadline = time + 15;
while (time < $deadline) {
    $p = parse_text(scrape()->{body});
    last if (v($p, 'concertation_spool_replayed_total', worker => 0) // 0) >= 1
        && v($p, 'concertation_spool_bytes', worker => 0) == 0;
    sleep 0.2;
}
$p = metrics();
is(v($p, 'concertation_spool_replayed_total', worker => 0), 1,
   'Redis back: the spooled answer replayed');
is(v($p, 'concertation_spool_replay_duplicates_total', worker => 0), 0,
   '... not a duplicate');
is(v($p, 'concertation_spool_replay_skipped_total', worker => 0), 0,
   '... nothing skipped');
is(v($p, 'concertation_spool_quarantined_total', worker => 0), 0,
   '... nothing quarantined');
is(join(' ', map { v($p, "concertation_spool_$_", worker => 0) }
             qw(records bytes)), '0 0', '... the spool empty');
is(v($p, 'concertation_redis_connection_state', worker => 0, state => 'up'),
   1, '... connected again');
my $reconnects = v($p, 'concertation_redis_reconnects_total', worker => 0);
ok($reconnects >= 1, "... after $reconnects reconnection attempt(s)");
histogram_ok($p, 'latency after the outage');
json_matches_text($p, 'Redis back');
my %in_stream = map { $_->{fields}{id} => 1 } $redis->stream($STREAM);
ok($in_stream{$spooled_id}, 'the spooled answer is in the stream');

# ---- the access log: outcome, form, id; the id that of the stream entry
my @log;
$deadline = time + 5;
while (time < $deadline) {
    @log = split /\n/, slurp($nginx->prefix . '/logs/cc.log') // '';
    last if grep { /^503 storage_error inscription -$/ } @log;
    sleep 0.1;
}
my @accepted = grep { /^201 accepted questionnaire / } @log;
is(scalar @accepted, 7, 'the log: 7 lines "201 accepted questionnaire <id>"');
my @logged = map { (split / /)[3] } @accepted;
is(scalar(grep { $in_stream{$_} } @logged), 7,
   '... each id that of a stream entry');
ok((grep { $_ eq $ids[0] } @logged) && (grep { $_ eq $ids[1] } @logged),
   '... the ids the client was given');
ok((grep { $_ eq "201 duplicate questionnaire $dup_id" } @log),
   '... a duplicate, with the first id');
ok((grep { $_ eq "202 spooled questionnaire $spooled_id" } @log),
   '... the spooled answer, with its id');
for my $l ('422 invalid questionnaire -', '400 malformed questionnaire -',
           '429 rate_limited questionnaire -', '403 window questionnaire -',
           '410 window questionnaire -', '403 abuse questionnaire -',
           '413 too_large questionnaire -', '405 method questionnaire -',
           '415 other questionnaire -', '409 full inscription -',
           '503 storage_error questionnaire -',
           "200 cancelled - $first->{id}",
           "201 accepted inscription $first->{id}",
           "200 duplicate inscription $first->{id}",
           '200 - - -')
{
    ok((grep { $_ eq $l } @log), "... \"$l\"") or diag join "\n", @log;
}

# ---- a reload keeps every counter, and they go on
my $before = parse_text(scrape()->{body});
ok($nginx->reload, 'nginx reloaded');
ok(wait_up(), "the new worker's connection comes up");
my $after = metrics();
my %b = %{ $before->{values} };
my %a = %{ $after->{values} };
my $lat = 'concertation_redis_latency_seconds_count,worker=0';
ok($a{$lat} > $b{$lat}, "the latency histogram goes on ($b{$lat}, then "
   . "$a{$lat} with the new worker's handshake)");
is(v($after, 'concertation_redis_connection_state', worker => 0,
     state => 'up'), 1, "the new worker's connection is up");
# the new worker's gauges start afresh; its Redis connection is new
for my $h (\%a, \%b) {
    delete $h->{$_} for grep { /connection_state|latency|spool_bytes/ } keys %$h;
}
is_deeply(\%a, \%b, 'after a reload: every counter as it was');
is(post('/api/questionnaire', $json)->{status}, 201, 'one more answer: 201');
is(outcomes(metrics(), 'questionnaire')->{accepted}, 8,
   '... counted on from where it was: 8');

finish();
done_testing();
