# The site in html/ as make run serves it (conf/dev.overrides, derived
# like conf/run-dev.sh does): every page 200 with the security headers, no
# external resource, no inline script or style, gzip, cache headers, the
# error pages with their status, the SSI form token; and the weight of the
# home page and of the questionnaire with their assets (diag only).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use POSIX qw(strftime);
use Time::HiRes qw(sleep);

need_module();

my $root = repo_root();
my $redis = start_redis();
my $run = test_dir() . '/site';
mkdir $run;
mkdir "$run/tmp";

sub stamp {
    my ($t) = @_;
    return strftime('%Y-%m-%dT%H:%M:%S+00:00', gmtime $t);
}

# what make run serves (conf/run-dev.sh, conf/dev.overrides); the harness
# gives the main-level workers, pid and error_log itself
my $port = Concertation::Test::free_port();
my $conf = dev_conf(harness => 1, vars => {
    RUN => $run, PORT => $port, STATUS_PORT => Concertation::Test::free_port(),
    REDIS_PORT => $redis->port,
    WINDOW_START => stamp(time - 86400), WINDOW_END => stamp(time + 86400 * 60) });
my $nginx = start_nginx($conf, port => $port);

my @pages = qw(index questionnaire inscription merci erreur
               donnees-personnelles accessibilite consultation-fermee
               consultation-a-venir 404 429 50x);
my %module = map { $_ => 1 } qw(questionnaire inscription);

# every page of html/ is in the list; the forms' pages are the module's
my @files = map { m{([^/]+)\.html$} ? $1 : () } glob "$root/html/*.html";
is_deeply([sort @files], [sort grep { !$module{$_} } @pages],
          'the pages tested are those of html/, and the forms\' pages');
for my $p (sort keys %module) {
    ok(!-e "$root/html/$p.html",
       "/$p.html is not written by hand: the module renders it");
}

# one shell: the header, menu and footer are fragments, included by SSI in
# the static pages and read by the module for its own pages
my %fragment = map { $_ => slurp("$root/html/inc/$_.html") } qw(tete entete pied);
for my $f (glob("$root/html/*.html")) {
    my $s = slurp($f);
    (my $name = $f) =~ s{^\Q$root\E/}{};
    unlike($s, qr{<header class="entete">|<footer class="pied">},
           "$name: no copy of the header or the footer");
}

sub security_headers_ok {
    my ($res, $what) = @_;
    my $csp = $res->{headers}{'content-security-policy'} // '';
    like($csp, qr/(?:^|;)\s*default-src 'self'(?:;|$)/, "$what: CSP default-src 'self'")
        or diag "CSP: $csp";
    like($csp, qr/frame-ancestors 'none'/, "$what: CSP frame-ancestors 'none'");
    like($csp, qr/form-action 'self'/, "$what: CSP form-action 'self'");
    unlike($csp, qr/unsafe-inline|unsafe-eval|\*/, "$what: CSP allows no inline code nor wildcard");
    is($res->{headers}{'x-content-type-options'}, 'nosniff', "$what: nosniff");
    like($res->{headers}{'referrer-policy'} // '', qr/^(?:same-origin|strict-origin)/,
         "$what: Referrer-Policy");
}

