#!/usr/bin/perl
# t/bench/gen-answers.pl N [SEED]: N realistic stored answers to the real
# questionnaire (conf/questionnaire.json), as the Redis protocol's XADD
# commands for "redis-cli --pipe": the fields the module writes (id,
# received_at, form, data, client), the answers spread over the 2022
# window, the profiles and départements unevenly, the structure's part
# for the organisations only, a ranking of one to three priorities, and a
# free text of 10 to 120 words (about 500 bytes on average).
use strict;
use warnings;

my ($n, $seed) = @ARGV;
die "usage: gen-answers.pl N [SEED]\n" unless defined $n && $n =~ /^\d+$/;
srand($seed // 42);

my @words = qw(économie sociale solidaire Normandie territoire emploi
    coopération association insertion transition jeunes formation mobilité
    agriculture circuits courts logement réseau gouvernance bénévoles
    innovation financement accompagnement écologie culture tourisme santé
    numérique Caen Rouen Cherbourg Alençon Évreux projets utilité partage
    rural quartiers entreprises collectivités développement durable);
my @profil = ((('acteur_ess') x 4), (('acteur_public') x 2), 'entreprise',
              'reseau', (('citoyen') x 3), 'autre');
my @dep = ((('14') x 3), (('76') x 4), (('50') x 2), '27', '27', '61',
           'hors_normandie');
my @structure = qw(association cooperative mutuelle fondation entreprise_ess
                   collectivite societe autre);
my @secteurs = qw(insertion social culture environnement economie_circulaire
                  services finance autre);
my @prio = qw(tourisme transitions territoires formation cooperation emploi);
my @freins = qw(financement visibilite recrutement foncier commande_publique
                isolement);
my @soutiens = qw(financement accompagnement reseau commande_publique
                  formation communication);
my @connu = qw(site reseau presse reseaux_sociaux bouche_a_oreille);
sub some {
    my ($max, @from) = @_;
    my %seen;
    return grep { !$seen{$_}++ } map { pick(@from) } 1 .. 1 + int rand $max;
}
my $start = 1644307200;              # 2022-02-08T08:00:00Z
my $span = 76 * 86400;

sub resp {
    my $out = '*' . scalar(@_) . "\r\n";
    $out .= '$' . length($_) . "\r\n$_\r\n" for @_;
    return $out;
}
sub js {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/\n/\\n/g;
    return "\"$s\"";
}
sub pick { $_[int rand @_] }

binmode STDOUT;
for my $i (1 .. $n) {
    my $t = $start + int($span * $i / $n);
    my @g = gmtime $t;
    my $received = sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $g[5] + 1900,
                           $g[4] + 1, $g[3], $g[2], $g[1], $g[0], $i % 1000);
    my $p = pick(@profil);
    my @d = ('"profil":' . js($p));
    push @d, '"profil.autre":' . js('Élu local') if $p eq 'autre';
    push @d, '"departement":' . js(pick(@dep));
    push @d, '"commune":' . js(pick(qw(Caen Rouen Bayeux Lisieux Granville)))
        if rand() < 0.5;
    push @d, '"age":' . js(pick(qw(moins_25 25_39 40_59 60_plus))) if $p eq 'citoyen';
    push @d, '"connaissance":' . (1 + int rand 5) if rand() < 0.9;
    if ($p =~ /^(?:acteur_ess|acteur_public|entreprise|reseau)$/) {
        my $s = pick(@structure);
        push @d, '"structure":' . js($s);
        push @d, '"structure.autre":' . js('Groupement') if $s eq 'autre';
        push @d, '"nom_structure":' . js("Structure $i") if rand() < 0.7;
        push @d, '"salaries":' . int(rand() ** 3 * 500) if rand() < 0.8;
        push @d, '"benevoles":' . int(rand 200)
            if $s =~ /^(?:association|fondation|autre)$/ && rand() < 0.6;
        my @sec = some(3, @secteurs);
        push @d, '"secteurs":[' . join(',', map { js($_) } @sec) . ']';
        push @d, '"secteurs.autre":' . js('Sport') if grep { $_ eq 'autre' } @sec;
        push @d, '"cooperation":' . js(pick(qw(regulierement parfois non)))
            if $p eq 'acteur_ess' || $p eq 'reseau';
    }
    my %seen;
    my @r = grep { !$seen{$_}++ } map { pick(@prio) } 1 .. 3;
    push @d, '"priorites":[' . join(',', map { js($_) } @r) . ']';
    my $words = 10 + int rand 110;
    push @d, '"vision":' . js(join ' ', map { pick(@words) } 1 .. $words);
    push @d, '"initiative":' . js(join ' ', map { pick(@words) } 1 .. 5 + int rand 30)
        if rand() < 0.3;
    for my $row (qw(tourisme transitions territoires formation cooperation)) {
        push @d, "\"accord.$row\":" . (rand() < 0.08 ? '"nsp"' : 1 + int rand 5)
            if rand() < 0.85;
    }
    push @d, '"freins":[' . join(',', map { js($_) } some(3, @freins)) . ']' if rand() < 0.8;
    push @d, '"dispositifs":' . (rand() < 0.1 ? '"nsp"' : 1 + int rand 5) if rand() < 0.8;
    push @d, '"soutiens":[' . join(',', map { js($_) } some(4, @soutiens)) . ']' if rand() < 0.7;
    push @d, '"connu":' . js(pick(@connu)) if rand() < 0.6;
    push @d, '"email":' . js("personne$i\@example.org") if rand() < 0.2;
    push @d, '"consentement":true';
    print resp('XADD', 'concertation:questionnaire', '*',
               'id', sprintf('0180%04x-%04x-7%03x-8%03x-%012x', $i >> 16, $i & 0xffff,
                             $i & 0xfff, $i & 0xfff, $i),
               'received_at', $received, 'form', 'questionnaire',
               'data', '{' . join(',', @d) . '}',
               'client', sprintf('%064x', $i));
}
