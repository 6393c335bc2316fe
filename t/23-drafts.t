# Drafts ("Enregistrer et reprendre plus tard"): kept in Redis under a key
# derived from a random resume code, never in the stream; the link shows
# the form with the draft's answers; an unknown, forged or malformed code
# gives the empty form and one sentence; the answer sent deletes the draft;
# drafts are bounded and rate-limited like answers; nginx -t refuses drafts
# without a page to resume them on.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

need_module();

my $redis = start_redis();
my $nginx = start_nginx(module_conf(
    http => 'concertation_limit_zone zone=brouillons:1m;',
    location => 'concertation_drafts 1h;',
    server => <<'SRV'), redis => $redis);
        location = /questionnaire.html {
            concertation_form_page /api/questionnaire;
        }
        location = /api/limite {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_prefix "limite:";
            concertation_drafts 1h;
            concertation_limit zone=brouillons rate=1r/m burst=2;
            client_max_body_size 64k;
        }
        location = /limite.html {
            concertation_form_page /api/limite;
        }
SRV
my $port = $nginx->port;

sub drafts { return @{ $redis->cmd('KEYS', 'concertation:brouillon:*') // [] } }
sub notice { my ($b) = @_; return ($b =~ m{<p class="encadre" role="status">([^<]*)</p>})[0] // '' }

# ---- the page offers it; a plain form saves a half-done answer
my $page = http_request($port, 'GET', '/questionnaire.html');
is($page->{status}, 200, 'the page');
like($page->{body}, qr{name="_brouillon" value="1" formnovalidate>Enregistrer et reprendre plus tard</button>},
     'the page offers to save and come back later');

my $half = 'profil=acteur_ess&departement=61&priorites=&priorites=emploi'
         . '&accord.formation=nsp&vision=Un+d%C3%A9but+de+r%C3%A9ponse%0D%0Asur+deux+lignes'
         . '&structure=pirate&_idempotency_key=k1&_jeton=x&_brouillon=1';
my $r = post_form($port, $FORM_PATH, $half, Accept => $BROWSER_ACCEPT);
is($r->{status}, 200, 'a draft with a wrong answer is kept all the same: 200') or diag $r->{body};
my ($link) = $r->{body} =~ m{<a href="(/questionnaire\.html\?reprise=[A-Za-z0-9_-]{22})" id="lien-reprise">};
ok($link, 'the page gives the link to keep') or diag substr($r->{body}, 0, 3000);
my ($code) = ($link // '') =~ /reprise=(.*)/;
like($r->{body}, qr{value="61"[^>]* checked}, '... with the answers kept in the form');
like($r->{body}, qr{name="_reprise" value="\Q$code\E"}, '... and the draft it now is');
is($redis->xlen($STREAM), 0, 'a draft is not an answer: the stream is empty');

my @keys = drafts();
is(scalar @keys, 1, 'one draft in Redis');
unlike($keys[0] // '', qr/\Q$code\E/, 'its key does not hold the resume code');
like($keys[0] // '', qr/^concertation:brouillon:questionnaire:[0-9a-f]{64}\z/, 'a key derived from it');
my $ttl = $redis->cmd('PTTL', $keys[0]);
ok($ttl > 3_590_000 && $ttl <= 3_600_000, "kept for concertation_drafts 1h (PTTL $ttl)");
my $stored = json_decode($redis->cmd('GET', $keys[0]) // 'null');
my $text = "Un début de réponse\r\nsur deux lignes";
utf8::decode($text);                     # json_decode gives characters
is_deeply($stored, { profil => 'acteur_ess', departement => '61',
                     priorites => ['', 'emploi'], 'accord.formation' => 'nsp',
                     vision => $text, structure => 'pirate' },
          'the answers as typed, without the form\'s plumbing');

# ---- the link: the form with the draft's answers
my $back = http_request($port, 'GET', $link);
is($back->{status}, 200, 'the link: 200');
like(notice($back->{body}), qr/^Voici les réponses de votre brouillon/, 'the page says so');
like($back->{body}, qr{name="departement" value="61"[^>]* checked}, 'a choice comes back');
like($back->{body}, qr{<option value="emploi" selected>}, 'a ranking comes back');
like($back->{body}, qr{name="accord.formation" value="nsp"[^>]* checked}, 'a grid row comes back');
like($back->{body}, qr{>\nUn début de réponse\r?\nsur deux lignes</textarea>}, 'a text comes back');
like($back->{body}, qr{name="_reprise" value="\Q$code\E"}, 'the form carries the draft\'s code');
like($back->{body}, qr{name="_jeton" value="\d{13}\.[0-9a-f]{32}"}, 'and a fresh form token');
is($back->{headers}{'cache-control'}, 'no-store', 'never cached');

# saved again from there: the same link
$r = post_form($port, $FORM_PATH, "profil=citoyen&_brouillon=1&_reprise=$code", Accept => $BROWSER_ACCEPT);
is($r->{status}, 200, 'a resumed draft saved again');
like($r->{body}, qr{href="\Q$link\E"}, '... keeps its link');
is(scalar(drafts()), 1, '... and is still one draft');
is_deeply(json_decode($redis->cmd('GET', (drafts())[0]) // 'null'), { profil => 'citoyen' },
          '... now with the new answers');

# ---- codes that lead nowhere: the empty form and one sentence
for my $case (['an unknown code', '/questionnaire.html?reprise=' . ('A' x 22)],
              ['a malformed code', '/questionnaire.html?reprise=%3Cb%3E'],
              ['a code cut short', '/questionnaire.html?reprise=' . substr($code, 0, 10)]) {
    my ($what, $path) = @$case;
    my $p = http_request($port, 'GET', $path);
    is($p->{status}, 200, "$what: 200");
    like(notice($p->{body}), qr/^Ce brouillon est introuvable/, "$what: the draft is said not found");
    unlike($p->{body}, qr/ checked|selected>/, "$what: the form is empty");
    unlike($p->{body}, qr/name="_reprise"/, "$what: no draft carried");
}

# ---- a script's draft
$r = post_json($port, $FORM_PATH, '{"profil":"reseau","_brouillon":"1","vision":5}');
is($r->{status}, 200, 'a JSON draft: 200');
my $j = json_decode($r->{body}) // {};
like($j->{reprise} // '', qr{^/questionnaire\.html\?reprise=[A-Za-z0-9_-]{22}\z}, '{"reprise": link}');
is(scalar(drafts()), 2, 'two drafts now');

# ---- the answer sent deletes its draft
my $answer = read_data('questionnaire.urlencoded');
$r = post_form($port, $FORM_PATH, "$answer&_reprise=$code");
is($r->{status}, 201, 'the answer, from the draft: 201') or diag $r->{body};
is($redis->xlen($STREAM), 1, 'in the stream');
my $gone;
for (1 .. 50) { last if ($gone = scalar(drafts()) == 1); select undef, undef, undef, 0.05 }
ok($gone, 'its draft is deleted, the other one stays');
like(notice(http_request($port, 'GET', $link)->{body}), qr/^Ce brouillon est introuvable/,
     'its link now says so');

# ---- bounded and rate-limited like answers
$r = post_form($port, $FORM_PATH, 'vision=' . ('x' x 70_000) . '&_brouillon=1');
is($r->{status}, 413, 'a draft over the form\'s bound: 413');
my @st = map { post_form($port, '/api/limite', "profil=citoyen&_brouillon=1")->{status} } 1 .. 4;
is_deeply(\@st, [200, 200, 429, 429], 'drafts count in the form\'s limits (burst 2, then 429)');

# ---- Redis gone: the page says the draft cannot be resumed now
$redis->stop;
my $p = http_request($port, 'GET', '/limite.html?reprise=' . ('B' x 22), timeout => 10);
is($p->{status}, 200, 'Redis down: the page all the same');
like(notice($p->{body}), qr/^Votre brouillon ne peut pas être repris pour le moment/,
     'it says the draft cannot be resumed for now');
$r = post_form($port, $FORM_PATH, 'profil=citoyen&_brouillon=1', Accept => $BROWSER_ACCEPT);
is($r->{status}, 503, 'a draft cannot be kept without Redis: 503');
$redis->restart;

# ---- nginx -t: drafts need a page where the link leads
my ($code_t, $out) = nginx_t(module_conf(location => 'concertation_drafts 30d;'),
                             vars => { REDIS => $redis->addr });
isnt($code_t, 0, 'concertation_drafts without a page showing the form: nginx -t fails');
like($out, qr/"concertation_drafts" needs a page showing the form "questionnaire"/, '... and says why')
    or diag $out;
($code_t, $out) = nginx_t(module_conf(server => 'location = /q.html { concertation_form_page /api/nulle-part; }'),
                          vars => { REDIS => $redis->addr });
isnt($code_t, 0, 'a page naming no form: nginx -t fails');
like($out, qr{no location with "concertation_form" is named "/api/nulle-part"}, '... naming the address')
    or diag $out;

finish();
done_testing();
