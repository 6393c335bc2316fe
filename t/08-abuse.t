# Abuse controls (issue 3): origin, form token, minimum fill time, honeypot,
# body bounds; nothing stored on any refusal.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);
use IO::Select;

need_module();

my $redis = start_redis();
my $nginx = start_nginx(module_conf(server => <<'SRV'), redis => $redis);
        location = /questionnaire.html {
            concertation_form_page /api/token;
        }
        location = /api/jeton {
            concertation_form_token_endpoint;
        }
        location = /api/origin {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "origin:";
            concertation_origin http://127.0.0.1:%%PORT%%
                                https://concertation-ess.normandie.fr;
        }
        location = /api/origin-allow {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "oallow:";
            concertation_origin https://concertation-ess.normandie.fr;
            concertation_origin_missing allow;
        }
        location = /api/token {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "token:";
            concertation_form_token on;
            concertation_form_min_time 1s;
            concertation_form_max_age 10s;
            concertation_honeypot _site_web;
        }
        location = /api/old {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "old:";
            concertation_form_token on;
            concertation_form_min_time 0;
            concertation_form_max_age 1s;
        }
        location = /api/slow {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "slow:";
            concertation_body_timeout 1s;
            client_body_timeout 10s;
        }
        location = /api/big {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "big:";
            client_max_body_size 10m;
            client_body_buffer_size 1m;
        }
SRV
my $port = $nginx->port;

my $json = read_data('questionnaire.json');
my $form = read_data('questionnaire.urlencoded');
my $src = json_decode($json);

