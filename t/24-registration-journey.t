# The registration journey as a browser goes through it: the page made
# from the programme (Paris time, seats, an event's own questions), the
# answers that name what happened (confirmed, waiting list in words, full
# with the events that still have room), the cancellation link that shows
# before it cancels (GET never cancels, POST does, and says what became of
# the seat), tokens kept out of the access log, bad input refused in
# French.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

need_module();

my $dir = test_dir();
my $root = repo_root();

# a programme written in UTC: the pages must read it in Paris time
spew("$dir/events.json", <<'JSON');
{"events": [
  {"id": "atelier-ete", "kind": "atelier", "title": "Atelier d'été",
   "start": "2027-07-14T08:00:00Z", "end": "2027-07-14T10:30:00Z",
   "place": "Caen, salle 2", "address": "14 rue Clos Herbert, 14000 Caen",
   "bring": "Un stylo", "capacity": 1, "waitlist": 1,
   "questions": [{"name": "accessibilite", "type": "text",
                  "max_length": 100, "label": "Besoins d'accessibilité"}]},
  {"id": "webinaire-libre", "kind": "webinaire", "title": "Webinaire libre",
   "capacity": 5, "waitlist": 0},
  {"id": "atelier-plein", "kind": "atelier", "title": "Atelier plein",
   "capacity": 1, "waitlist": 0}
]}
JSON

my $redis = start_redis();
my $nginx = start_nginx(<<"CONF", redis => $redis);
load_module %%MODULE%%;
events { worker_connections 256; }
http {
    %%HTTP_COMMON%%
    concertation_redis %%REDIS%%;
    concertation_secret $SECRET;
    concertation_events $dir/events.json;
    concertation_events_cache zone=ev:64k interval=100ms;
    concertation_page_fragments $root/html/inc;
    concertation_registration_mail on;
    server {
        listen 127.0.0.1:%%PORT%%;
        root $root/html;
        location = /inscription.html {
            concertation_form_page /api/inscription;
        }
        location = /api/inscription {
            concertation_form inscription %%CONF%%/inscription.json;
            concertation_registration on;
        }
        location = /inscription/annulation {
            concertation_cancellation;
        }
    }
}
CONF
my $port = $nginx->port;
my $HTML = [ Accept => $BROWSER_ACCEPT ];