for my $p (@pages) {
    my $path = $p eq 'index' ? '/' : "/$p.html";
    my $res = http_request($port, 'GET', $path);
    is($res->{status}, 200, "$path: 200") or diag $res->{error} // '';
    like($res->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8}i, "$path: HTML in UTF-8");
    security_headers_ok($res, $path);
    like($res->{headers}{'cache-control'} // '', qr/no-cache|no-store/,
         "$path: Cache-Control no-cache (no-store: a page with a fresh token)");

    my $body = $res->{body};
    (my $plain = $body) =~ s/ aria-current="page"//;
    for my $part (qw(tete entete pied)) {
        ok(index($plain, $fragment{$part}) >= 0, "$path: the shell's $part.html");
    }
    like($body, qr/<html lang="fr">/, "$path: lang=fr");
    like($body, qr/<a class="evitement" href="#contenu">/, "$path: skip link");
    like($body, qr/<main id="contenu">/, "$path: main#contenu");
    unlike($body, qr{(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}}i, "$path: no external URL");
    unlike($body, qr{<script(?![^>]*\ssrc=)[^>]*>}i, "$path: no inline script");
    unlike($body, qr{\sstyle\s*=|<style}i, "$path: no inline style");
    unlike($body, qr{\son[a-z]+\s*=}i, "$path: no inline event handler");
    unlike($body, qr{<!--#}, "$path: no SSI command left");
    for my $src ($body =~ m{(?:src|href)="(/[^"#?]*)}g) {
        next if $src =~ m{^/api/} || $src eq '/';
        if ($src =~ m{^/(questionnaire|inscription)\.html$}) {  # the module's
            is(http_request($port, 'GET', $src)->{status}, 200, "$path: $src is served");
            next;
        }
        ok(-f "$root/html$src", "$path: $src exists in html/");
    }
}

# the forms, rendered by the module, carry a fresh form token and
# idempotency key; the questionnaire its honeypot
for my $p (qw(questionnaire inscription)) {
    my $res = http_request($port, 'GET', "/$p.html");
    like($res->{body}, qr/<form id="$p"[^>]* data-formulaire/, "/$p.html: form#$p enhanced by the script");
    like($res->{body}, qr/name="_jeton" value="[^"]{16,}"/, "/$p.html: a form token");
    like($res->{body}, qr/name="_idempotency_key" value="[0-9a-f-]{36}"/, "/$p.html: an idempotency key");
    like($res->{body}, qr{<script src="/js/formulaire.js" defer></script>}, "/$p.html: the script");
}
like(http_request($port, 'GET', '/questionnaire.html')->{body}, qr/name="_site_web"/,
     '/questionnaire.html: the honeypot');
like(http_request($port, 'GET', '/questionnaire.html')->{body},
     qr{<a href="/questionnaire.html" aria-current="page">}, '/questionnaire.html: its menu entry marked');

# the registration page: every event of the programme (the demo's, moved
# into the future), its day and hours from the programme, its seats
my $ins = http_request($port, 'GET', '/inscription.html')->{body};
my $events = json_decode(slurp("$root/conf/events.demo.json"));
for my $e (@{ $events->{events} }) {
    like($ins, qr/data-evenement="\Q$e->{id}\E"/, "inscription: $e->{id} listed");
    like($ins, qr/data-places="\Q$e->{id}\E">(?:places limitées|\d+ places? restantes?)</,
         "inscription: $e->{id} with its seats");
    like($ins, qr/name="evenement" value="\Q$e->{id}\E"/, "inscription: $e->{id} can be chosen");
    like($ins, qr/<time datetime="\Q$e->{start}\E">/, "inscription: $e->{id} on its day")
        if $e->{start};
}
unlike($ins =~ s{^.*?</header>}{}sr, qr/\b2022\b/, 'inscription: no date of the 2022 programme on the demo\'s page');

# a cancellation link with a broken token: a page that says so, escaped
my $broken = http_request($port, 'GET',
    '/inscription/annulation?jeton=abc%22%3E%3Cb%3Ex"<i>',
    headers => [ Accept => 'text/html' ]);
is($broken->{status}, 422, 'a malformed cancellation link: 422');
like($broken->{body}, qr/jeton d&#39;annulation est mal formé/, '... said in French');
unlike($broken->{body}, qr/<b>x|<i>/, '... nothing of it copied into the page');

# the sources themselves: no inline script or style, no external URL
for my $f (glob("$root/html/*.html"), glob("$root/html/inc/*.html"),
           glob("$root/html/css/*.css"), glob("$root/html/js/*.js")) {
    my $s = slurp($f);
    (my $name = $f) =~ s{^\Q$root\E/}{};
    unlike($s, qr{https?://}i, "$name: no http(s):// URL");
    unlike($s, qr{\@import|url\(\s*["']?(?:https?:)?//}i, "$name: no imported resource");
}

# cache headers of the assets
for my $a ('/css/site.css', '/js/formulaire.js') {
    my $res = http_request($port, 'GET', $a);
    is($res->{status}, 200, "$a: 200");
    like($res->{headers}{'cache-control'} // '', qr/max-age=(\d+)/, "$a: max-age");
    my ($age) = ($res->{headers}{'cache-control'} // '') =~ /max-age=(\d+)/;
    ok(($age // 0) >= 3600, "$a: cached at least an hour");
    security_headers_ok($res, $a);
}
like(http_request($port, 'GET', '/js/formulaire.js')->{headers}{'content-type'} // '',
     qr{javascript}, 'the script is served as JavaScript');

# a static page as nginx's SSI serves it: the fragments in place
sub ssi {
    my ($file) = @_;
    my $s = slurp($file);
    $s =~ s{<!--# include file="/inc/([a-z]+)\.html" -->}{$fragment{$1}}g;
    return $s;
}

# gzip for html, css, js; the same bytes once gunzipped
my %weight;
for my $a (['/' => 'index.html'], ['/questionnaire.html' => undef],
           ['/inscription.html' => undef],
           ['/css/site.css' => 'css/site.css'], ['/js/formulaire.js' => 'js/formulaire.js']) {
    my ($path, $file) = @$a;
    my $res = http_request($port, 'GET', $path, headers => ['Accept-Encoding' => 'gzip']);
    is($res->{status}, 200, "$path gzip: 200");
    is($res->{headers}{'content-encoding'}, 'gzip', "$path: gzip");
    like($res->{headers}{'vary'} // '', qr/Accept-Encoding/i, "$path: Vary Accept-Encoding");
    my $plain;
    ok(gunzip(\$res->{body} => \$plain), "$path: gunzips") or diag $GunzipError;
    is($plain, ssi("$root/html/$file"), "$path: gunzipped, the file with its fragments")
        if $file;
    cmp_ok(length $res->{body}, '<', length($plain // ''), "$path: smaller gzipped");
    $weight{$path} = length $res->{body};
}

diag sprintf 'home page with its assets: %d bytes gzipped (html %d, css %d)',
    $weight{'/'} + $weight{'/css/site.css'}, $weight{'/'}, $weight{'/css/site.css'};
diag sprintf 'questionnaire with its assets: %d bytes gzipped (html %d, css %d, js %d)',
    $weight{'/questionnaire.html'} + $weight{'/css/site.css'} + $weight{'/js/formulaire.js'},
    $weight{'/questionnaire.html'}, $weight{'/css/site.css'}, $weight{'/js/formulaire.js'};
diag sprintf 'registration page with its assets: %d bytes gzipped',
    $weight{'/inscription.html'} + $weight{'/css/site.css'} + $weight{'/js/formulaire.js'};

# the error pages, with their status, in the site's look
my $nf = http_request($port, 'GET', '/nulle-part.html');
is($nf->{status}, 404, 'an unknown page: 404');
like($nf->{body}, qr{<h1>Page introuvable</h1>}, 'with the site\'s 404 page');
like($nf->{body}, qr{<header class="entete">}, 'in the site\'s look');
security_headers_ok($nf, '404');

# the module's own answers carry the headers too (and keep their body); the
# form token of production (on in make run too), older than its 5 s
my $token = (json_decode(http_request($port, 'GET', '/api/jeton')->{body}) // {})->{jeton};
like($token // '', qr/^\d{13}\.[0-9a-f]{32}\z/, 'make run gives form tokens');
my $fresh = post_form($port, '/api/questionnaire', "vision=x&_jeton=$token");
is($fresh->{status}, 403, 'make run refuses an answer posted at once, as production does');
sleep 5.2;
my $bad = post_json($port, '/api/questionnaire', json_encode({ _jeton => $token }));
is($bad->{status}, 422, 'a bad answer: 422');
like($bad->{body}, qr/"errors"/, 'with the module\'s JSON errors');
security_headers_ok($bad, '/api/questionnaire 422');
is($bad->{headers}{'cache-control'}, 'no-store', 'the module\'s answer stays no-store');

# the module's HTML error page (a form posted without JavaScript) looks
# like the site: skip link, header, footer
my $page = post_form($port, '/api/questionnaire', "vision=texte+gard%C3%A9&_jeton=$token",
                     Accept => $BROWSER_ACCEPT);
is($page->{status}, 422, 'a bad form without JavaScript: 422');
like($page->{body}, qr{<a class="evitement" href="#contenu">}, 'the error page has the skip link');
like($page->{body}, qr{<header class="entete">.*<main id="contenu">.*</main>\n<footer class="pied">}s,
     'the error page has the site\'s header and footer');
like($page->{body}, qr{texte gardé}, 'the error page keeps the text typed');
security_headers_ok($page, 'the module\'s error page');

my $ev = http_request($port, 'GET', '/api/evenements');
is($ev->{status}, 200, '/api/evenements: 200');
security_headers_ok($ev, '/api/evenements');

finish();
done_testing();