sub errors_of {
    my ($r) = @_;
    my $b = json_decode($r->{body} // '');
    return undef unless ref $b eq 'HASH' && ref $b->{errors} eq 'ARRAY';
    return $b->{errors};
}

sub check_refused {
    my ($r, $status, $code, $what) = @_;
    is($r->{status}, $status, "$what: $status") or diag explain $r;
    my $e = errors_of($r);
    ok($e && @$e == 1 && !defined $e->[0]{field} && ($e->[0]{code} // '') eq $code,
        "$what: one error, field null, code $code") or diag $r->{body};
}

sub with_token {
    my ($body, $token, %extra) = @_;
    my $h = json_decode($body);
    $h->{_jeton} = $token if defined $token;
    $h->{$_} = $extra{$_} for keys %extra;
    return json_encode($h);
}

sub xlen { my ($key) = @_; return $redis->xlen($key) }

# ------------------------------------------------------------- origin ---

my %origin_ok;
my $r = post_json($port, '/api/origin', $json, Origin => 'https://evil.example');
check_refused($r, 403, 'cross_site', 'cross-site Origin');
like($r->{body}, qr/ne provient pas du site de la concertation/,
    'cross-site Origin: French message');

$r = post_json($port, '/api/origin', $json, Origin => 'https://evil.example',
    Accept => $BROWSER_ACCEPT);
is($r->{status}, 403, 'cross-site Origin, browser: 403');
like($r->{headers}{'content-type'} // '', qr{^text/html}, 'cross-site Origin, browser: HTML page');
like($r->{body}, qr/ne provient pas du site de la concertation/, 'cross-site Origin, browser: French message');

for my $o ("http://127.0.0.1:$port", 'https://concertation-ess.normandie.fr',
           'https://CONCERTATION-ESS.Normandie.fr:443') {
    $r = post_json($port, '/api/origin', $json, Origin => $o);
    is($r->{status}, 201, "same-origin Origin $o: 201") or diag explain $r;
}

for my $o ('http://127.0.0.1:' . ($port == 65535 ? 1 : $port + 1),
           'https://127.0.0.1:' . $port, 'http://localhost:' . $port,
           'https://concertation-ess.normandie.fr.evil.example',
           'https://concertation-ess.normandie.fr:8443', 'null') {
    $r = post_json($port, '/api/origin', $json, Origin => $o);
    check_refused($r, 403, 'cross_site', "Origin $o");
}

# an Origin decides, whatever Sec-Fetch-Site claims
$r = post_json($port, '/api/origin', $json, Origin => 'https://evil.example',
    'Sec-Fetch-Site' => 'same-origin');
check_refused($r, 403, 'cross_site', 'cross-site Origin with Sec-Fetch-Site: same-origin');

# two Origin headers: not trusted
$r = post_json($port, '/api/origin', $json, Origin => "http://127.0.0.1:$port",
    Origin => 'https://evil.example');
check_refused($r, 403, 'cross_site', 'two Origin headers');

# no Origin: Sec-Fetch-Site
$r = post_json($port, '/api/origin', $json, 'Sec-Fetch-Site' => 'same-origin');
is($r->{status}, 201, 'no Origin, Sec-Fetch-Site: same-origin: 201') or diag explain $r;
for my $s (qw(same-site cross-site none)) {
    $r = post_json($port, '/api/origin', $json, 'Sec-Fetch-Site' => $s);
    check_refused($r, 403, 'cross_site', "no Origin, Sec-Fetch-Site: $s");
}

# neither header
$r = post_json($port, '/api/origin', $json);
check_refused($r, 403, 'cross_site', 'neither Origin nor Sec-Fetch-Site');
$r = post_form($port, '/api/origin', $form);
check_refused($r, 403, 'cross_site', 'neither header, urlencoded');

is(xlen('origin:questionnaire'), 4, 'origin: exactly the 4 accepted answers stored');

# concertation_origin_missing allow: neither header passes, a cross-site
# signal still does not
$r = post_json($port, '/api/origin-allow', $json);
is($r->{status}, 201, 'origin_missing allow: neither header: 201') or diag explain $r;
$r = post_json($port, '/api/origin-allow', $json, 'Sec-Fetch-Site' => 'cross-site');
check_refused($r, 403, 'cross_site', 'origin_missing allow: Sec-Fetch-Site: cross-site');
$r = post_json($port, '/api/origin-allow', $json, Origin => "http://127.0.0.1:$port");
check_refused($r, 403, 'cross_site', 'origin_missing allow: an Origin not listed');
is(xlen('oallow:questionnaire'), 1, 'origin_missing allow: one answer stored');

# not configured: nothing is checked
$r = post_json($port, $FORM_PATH, $json, Origin => 'https://evil.example');
is($r->{status}, 201, 'no concertation_origin: any Origin passes') or diag explain $r;

# ---------------------------------------------------------- the token ---

# the page, rendered by the module: a fresh token and the form's honeypot
my $p1 = http_request($port, 'GET', '/questionnaire.html');
is($p1->{status}, 200, 'questionnaire page: 200');
is($p1->{headers}{'cache-control'}, 'no-store', 'the page, with its fresh token, is never cached');
like($p1->{body}, qr{<form id="questionnaire" method="post" action="/api/token"},
    'the page posts to the form the directive names');
my ($page_token) = $p1->{body} =~ /name="_jeton" value="([^"]*)"/;
like($page_token // '', qr/^\d{13}\.[0-9a-f]{32}\z/, 'the page carries a token "<ms>.<32 hex>"')
    or diag substr($p1->{body}, 0, 2000);
unlike($p1->{body}, qr/<!--#/, 'no SSI command left in the page');
like($p1->{body}, qr/<div class="pot" aria-hidden="true">.*name="_site_web" value="" tabindex="-1" autocomplete="off"/,
    'the page carries the honeypot, hidden and out of the tab order');
my $p2 = http_request($port, 'GET', '/questionnaire.html');
my ($page_token2) = $p2->{body} =~ /name="_jeton" value="([^"]*)"/;
ok(defined $page_token2 && $page_token2 ne '', 'a second page view gets a token too');

# the endpoint
my $e = http_request($port, 'GET', '/api/jeton');
is($e->{status}, 200, 'token endpoint: 200');
like($e->{headers}{'content-type'} // '', qr{^application/json}, 'token endpoint: JSON');
is($e->{headers}{'cache-control'}, 'no-store', 'token endpoint: Cache-Control: no-store');
my $jtoken = (json_decode($e->{body}) // {})->{jeton};
like($jtoken // '', qr/^\d{13}\.[0-9a-f]{32}\z/, 'token endpoint: {"jeton": token}');
$e = http_request($port, 'POST', '/api/jeton', body => 'x');
is($e->{status}, 405, 'token endpoint: POST is 405');
my $old_token = (json_decode(http_request($port, 'GET', '/api/jeton')->{body}) // {})->{jeton};
my $t_minted = time;

# too fresh: sent at once
$r = post_json($port, '/api/token', with_token($json, $jtoken));
check_refused($r, 403, 'refused', 'JSON, token younger than 1 s');
like($r->{body}, qr/n'a pas pu être accepté/, 'refusal: generic French message');
$r = post_form($port, '/api/token', "$form&_jeton=$page_token&_site_web=");
check_refused($r, 403, 'refused', 'urlencoded, token younger than 1 s');

# missing, malformed, forged
$r = post_json($port, '/api/token', $json);
check_refused($r, 403, 'refused', 'JSON without a token');
$r = post_form($port, '/api/token', $form);
check_refused($r, 403, 'refused', 'urlencoded without a token');
$r = post_json($port, '/api/token', with_token($json, 'abc'));
check_refused($r, 403, 'refused', 'malformed token');
$r = post_json($port, '/api/token', with_token($json, 42));
check_refused($r, 403, 'refused', 'token that is not a string');
(my $backdated = $jtoken) =~ s/^(\d+)/$1 - 60000/e;
$r = post_json($port, '/api/token', with_token($json, $backdated));
check_refused($r, 403, 'refused', 'forged token: time moved back a minute, same MAC');

# the HTML refusal gives the form back with the token it came with: the
# time spent on the form counts from when it was served, never more
$r = post_form($port, '/api/token', "$form&_jeton=$page_token&_site_web=",
    Accept => $BROWSER_ACCEPT);
is($r->{status}, 403, 'browser, too fresh: 403');
like($r->{headers}{'content-type'} // '', qr{^text/html}, 'browser, too fresh: HTML');
like($r->{body}, qr/n&#39;a pas pu être accepté/, 'browser, too fresh: generic French message');
my ($redisplay_token) = $r->{body} =~ /name="_jeton" value="([^"]*)"/;
is($redisplay_token, $page_token, 'the redisplayed form carries back the token it came with');
like($r->{body}, qr/name="_site_web" value="" tabindex="-1" autocomplete="off"/,
    'the redisplayed form carries the honeypot, empty');
like($r->{body}, qr/Je souhaite que la Normandie/, 'the redisplayed form keeps the text written');
$r = post_form($port, '/api/token', "$form&_jeton=$redisplay_token&_site_web=",
    Accept => $BROWSER_ACCEPT);
is($r->{status}, 403, 'the redisplayed token is still too fresh: 403') or diag explain $r;

# a robot posts without a token to get one from the page, and posts it at
# once: the token it got is of now, and too fresh
$r = post_form($port, '/api/token', "$form&_site_web=", Accept => $BROWSER_ACCEPT);
is($r->{status}, 403, 'browser, no token: 403');
my ($got_token) = $r->{body} =~ /name="_jeton" value="([^"]*)"/;
like($got_token // '', qr/^\d{13}\.[0-9a-f]{32}\z/, 'the page then carries a token');
my ($got_ms) = ($got_token // '0') =~ /^(\d+)/;
cmp_ok(abs($got_ms - int(time * 1000)), '<', 2000, 'a token of now, not dated back');
$r = post_form($port, '/api/token', "$form&_jeton=$got_token&_site_web=",
    Accept => $BROWSER_ACCEPT);
is($r->{status}, 403, 'that token posted at once: refused (too fresh)') or diag explain $r;

# a forged token is not echoed back
$r = post_form($port, '/api/token', "$form&_jeton=$backdated&_site_web=",
    Accept => $BROWSER_ACCEPT);
my ($after_forged) = $r->{body} =~ /name="_jeton" value="([^"]*)"/;
isnt($after_forged // '', $backdated, 'a forged token is not given back');
like($after_forged // '', qr/^\d{13}\.[0-9a-f]{32}\z/, 'a real token instead');

is(xlen('token:questionnaire'), 0, 'nothing stored by the refusals');

# wait out the minimum fill time, once, for every token minted above
my $wait = 1.2 - (time - $t_minted);
sleep $wait if $wait > 0;

# the SSI page end to end, as a browser without JavaScript posts it
$r = post_form($port, '/api/token', "$form&_jeton=$page_token&_site_web=",
    Accept => $BROWSER_ACCEPT);
is($r->{status}, 303, 'SSI page token, urlencoded, after 1 s: 303') or diag explain $r;

$r = post_json($port, '/api/token', with_token($json, $jtoken, _site_web => ''));
is($r->{status}, 201, 'endpoint token, JSON, after 1 s: 201') or diag explain $r;
my $id = (json_decode($r->{body}) // {})->{id};

# the token is not part of the stored answer
my ($entry) = grep { ($_->{fields}{id} // '') eq ($id // 'x') } $redis->stream('token:questionnaire');
ok($entry && index($entry->{fields}{data}, '_jeton') < 0 && index($entry->{fields}{data}, '_site_web') < 0,
    'the stored answer carries neither the token nor the honeypot');

# tampered MAC
(my $tampered = $page_token2) =~ s/(.)\z/$1 eq '0' ? '1' : '0'/e;
$r = post_form($port, '/api/token', "$form&_jeton=$tampered&_site_web=");
check_refused($r, 403, 'refused', 'tampered token (last hex digit)');

# honeypot filled, with a valid token
$r = post_form($port, '/api/token', "$form&_jeton=$page_token2&_site_web=http%3A%2F%2Fspam.example");
check_refused($r, 403, 'refused', 'urlencoded, honeypot filled');
$r = post_json($port, '/api/token', with_token($json, $jtoken, _site_web => 'x'));
check_refused($r, 403, 'refused', 'JSON, honeypot filled');
$r = post_json($port, '/api/token', with_token($json, $jtoken, _site_web => 1));
check_refused($r, 403, 'refused', 'JSON, honeypot not a string');
# the token twice
$r = post_form($port, '/api/token', "$form&_jeton=$page_token2&_jeton=$page_token2");
check_refused($r, 403, 'refused', 'urlencoded, token sent twice');

# a 422 page redisplays the form with its token and the honeypot
(my $invalid = $form) =~ s/(^|&)vision=[^&]*/$1vision=/;
$r = post_form($port, '/api/token', "$invalid&_jeton=$page_token2&_site_web=",
    Accept => $BROWSER_ACCEPT);
is($r->{status}, 422, 'browser, valid token, empty required text: 422') or diag explain $r;
my ($t422) = $r->{body} =~ /name="_jeton" value="([^"]*)"/;
is($t422, $page_token2, 'the 422 page carries the token it came with');
like($r->{body}, qr/name="_site_web" value="" tabindex="-1"/, 'the 422 page carries the honeypot');

is(xlen('token:questionnaire'), 2, 'token: exactly the 2 accepted answers stored');

# too old: max age 1 s
$r = post_json($port, '/api/old', with_token($json, $old_token));
check_refused($r, 403, 'refused', 'token older than concertation_form_max_age 1s');
my $fresh = (json_decode(http_request($port, 'GET', '/api/jeton')->{body}) // {})->{jeton};
$r = post_json($port, '/api/old', with_token($json, $fresh));
is($r->{status}, 201, 'a fresh token there (min time 0): 201') or diag explain $r;
is(xlen('old:questionnaire'), 1, 'max age: only the fresh one stored');

# "_" names are plumbing in JSON too: not unknown fields where no token is asked
$r = post_json($port, $FORM_PATH, with_token($json, 'whatever', _idempotency_key => 'k'));
is($r->{status}, 201, 'JSON "_jeton" and "_idempotency_key" are not unknown fields') or diag explain $r;

# ------------------------------------------------------- body bounds ---

# the honest worst case: every text of the definition at its longest, each
# character a surrogate pair escaped as \uXXXX\uXXXX (12 bytes), every
# "other" option chosen with its text at its longest
my $big_answer = json_decode($json);
my $qdef = json_decode(slurp(repo_root() . '/conf/questionnaire.json'));
for my $f (schema_fields($qdef)) {
    if ($f->{type} =~ /\A(?:text|textarea)\z/) {
        $big_answer->{ $f->{name} } = "\x{1F600}" x $f->{max_length};
    }
    if (my $o = $f->{other}) {
        $big_answer->{ $f->{name} } = $f->{type} eq 'multiple' ? [ $o->{value} ] : $o->{value};
        $big_answer->{"$f->{name}.autre"} = "\x{1F600}" x $o->{max_length};
    }
}
my $big = JSON::PP->new->ascii->canonical->encode($big_answer);
ok(length($big) > 180000, 'the worst honest answer is over 180 KB (' . length($big) . ' bytes)');
$r = post_json($port, '/api/big', $big);
is($r->{status}, 201, 'the worst honest answer is accepted (client_max_body_size 10m)')
    or diag explain { status => $r->{status}, body => substr($r->{body}, 0, 500) };

$r = post_json($port, '/api/big', $big . (' ' x 10000));
check_refused($r, 413, 'too_large', 'over the schema worst case (10 KB more), under client_max_body_size');
$r = post_json($port, '/api/big', 'x' x 400000);
check_refused($r, 413, 'too_large', '400 KB, under client_max_body_size 10m');
is(xlen('big:questionnaire'), 1, 'big: only the honest answer stored');

# ---------------------------------------------------- body deadline ---

# a quick body passes, and its timer is gone (checked by the log scan and
# by the next requests being served after the deadline would have fired)
$r = post_json($port, '/api/slow', $json);
is($r->{status}, 201, 'body_timeout 1s: a quick body: 201') or diag explain $r;

# a trickle: a byte every 0.25 s passes client_body_timeout 10s for ever
my $c = http_connect($port, timeout => 5);
my $t0 = time;
$c->send_raw("POST /api/slow HTTP/1.1\r\nHost: localhost\r\n"
    . "Content-Type: application/json\r\nContent-Length: " . length($json)
    . "\r\n\r\n");
my $sent = 0;
while (time - $t0 < 3 && $sent < length($json)) {
    last if IO::Select->new($c->{sock})->can_read(0.25);
    $c->send_raw(substr($json, $sent++, 1));
}
push @{ $c->{methods} }, 'POST';
my $slow = eval { $c->read_response(timeout => 5) } // { status => 0, error => $@ };
my $elapsed = time - $t0;
$c->close;
check_refused($slow, 408, 'timeout', 'a body trickled over 1 s');
ok($elapsed >= 0.9 && $elapsed < 2.5, sprintf('408 after the 1 s deadline (%.2f s)', $elapsed));
like($slow->{headers}{connection} // '', qr/close/i, '408: the connection is closed');
ok($sent < length($json), "the body was not complete ($sent of " . length($json) . ' bytes)');

sleep 1.2;     # the quick body's deadline, had it been left armed
$r = post_json($port, '/api/slow', $json);
is($r->{status}, 201, 'the server still serves after the deadlines') or diag explain $r;
is(xlen('slow:questionnaire'), 2, 'slow: the trickled body stored nothing');

# each refusal for its own reason, logged at info (the answers say nothing)
my $log = $nginx->error_log;
for my $why ('form token too fresh', 'form token missing', 'form token malformed',
             'form token forged', 'form token too old', 'honeypot filled',
             'form token sent twice or not a string') {
    like($log, qr/\[info\].*concertation: submission refused: \Q$why\E/, "logged: $why");
}
like($log, qr/\[info\].*cross-site post refused, origin "https:\/\/evil\.example"/,
    'logged: the cross-site origin');
like($log, qr/\[info\].*did not send its body in time/, 'logged: the body deadline');

# ------------------------------------------------------- nginx -t ---

my %bad = (
    'concertation_origin https://a.fr/path;'        => qr{invalid origin "https://a\.fr/path"},
    'concertation_origin ftp://a.fr;'               => qr{invalid origin "ftp://a\.fr"},
    'concertation_origin https://a.fr:99999;'       => qr{invalid origin "https://a\.fr:99999"},
    'concertation_origin_missing maybe;'            => qr{invalid value "maybe"},
    'concertation_honeypot site;'                   => qr{invalid honeypot name "site"},
    'concertation_honeypot _jeton;'                 => qr{invalid honeypot name "_jeton"},
    'concertation_form_min_time 2h;'                => qr{concertation_form_min_time" must be shorter},
    'concertation_body_timeout 10parsecs;'          => qr{concertation_body_timeout" directive invalid value "10parsecs"},
);
for my $d (sort keys %bad) {
    my ($code, $out) = nginx_t(module_conf(location => $d),
        vars => { REDIS => '127.0.0.1:' . Concertation::Test::free_port() });
    isnt($code, 0, "nginx -t refuses $d");
    like($out, $bad{$d}, "nginx -t names the value: $d") or diag $out;
}
my ($code, $out) = nginx_t(module_conf(location => 'concertation_form_token on;',
        drop => ['concertation_secret']),
    vars => { REDIS => '127.0.0.1:' . Concertation::Test::free_port() });
isnt($code, 0, 'nginx -t refuses concertation_form_token without a secret');
like($out, qr/concertation_secret/, 'the message names concertation_secret') or diag $out;
($code, $out) = nginx_t(module_conf(location => 'concertation_origin https://a.fr/ http://[::1]:8080;'
        . ' concertation_origin_missing allow; concertation_form_token on;'
        . ' concertation_form_min_time 0; concertation_form_max_age 0;'
        . ' concertation_honeypot _x-y; concertation_body_timeout 500ms;'),
    vars => { REDIS => '127.0.0.1:' . Concertation::Test::free_port() });
is($code, 0, 'nginx -t accepts every abuse directive') or diag $out;

finish();
done_testing();