sub form_post {
    my ($path, $body) = @_;
    return post_form($port, $path, $body, Accept => $BROWSER_ACCEPT);
}
sub enc { my ($s) = @_; $s =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge; $s }
sub register {
    my ($event, $email, %more) = @_;
    my %f = (evenement => $event, nom => 'Lefèvre', prenom => 'Camille',
             email => $email, consentement => 'on', %more);
    return form_post('/api/inscription',
                     join '&', map { "$_=" . enc($f{$_}) } sort keys %f);
}
sub link_of { return ($_[0] =~ m{id="lien-annulation" href="([^"]+)"})[0] }
sub token_of { return ($_[0] // '') =~ /jeton=([^&"]+)/ ? $1 : undef }
sub counters {
    my $r = $redis->cmd('HMGET', "concertation:$_[0]:event", 'confirmed',
                        'waitlisted');
    return join ' ', map { $_ // 0 } @$r;
}
sub statuses { return map { $_->{fields}{status} } $redis->stream('concertation:inscriptions') }

# ---- the page, from the programme
my $page = http_request($port, 'GET', '/inscription.html', headers => $HTML);
is($page->{status}, 200, 'the registration page');
like($page->{body}, qr{<time datetime="2027-07-14T10:00:00\+02:00">mercredi 14 juillet 2027, de 10\x{c2}\x{a0}h à 12\x{c2}\x{a0}h\x{c2}\x{a0}30</time>},
     'a start written in UTC shown in Paris time, with its hours');
like($page->{body}, qr{Lieu\x{c2}\x{a0}: Caen, salle 2}, 'the place');
like($page->{body}, qr{Date communiquée aux personnes inscrites\n<br>En ligne},
     'a webinar without dates');
like($page->{body}, qr{<label for="champ-evenement">Atelier d&#39;été, mercredi 14 juillet 2027</label>},
     'the option\'s label is the programme\'s');
like($page->{body}, qr{data-si="[^"]*atelier-ete}, 'the event\'s own question asked for that event');
like($page->{body}, qr{<form id="inscription"[^>]*data-envoi-natif}, 'the script posts it plainly');

# ---- confirmed: a page naming the event, its day, place, what to bring
my $r = register('atelier-ete', 'camille@example.org',
                 accessibilite => 'Boucle magnétique');
is($r->{status}, 201, 'a seat: 201') or diag $r->{body};
is($r->{headers}{location}, undef, 'the page itself, no redirection');
like($r->{body}, qr{<h1>Votre inscription est confirmée</h1>}, 'confirmed');
like($r->{body}, qr{<dd>mercredi 14 juillet 2027, de 10\x{c2}\x{a0}h à 12\x{c2}\x{a0}h\x{c2}\x{a0}30</dd>}, '... its day and hours');
like($r->{body}, qr{<dd>Caen, salle 2<br>14 rue Clos Herbert, 14000 Caen</dd>}, '... its place and address');
like($r->{body}, qr{<dd>Camille Lefèvre</dd>}, '... the name');
like($r->{body}, qr{Un stylo}, '... what to bring');
like($r->{body}, qr{Un courriel récapitulatif est envoyé à camille\@example\.org, avec une invitation},
     '... and that an e-mail follows (concertation_registration_mail on)');
my $link1 = link_of($r->{body});
like($link1 // '', qr{^/inscription/annulation\?jeton=[0-9a-f-]{36}\.atelier-ete\.[0-9a-f]{32}\z},
     '... and the cancellation link');
my ($entry) = $redis->stream('concertation:inscriptions');
like($entry->{fields}{data}, qr/"accessibilite":"Boucle magn/, 'the event\'s question is stored with the registration');
my ($id1) = token_of($link1) =~ /^([^.]+)/;
is($redis->cmd('HGET', 'concertation:atelier-ete:regs', $id1),
   'confirmed camille@example.org Camille Lefèvre',
   'the registration keeps the address and the name, for its pages');

# ---- waiting list: the position in words
$r = register('atelier-ete', 'dominique@example.org');
is($r->{status}, 201, 'a waiting place: 201');
like($r->{body}, qr{<h1>Vous êtes sur la liste d'attente</h1>}, 'the waiting-list page');
like($r->{body}, qr{Vous êtes en première position sur la liste d'attente}, '... the position in words');
my $link2 = link_of($r->{body});

# ---- full: the form again, the answers kept, the events with room
sleep 0.3;                                     # the counters' cache
$r = register('atelier-ete', 'eve@example.org', nom => 'Durand-Full');
is($r->{status}, 409, 'full: 409');
like($r->{body}, qr{L&#39;événement «\x{c2}\x{a0}Atelier d&#39;été\x{c2}\x{a0}» du mercredi 14 juillet 2027 \(Caen, salle 2\) est complet},
     '... naming the event, its day and place');
like($r->{body}, qr{<form id="inscription"}, '... the form again');
like($r->{body}, qr{value="Durand-Full"}, '... with what was typed');
my ($room) = $r->{body} =~ m{(<section class="encadre" aria-labelledby="places-restantes">.*?</section>)}s;
ok($room, '... and the events that still have room');
like($room // '', qr{data-evenement="webinaire-libre"}, '... the webinar');
unlike($room // '', qr{data-evenement="atelier-ete"}, '... not the full one');
is(counters('atelier-ete'), '1 1', 'nothing taken');

# ---- the cancellation link: GET shows, never cancels
my $before = join ',', statuses();
$r = http_request($port, 'GET', $link1, headers => $HTML);
is($r->{status}, 200, 'the cancellation link: 200');
like($r->{body}, qr{<dd>Camille Lefèvre</dd>}, '... shows the registration');
like($r->{body}, qr{<button type="submit" class="bouton">Confirmer l'annulation</button>},
     '... and a button');
like($r->{body}, qr{attribuée à la première personne de la liste d'attente}, '... saying where the seat goes');
is(counters('atelier-ete'), '1 1', 'a GET cancels nothing');
is(join(',', statuses()), $before, '... and writes nothing');
is(http_request($port, 'HEAD', $link1)->{status}, 200, 'HEAD neither');
is(counters('atelier-ete'), '1 1', '... still nothing');

# ---- POST cancels, and says what became of the seat
my $tok1 = token_of($link1);
$r = form_post('/inscription/annulation', "jeton=$tok1");
is($r->{status}, 200, 'the button: 200');
like($r->{body}, qr{<h1>Votre inscription est annulée</h1>}, '... cancelled');
like($r->{body}, qr{attribuée à la première personne de la liste d'attente}, '... the seat given to the first waiting');
is(counters('atelier-ete'), '1 0', 'the waiting person has the seat');
$r = form_post('/inscription/annulation', "jeton=$tok1");
like($r->{body}, qr{était déjà annulée}, 'again: already cancelled, said so');
$r = http_request($port, 'GET', $link1, headers => $HTML);
like($r->{body}, qr{<h1>Inscription déjà annulée</h1>}, 'the link now says it is cancelled');
unlike($r->{body}, qr{<form}, '... without a button');

# ---- a waiting place cancelled
$r = register('atelier-ete', 'fanny@example.org');
like($r->{body}, qr{en première position}, 'a new waiting person');
$r = http_request($port, 'GET', link_of($r->{body}), headers => $HTML);
like($r->{body}, qr{Vous quitterez la liste d'attente}, 'the link: leaving the waiting list');
my ($tok4) = $r->{body} =~ /name="jeton" value="([^"]+)"/;
$r = form_post('/inscription/annulation', 'jeton=' . ($tok4 // ''));
like($r->{body}, qr{Vous avez quitté la liste d'attente\.}, '... done, said so');
is(counters('atelier-ete'), '1 0', 'the waiting list is empty again');

# ---- a webinar: no waiting list, the seat is offered again
$r = register('webinaire-libre', 'gael@example.org');
is($r->{status}, 201, 'a webinar');
my $link3 = link_of($r->{body});
$r = http_request($port, 'GET', $link3, headers => $HTML);
unlike($r->{body}, qr{liste d(?:'|&#39;)attente}, 'its link says nothing of a waiting list');
$r = form_post('/inscription/annulation', 'jeton=' . token_of($link3));
like($r->{body}, qr{de nouveau proposée aux inscriptions}, '... the seat is offered again');

# ---- an unknown registration behind a valid link
my ($id2) = token_of($link2) =~ /^([^.]+)/;
$redis->cmd('HDEL', 'concertation:atelier-ete:regs', $id2);
$r = http_request($port, 'GET', $link2, headers => $HTML);
is($r->{status}, 404, 'a registration that is not there: 404');
like($r->{body}, qr{Cette inscription est introuvable}, '... said in French');

# ---- the tokens are not in the access log, whatever its format
my $log = slurp($nginx->prefix . '/logs/access.log') // '';
like($log, qr{"GET /inscription/annulation\?jeton=- HTTP/1.1"}, 'the logged request line has the token masked');
for my $t (grep { defined } map { token_of($_) } $link1, $link2, $link3) {
    my ($mac) = $t =~ /\.([0-9a-f]{32})\z/;
    unlike($log, qr/\Q$mac\E/, 'no token in the access log');
}

# ---- bad input: refused in French, nothing stored
my $n = () = statuses();
$r = register('webinaire-libre', 'h@example.org', nom => "Dupont\r\nBcc: x\@evil.example");
is($r->{status}, 422, 'a line break in a name: 422');
like($r->{body}, qr{Nom}, '... naming the field');
$r = register('webinaire-libre', 'h@example.org', nom => 'x' x 101);
is($r->{status}, 422, 'a name too long: 422');
$r = register('webinaire-libre', "\x{c3}\x{a9}lise\@exemple.fr");
is($r->{status}, 422, 'an address that is not ASCII: 422');
like($r->{body}, qr{Adresse électronique}, '... naming the field');
is(scalar(() = statuses()), $n, 'nothing stored');

done_testing();
