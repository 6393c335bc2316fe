# Refused requests: 405, 415, 413, 400, 422 (JSON and HTML); nothing stored.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

need_module();

my $redis = start_redis();
# a copy of the schema where "priorites" needs at least 2 answers
my $schema = json_decode(slurp(repo_root() . '/conf/questionnaire.json'));
$_->{min} = 2 for grep { $_->{name} eq 'priorites' } schema_fields($schema);
spew(test_dir() . '/min2.json', json_encode($schema));
my $nginx = start_nginx(module_conf(server => <<'SRV'), redis => $redis);
        location = /api/min2 {
            concertation_form questionnaire %%TMP%%/min2.json;
            concertation_redis_prefix "min2:";
        }
SRV
my $port = $nginx->port;
my $json = read_data('questionnaire.json');
my $form = read_data('questionnaire.urlencoded');
my $src = json_decode($json);
my $stored = 0;

sub errors_of {
    my ($r) = @_;
    my $b = json_decode($r->{body} // '');
    return undef unless ref $b eq 'HASH' && ref $b->{errors} eq 'ARRAY';
    return $b->{errors};
}

# One whole-body error: {"errors":[{"field":null,"code":...,"message":...}]}
sub check_single_error {
    my ($r, $status, $codes, $what) = @_;
    is($r->{status}, $status, "$what: $status") or diag explain $r;
    like($r->{headers}{'content-type'} // '', qr{^application/json\b}, "$what: JSON body");
    my $errs = errors_of($r);
    ok($errs && @$errs == 1, "$what: one error in {\"errors\":[...]}") or diag $r->{body};
    my $e = $errs && $errs->[0] // {};
    ok(exists $e->{field} && !defined $e->{field}, "$what: field is null");
    ok(scalar(grep { ($e->{code} // '') eq $_ } @$codes), "$what: code is @$codes")
        or diag 'code: ' . ($e->{code} // 'none');
    ok(length($e->{message} // '') > 0, "$what: has a message");
}

# ---- 405
for my $m (qw(GET PUT DELETE PATCH)) {
    my $r = http_request($port, $m, $FORM_PATH,
        $m eq 'GET' ? () : (body => $json, headers => ['Content-Type' => 'application/json']));
    is($r->{status}, 405, "$m: 405");
    like($r->{headers}{allow} // '', qr/^\s*POST\s*$/, "$m: Allow: POST")
        or diag 'Allow: ' . ($r->{headers}{allow} // 'none');
}

# ---- 415
for my $ct ('text/plain', 'application/json; charset=iso-8859-1',
            'application/x-www-form-urlencoded; charset=windows-1252',
            'multipart/form-data; boundary=xyz', 'application/jsonx', undef) {
    my $r = http_request($port, 'POST', $FORM_PATH, body => $json,
        headers => [defined $ct ? ('Content-Type' => $ct) : ()]);
    check_single_error($r, 415, ['unsupported_media_type'],
        'Content-Type ' . ($ct // '(none)'));
}

# ---- 413: declared length and chunked body over client_max_body_size (64k)
my $big = '{"vision":"' . ('a' x (70 * 1024)) . '"}';
my $r = post_json($port, $FORM_PATH, $big);
check_single_error($r, 413, ['too_large'], 'Content-Length over 64k');

sub chunked {
    my ($body, $size) = @_;
    my $out = '';
    for (my $i = 0; $i < length $body; $i += $size) {
        my $piece = substr($body, $i, $size);
        $out .= sprintf("%x\r\n%s\r\n", length $piece, $piece);
    }
    return $out;
}
my @chunked_json = ('Content-Type' => 'application/json', 'Transfer-Encoding' => 'chunked');

# a body without a length is counted while it is read: the 413 comes with
# the rest of it still unsent (the last chunk never goes)
{
    my $c = http_connect($port, timeout => 5);
    $c->send_raw("POST $FORM_PATH HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        . chunked($big, 8192));
    my $res = eval { $c->read_response(timeout => 5) };
    ok($res, 'chunked body over 64k: answered before its last chunk') or diag $@;
    check_single_error($res // {}, 413, ['too_large'], 'chunked body over 64k');
    like($res && $res->{headers}{connection} // '', qr/close/i,
        'chunked body over 64k: the connection is closed after the 413');
    $c->close;
}

# within the bound, a chunked body is an answer like any other
$r = http_request($port, 'POST', $FORM_PATH, body => chunked($json, 100) . "0\r\n\r\n",
    headers => \@chunked_json);
is($r->{status}, 201, 'a chunked answer (100-byte chunks): 201') or diag explain $r;
$stored++ if $r->{status} == 201;

# one byte over the bound, in its last chunk, is over
my $exact = '{"vision":"' . ('a' x (64 * 1024 - 14)) . '"}';
is(length $exact, 64 * 1024 - 1, 'a body one byte under 64k');
$r = http_request($port, 'POST', $FORM_PATH, body => chunked("$exact\n\n", 8192) . "0\r\n\r\n",
    headers => \@chunked_json);
check_single_error($r, 413, ['too_large'], 'chunked body of 64k + 1 bytes');

# ---- 400: an empty post, whatever says so
for my $c (
    ['Content-Length: 0', ['Content-Length' => 0]],
    ['an empty chunked body', ['Transfer-Encoding' => 'chunked'], "0\r\n\r\n"],
    ['neither a length nor chunks', []],
) {
    my ($what, $h, $body) = @$c;
    for my $type ('application/json', 'application/x-www-form-urlencoded') {
        my $c = http_connect($port, timeout => 5);
        my $head = "POST $FORM_PATH HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            . "Content-Type: $type\r\n";
        for (my $i = 0; $i < @$h; $i += 2) { $head .= "$h->[$i]: $h->[$i + 1]\r\n" }
        $c->send_raw("$head\r\n" . ($body // ''));
        my $res = eval { $c->read_response(timeout => 5) } // {};
        $c->close;
        check_single_error($res, 400, ['empty'], "$type, $what");
        like($res->{body} // '', qr/Le formulaire envoy\S+ est vide/,
            "$type, $what: says the form was empty");
    }
}

# ---- 400: unreadable bodies
my @bad = (
    ['json', '{"profil":"acteur_ess",', ['invalid_json'], 'truncated JSON'],
    ['json', "  \n", ['invalid_json'], 'a JSON body of blanks'],
    ['json', '{"profil":"acteur_ess","profil":"citoyen","departement":"14"}',
        ['invalid_json'], 'duplicate JSON keys'],
    ['json', qq({"profil":"acteur_ess","vision":"caf\xe9"}),
        ['invalid_json', 'invalid_encoding'], 'invalid UTF-8 in JSON'],
    ['json', '{"profil":"acteur_ess","vision":"a\u0000b"}',
        ['invalid_json', 'invalid_encoding'], 'NUL escape in JSON'],
    ['form', 'profil=acteur_ess&vision=%zz', ['invalid_encoding'], 'bad percent-escape %zz'],
    ['form', 'profil=acteur_ess&vision=abc%4', ['invalid_encoding'], 'truncated percent-escape'],
    ['form', 'profil=acteur_ess&vision=caf%E9', ['invalid_encoding'], 'escaped invalid UTF-8'],
    ['form', "profil=acteur_ess&vision=caf\xe9", ['invalid_encoding'], 'raw invalid UTF-8'],
    ['form', 'profil=acteur_ess&vision=a%00b', ['invalid_encoding'], '%00'],
    ['form', 'profil=acteur_ess&vis%00ion=ab', ['invalid_encoding'], '%00 in a name'],
);
for my $b (@bad) {
    my ($type, $body, $codes, $what) = @$b;
    $r = $type eq 'json' ? post_json($port, $FORM_PATH, $body)
                         : post_form($port, $FORM_PATH, $body);
    check_single_error($r, 400, $codes, $what);
}

# ---- 422: every field error at once
sub field_errors {
    my ($r) = @_;
    my $errs = errors_of($r) // [];
    return [sort map { ($_->{field} // 'null') . ':' . ($_->{code} // 'none') } @$errs];
}

my $all_wrong = json_encode({
    profil       => 'pirate',               # invalid_choice
    commune      => ['Caen'],               # invalid_type
    priorites    => [],                     # required (empty = missing)
    attentes     => 5,                      # invalid_type
    email        => 'pas-une-adresse',      # invalid_email
    consentement => JSON::PP::false,        # must_be_true
    ville        => 42,                     # unknown_field
    # departement and vision missing        # required
});
$r = post_json($port, $FORM_PATH, $all_wrong);
is($r->{status}, 422, 'many field errors: 422') or diag explain $r;
like($r->{headers}{'content-type'} // '', qr{^application/json\b}, '422: JSON body');
is_deeply(field_errors($r), [sort
    'profil:invalid_choice', 'commune:invalid_type', 'priorites:required',
    'attentes:invalid_type', 'email:invalid_email', 'consentement:must_be_true',
    'ville:unknown_field', 'departement:required', 'vision:required'],
    '422 lists all nine errors at once, one per field') or diag $r->{body};
my $errs = errors_of($r) // [];
ok(@$errs && !grep({ !length($_->{message} // '') } @$errs), 'every error has a message');
ok(@$errs && !grep({ ($_->{message} // '') eq ($_->{code} // '') } @$errs),
    'messages are sentences, not codes');

sub one_field_case {
    my ($what, $change, $expect) = @_;
    my $answer = { %$src, %$change };
    delete $answer->{$_} for grep { !defined $change->{$_} } keys %$change;
    my $r = post_json($port, $FORM_PATH, json_encode($answer));
    is($r->{status}, 422, "$what: 422") or diag explain $r;
    is_deeply(field_errors($r), [$expect], "$what: error $expect") or diag $r->{body};
}

one_field_case('four priorities', { priorites => [qw(tourisme transitions territoires formation)] },
    'priorites:too_many');
one_field_case('unknown priority', { priorites => ['tourisme', 'peche'] }, 'priorites:invalid_choice');
one_field_case('vision of 5001 characters', { vision => "\x{e9}" x 5001 }, 'vision:too_long');
one_field_case('blank vision', { vision => "  \n\t " }, 'vision:required');
one_field_case('control character in text', { vision => "Bonjour\x{1}" }, 'vision:invalid_characters');
one_field_case('number instead of a choice', { profil => 14 }, 'profil:invalid_type');
one_field_case('choice as a list', { departement => ['14'] }, 'departement:invalid_type');
one_field_case('consent missing', { consentement => undef }, 'consentement:required');
one_field_case('email with two @', { email => 'a@b@example.org' }, 'email:invalid_email');

$r = post_json($port, '/api/min2', $json =~ s/"formation"/"formation","formation"/r
    =~ s/"tourisme",//r);
is($r->{status}, 422, 'one priority (twice) where the schema wants 2: 422') or diag explain $r;
is_deeply(field_errors($r), ['priorites:duplicate_choice'],
    'an option ranked twice: duplicate_choice') or diag $r->{body};
is($redis->xlen('min2:questionnaire'), 0, 'nothing stored');

$r = post_form($port, $FORM_PATH, "$form&profil=citoyen");
is($r->{status}, 422, 'urlencoded field given twice: 422') or diag explain $r;
is_deeply(field_errors($r), ['profil:duplicate_field'], 'urlencoded: duplicate_field') or diag $r->{body};

is($redis->xlen($STREAM), $stored, 'nothing stored for any refused request (only the chunked answer)');

# 5000 characters (10000 bytes) is within max_length: characters, not bytes
$r = post_json($port, $FORM_PATH, json_encode({ %$src, vision => "\x{e9}" x 5000 }));
is($r->{status}, 201, 'vision of exactly 5000 two-byte characters: 201') or diag $r->{body};
$stored++ if $r->{status} == 201;

# ---- 422 for a browser: the French form page again
my $xss = '<script>alert("x")</script> & co';
my $browser_body = 'profil=pirate&departement=14&priorites=tourisme&consentement=oui&email=nope'
    . '&vision=' . join('', map { sprintf '%%%02X', ord } split //, $xss);
my $rj = post_form($port, $FORM_PATH, $browser_body);
is($rj->{status}, 422, 'invalid urlencoded post, JSON client: 422');
my $messages = [map { $_->{message} } @{ errors_of($rj) // [] }];
ok(@$messages >= 2, 'two errors (profil, email) to show') or diag $rj->{body};

$r = post_form($port, $FORM_PATH, $browser_body, Accept => $BROWSER_ACCEPT);
is($r->{status}, 422, 'invalid browser post: 422');
like($r->{headers}{'content-type'} // '', qr{^text/html\b}, 'invalid browser post: text/html');
my $page = $r->{body};
like($page, qr/aria-invalid="true"/, 'fields in error are marked aria-invalid="true"');
unlike($page, qr/<script>alert/, 'submitted text is escaped (no <script> injected)');
like($page, qr/&lt;script&gt;alert\((?:&quot;|&#34;|&#x22;|")x(?:&quot;|&#34;|&#x22;|")\)&lt;\/script&gt; &amp; co/,
    'the submitted text is redisplayed, escaped');
my $text = html_unescape($page);
for my $m (@$messages) {
    my $bytes = $m;
    utf8::encode($bytes);
    ok(index($text, $bytes) >= 0, "HTML page shows the message \"$bytes\"");
}
like($page, qr/<form\b[^>]*action="[^"]*\Q$FORM_PATH\E"/, 'the form posts again to the same location');
like($page, qr/lang="fr"/, 'the page is in French (lang="fr")');

is($redis->xlen($STREAM), $stored, 'only the valid answer was stored');

sub html_unescape {
    my ($s) = @_;
    $s =~ s/&#x([0-9a-fA-F]+);/_chr(hex $1)/ge;
    $s =~ s/&#(\d+);/_chr($1)/ge;
    my %ent = (lt => '<', gt => '>', quot => '"', apos => "'", nbsp => "\xc2\xa0");
    $s =~ s/&(lt|gt|quot|apos|nbsp);/$ent{$1}/g;
    $s =~ s/&amp;/&/g;
    return $s;
}

sub _chr { my $c = chr shift; utf8::encode($c); return $c }

finish();
done_testing();
