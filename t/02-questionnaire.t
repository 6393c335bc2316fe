# Accepted answers: 201 / 303, and what lands in the Redis stream.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time);

need_module();

my $redis = start_redis();
my $index = "<!doctype html><title>Concertation ESS</title><p>Bienvenue</p>\n";
my $merci = "<!doctype html><title>Merci</title><p>Merci !</p>\n";
my $nginx = start_nginx(module_conf(server => <<'SRV'), redis => $redis,
        location = /api/autre {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "autre:";
        }
SRV
    files => { 'html/index.html' => $index, 'html/merci.html' => $merci });
my $port = $nginx->port;

my $json = read_data('questionnaire.json');
my $form = read_data('questionnaire.urlencoded');
my $src = json_decode($json);
ok($src, 't/data/questionnaire.json parses');

# what the module must store for the workload answers, in schema order
my @order = qw(profil departement priorites vision email consentement);
my $expected = {
    profil       => 'acteur_ess',
    departement  => '14',
    priorites    => ['tourisme', 'formation'],
    vision       => $src->{vision},
    email        => 'camille.lefevre@example.org',
    consentement => JSON::PP::true,
};

my $accepted = 0;     # answers the module said it stored

sub entry_by_id {
    my ($id, $key) = @_;
    my @m = grep { ($_->{fields}{id} // '') eq ($id // '') } $redis->stream($key // $STREAM);
    return @m;
}

sub check_entry {
    my ($id, $what, $t_sent) = @_;
    my @m = entry_by_id($id);
    is(scalar @m, 1, "$what: exactly one stream entry carries the id") or return;
    my $e = $m[0];
    is_deeply([sort @{ $e->{names} }], [sort qw(id received_at form data client)],
        "$what: entry fields are exactly id, received_at, form, data, client");
    my $t = rfc3339_ms_epoch($e->{fields}{received_at});
    ok(defined $t, "$what: received_at is RFC 3339 UTC with ms")
        or diag "received_at: " . ($e->{fields}{received_at} // 'undef');
    ok(defined $t && abs($t - $t_sent) < 5, "$what: received_at within 5 s of the test clock")
        or diag "received_at $e->{fields}{received_at}, sent at " . scalar gmtime($t_sent);
    is($e->{fields}{form}, 'questionnaire', "$what: form name");
    is($e->{fields}{client}, client_key($SECRET),
        "$what: client = HMAC-SHA256(secret, 04 20 7f 00 00 01) in hex");
    ok(!grep({ index($_, '127.0.0.1') >= 0 } values %{ $e->{fields} }),
        "$what: the raw client address is stored nowhere");
    return $e;
}

sub check_order {
    my ($data, $what, @keys) = @_;
    my @pos = map { index($data, "\"$_\":") } @keys;
    my $sorted = !grep({ $_ < 0 } @pos)
        && join(',', @pos) eq join(',', sort { $a <=> $b } @pos);
    ok($sorted, "$what: fields in schema order (@keys)") or diag $data;
}

# ---- JSON client
my $t0 = time;
my $r = post_json($port, $FORM_PATH, $json);
is($r->{status}, 201, 'JSON answer: 201 Created') or diag explain $r;
$accepted++ if $r->{status} == 201;
like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'JSON answer: content-type application/json');
my $body = json_decode($r->{body});
my $id = $body && $body->{id};
my $id_ms = uuid7_ms($id);
ok(defined $id_ms, 'JSON answer: body {"id": UUIDv7}') or diag $r->{body};
ok(defined $id_ms && abs($id_ms / 1000 - $t0) < 5, 'JSON answer: UUIDv7 timestamp is now');
is_deeply([sort keys %{ $body // {} }], ['id'], 'JSON answer: body has only "id"');

my $e = check_entry($id, 'JSON answer', $t0);
my $data_json = $e ? $e->{fields}{data} : undef;
is_deeply(json_decode($data_json // 'null'), $expected, 'JSON answer: data is the normalised answer');
ok(JSON::PP::is_bool(json_decode($data_json // '{}')->{consentement}), 'JSON answer: consent stored as a JSON boolean');
check_order($data_json // '', 'JSON answer', @order);

# ---- urlencoded client: the same data
$t0 = time;
$r = post_form($port, $FORM_PATH, $form);
is($r->{status}, 201, 'urlencoded answer: 201 Created') or diag explain $r;
$accepted++ if $r->{status} == 201;
my $id2 = (json_decode($r->{body}) // {})->{id};
ok(defined uuid7_ms($id2), 'urlencoded answer: UUIDv7 id') or diag $r->{body};
isnt($id2, $id, 'urlencoded answer: a new id');
$e = check_entry($id2, 'urlencoded answer', $t0);
is($e && $e->{fields}{data}, $data_json, 'urlencoded answer: data identical to the JSON answer\'s');

# ---- media type parameters, Accept variants
for my $case (
    ['application/json; charset=utf-8', undef],
    ['Application/JSON;charset=UTF-8', undef],
    ['application/json', '*/*'],
    ['application/json', 'application/json'],
) {
    my ($ct, $accept) = @$case;
    my $what = "Content-Type \"$ct\"" . (defined $accept ? ", Accept \"$accept\"" : '');
    $r = http_request($port, 'POST', $FORM_PATH, body => $json,
        headers => ['Content-Type' => $ct, defined $accept ? (Accept => $accept) : ()]);
    is($r->{status}, 201, "$what: 201") or diag explain $r;
    $accepted++ if $r->{status} == 201;
    ok(defined uuid7_ms((json_decode($r->{body}) // {})->{id}), "$what: JSON id");
}

$r = post_form($port, $FORM_PATH, $form, 'Content-Type' => 'application/x-www-form-urlencoded; charset=UTF-8');
is($r->{status}, 201, 'urlencoded with charset=UTF-8: 201') or diag explain $r;
$accepted++ if $r->{status} == 201;

# ---- browser form post: 303 to the thanks page
$t0 = time;
$r = post_form($port, $FORM_PATH, $form, Accept => $BROWSER_ACCEPT);
is($r->{status}, 303, 'browser post: 303 See Other') or diag explain $r;
$accepted++ if $r->{status} == 303;
my ($id3) = ($r->{headers}{location} // '') =~ m{/merci\.html\?id=([0-9a-f-]+)\z};
ok(defined uuid7_ms($id3), 'browser post: Location ends in /merci.html?id=<uuidv7>')
    or diag 'Location: ' . ($r->{headers}{location} // 'none');
$e = check_entry($id3, 'browser post', $t0);
is($e && $e->{fields}{data}, $data_json, 'browser post: same data');

# ---- normalisation
my $messy = json_encode({
    profil       => 'acteur_ess',
    structure    => 'cooperative',
    departement  => '76',
    priorites    => ['emploi', ' formation', 'tourisme'],
    vision       => "  \n Une vision\tavec des espaces autour.  \n",
    attentes     => "  Des moyens. ",
    email        => 'Camille.LEFEVRE@Example.ORG',
    consentement => JSON::PP::true,
});
$r = post_json($port, $FORM_PATH, $messy);
is($r->{status}, 201, 'answer to normalise: 201') or diag explain $r;
$accepted++ if $r->{status} == 201;
($e) = entry_by_id((json_decode($r->{body}) // {})->{id});
my $norm = json_decode($e ? $e->{fields}{data} : 'null');
is($norm && $norm->{vision}, "Une vision\tavec des espaces autour.", 'normalised: text trimmed');
is($norm && $norm->{attentes}, 'Des moyens.', 'normalised: optional text trimmed');
is($norm && $norm->{email}, 'camille.lefevre@example.org', 'normalised: email lower-cased');
is_deeply($norm && $norm->{priorites}, ['emploi', 'formation', 'tourisme'],
    'normalised: a ranking keeps its order, each option trimmed');
is($norm && $norm->{structure}, 'cooperative', 'normalised: optional choice kept');
check_order($e ? $e->{fields}{data} : '', 'normalised',
    qw(profil departement structure priorites vision attentes email consentement));

# a question that does not apply: its answer is neither an error nor kept
$r = post_json($port, $FORM_PATH, json_encode({ %$src, profil => 'citoyen',
    structure => 'pirate', salaries => 'beaucoup', age => '40_59' }));
is($r->{status}, 201, 'answers to questions that do not apply: 201') or diag explain $r;
$accepted++ if $r->{status} == 201;
($e) = entry_by_id((json_decode($r->{body}) // {})->{id});
$norm = json_decode($e ? $e->{fields}{data} : 'null');
ok($norm && !exists $norm->{structure} && !exists $norm->{salaries},
    '... the structure section is not stored for a citizen') or diag $e && $e->{fields}{data};
is($norm && $norm->{age}, '40_59', '... the question for citizens is');

$r = post_json($port, $FORM_PATH, json_encode({ %$src, attentes => '   ', structure => '' }));
is($r->{status}, 201, 'empty optional fields: 201') or diag explain $r;
$accepted++ if $r->{status} == 201;
($e) = entry_by_id((json_decode($r->{body}) // {})->{id});
$norm = json_decode($e ? $e->{fields}{data} : 'null');
ok($norm && !exists $norm->{attentes} && !exists $norm->{structure},
    'empty optional fields are left out of data') or diag $e && $e->{fields}{data};

$r = post_form($port, $FORM_PATH,
    'consentement=oui&vision=Courte+vision&priorites=emploi&departement=hors_normandie&profil=citoyen');
is($r->{status}, 201, 'urlencoded answer in another order, no email: 201') or diag explain $r;
$accepted++ if $r->{status} == 201;
($e) = entry_by_id((json_decode($r->{body}) // {})->{id});
is_deeply(json_decode($e ? $e->{fields}{data} : 'null'), {
    profil => 'citoyen', departement => 'hors_normandie', priorites => ['emploi'],
    vision => 'Courte vision', consentement => JSON::PP::true },
    'urlencoded: "+" decoded, consent "oui" stored as true, absent email omitted');

# ---- one entry per accepted answer; ids distinct
my @all = $redis->stream($STREAM);
is(scalar @all, $accepted, "one stream entry per accepted answer ($accepted)");
my %seen = map { $_->{fields}{id} => 1 } @all;
is(scalar keys %seen, scalar @all, 'ids are distinct');

# ---- prefix set at location level
$r = post_json($port, '/api/autre', $json);
is($r->{status}, 201, 'location with concertation_redis_prefix "autre:": 201') or diag explain $r;
is($redis->xlen('autre:questionnaire'), 1, 'stored in autre:questionnaire');
is($redis->xlen($STREAM), $accepted, 'and not in concertation:questionnaire');

# ---- plain nginx still serves the site
$r = http_request($port, 'GET', '/');
is($r->{status}, 200, 'static index still served');
is($r->{body}, $index, 'static index body');
$r = http_request($port, 'GET', '/merci.html?id=x');
is($r->{status}, 200, 'thanks page served');

finish();
done_testing();
