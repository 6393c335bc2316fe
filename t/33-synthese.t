# concertation-export --synthese from a real Redis: answers generated with
# known totals (t/data/synthese.json: every type, a conditional question
# and a conditional part, "other" texts, a grid, a ranking, a number, free
# texts, hostile ones among them, unknown names and values, an unreadable
# entry), registrations with their changes of state, and every figure of
# the report compared with what the generator counted.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use File::Spec;
use List::Util qw(shuffle sum0);

my $root = repo_root();
my $dir = test_dir();
my $tool = File::Spec->rel2abs($ENV{CONCERTATION_EXPORT} // "$root/build/concertation-export");
-x $tool or BAIL_OUT("no concertation-export at $tool (make export)");

my $redis = start_redis();
my $schema_path = "$root/t/data/synthese.json";
my $schema = json_decode(slurp($schema_path));
my $programme = json_decode(slurp("$root/conf/events.json"));
my ($ev1, $ev2) = @{ $programme->{events} }[0, 1];

srand(20220425);
my $N = 3000;
my (%asked, %answered, %count, %cross, %cross_answered, %texts, %text_group, %unknown);
my (@days, %day);
my @taille;
my $START = 1646735000;          # 2022-03-08, a Tuesday, mid-morning UTC

sub pick { return $_[int rand @_] }
sub bump { my ($h, @k) = @_; $h->{ join "\0", @k }++ }

my @entries;
for my $i (1 .. $N) {
    my %d;
    # two thirds of a day apart on average: several days, in order
    my $t = $START + int($i * 60);
    my @g = gmtime($t);
    my $received = sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ',
        $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], $i % 1000);
    # the day in Paris (winter time until 27 March)
    my @p = gmtime($t + 3600);
    my $pday = sprintf('%04d-%02d-%02d', $p[5] + 1900, $p[4] + 1, $p[3]);
    $day{$pday}++;

    my $profil = $i % 97 == 0 ? 'retire' : pick(qw(a a b c c c autre));
    $d{profil} = $profil;
    $d{'profil.autre'} = "Autre profil $i" if $profil eq 'autre';
    my $dep = rand() < 0.1 ? undef : pick(qw(14 27 50));
    $d{departement} = $dep if defined $dep;
    my $pg = $profil eq 'retire' ? '' : $profil;      # the profile's group
    my $dg = $dep // '';
    if ($profil eq 'c' && rand() < 0.8) {
        $d{age} = pick(qw(jeune adulte));
    }
    $d{contact} = "personne$i\@example.org" if rand() < 0.3;
    $d{accord} = JSON::PP::true() if rand() < 0.8;
    if ($profil eq 'a' || $profil eq 'b') {
        if (rand() < 0.7) {
            $d{taille} = int(rand(501));
        }
        my @s = grep { rand() < 0.4 } qw(x y z autre);
        @s = @s[0 .. 1] if @s > 2;
        if (@s) {
            $d{secteurs} = [@s];
            $d{'secteurs.autre'} = "Secteur libre $i" if grep { $_ eq 'autre' } @s;
        }
    }
    my $r = rand();
    $d{satisfaction} = $r < 0.1 ? 'nsp' : $r < 0.2 ? undef : 1 + int(rand(5));
    delete $d{satisfaction} unless defined $d{satisfaction};
    for my $row (qw(r1 r2)) {
        my $x = rand();
        next if $x < 0.15;
        $d{"grille.$row"} = $x < 0.25 ? 'nsp' : 1 + int(rand(4));
    }
    my @rk = (shuffle(qw(p1 p2 p3 p4)))[0 .. int(rand(4)) - 1];
    $d{priorites} = [@rk] if @rk;
    $d{commune} = pick('Caen', 'Rouen', 'Alençon') if rand() < 0.4;
    if (rand() < 0.5) {
        $d{vision} = $i % 250 == 0 ? "<img src=x onerror=alert($i)> & \"guillemets\"\n=HYPERLINK(\"x\")"
                                   : "Vision numéro $i\npour la Normandie";
    }
    $d{ancien_champ} = 'x' if $i % 211 == 0;
    $d{departement} = '76' if $i % 301 == 0;     # an option removed since
    $dg = '' if $i % 301 == 0;

    # ---- what the report must say, counted here
    my $in_struct = ($profil eq 'a' || $profil eq 'b');
    for my $f (qw(profil departement contact accord satisfaction grille priorites commune vision)) {
        $asked{$f}++;
    }
    $asked{age}++ if $profil eq 'c';
    if ($in_struct) { $asked{$_}++ for qw(taille secteurs) }
    if ($profil ne 'retire') {
        $answered{profil}++;
        bump(\%count, 'profil', $profil);
    } else {
        $unknown{'profil = retire'}++;
    }
    if (defined $d{departement} && $d{departement} ne '76') {
        $answered{departement}++;
        bump(\%count, 'departement', $d{departement});
    } elsif (defined $d{departement}) {
        $unknown{'departement = 76'}++;
    }
    $unknown{ancien_champ}++ if exists $d{ancien_champ};
    if (defined $d{age}) { $answered{age}++; bump(\%count, 'age', $d{age}) }
    $answered{contact}++ if defined $d{contact};
    $answered{accord}++ if defined $d{accord};
    if (defined $d{taille}) { $answered{taille}++; push @taille, $d{taille} }
    if ($d{secteurs}) {
        $answered{secteurs}++;
        bump(\%count, 'secteurs', $_) for @{ $d{secteurs} };
    }
    if (defined $d{satisfaction}) {
        $answered{satisfaction}++;
        bump(\%count, 'satisfaction', $d{satisfaction});
    }
    my $g_any = 0;
    for my $row (qw(r1 r2)) {
        next unless defined $d{"grille.$row"};
        $g_any = 1;
        bump(\%count, 'grille', $row, $d{"grille.$row"});
    }
    $answered{grille}++ if $g_any;
    if ($d{priorites}) {
        $answered{priorites}++;
        my @p = @{ $d{priorites} };
        for my $k (0 .. $#p) {
            bump(\%count, 'rank', $p[$k], $k + 1);
            $count{"borda\0$p[$k]"} += 3 - $k;
        }
        bump(\%count, 'priorites', $p[0]);
    }
    for my $f (qw(commune vision)) {
        next unless defined $d{$f};
        $answered{$f}++;
        push @{ $texts{$f} }, $d{$f};
        bump(\%text_group, $f, $pg);
    }
    bump(\%text_group, 'profil.autre', $pg) if $d{'profil.autre'};
    bump(\%text_group, 'secteurs.autre', $pg) if $d{'secteurs.autre'};
    # the cross-tabulations, by profile and by département
    for my $c (['profil', $pg], ['departement', $dg]) {
        my ($cn, $cg) = @$c;
        for my $q (qw(profil departement age secteurs satisfaction priorites grille)) {
            next if $q eq $cn;
            my $v = $q eq 'priorites' ? ($d{priorites} ? $d{priorites}[0] : undef)
                  : $q eq 'grille' ? ($g_any ? 1 : undef)
                  : $d{$q};
            next unless defined $v;
            next if $q eq 'profil' && $v eq 'retire';
            next if $q eq 'departement' && $v eq '76';
            bump(\%cross_answered, $q, $cn, $cg);
            next if $q eq 'grille';
            for my $x (ref $v eq 'ARRAY' ? @$v : ($v)) {
                bump(\%cross, $q, $cn, $cg, $x);
            }
        }
    }
    push @entries, [$received, json_encode(\%d), "id-$i"];
}

# the stream: the answers, and an unreadable entry among them
my $cli = $redis->client;
my $k = 0;
for my $e (@entries) {
    $cli->command('XADD', $STREAM, '*', 'id', $e->[2], 'received_at', $e->[0],
                'form', 'questionnaire', 'data', $e->[1], 'client', 'c');
    $cli->command('XADD', $STREAM, '*', 'id', 'illisible', 'received_at', $e->[0],
                'form', 'questionnaire', 'data', 'pas du JSON', 'client', 'c')
        if ++$k == 1500;
    # right after a long answer: an entry with no data field at all
    $cli->command('XADD', $STREAM, '*', 'id', 'sans-data', 'received_at', $e->[0],
                'form', 'questionnaire', 'client', 'c')
        if $k == 2000;
}
is($redis->xlen($STREAM), $N + 2, "$N answers and two unreadable entries in the stream");

# registrations: a full story for the first event, one for the second, one
# for an event the programme no longer has
my $RS = 'concertation:inscriptions';
my @regs = (
    ['r1', $ev1->{id}, 'registered'], ['r2', $ev1->{id}, 'registered'],
    ['r3', $ev1->{id}, 'registered'], ['r4', $ev1->{id}, 'waitlisted'],
    ['r5', $ev1->{id}, 'waitlisted'], ['r2', $ev1->{id}, 'cancelled'],
    ['r4', $ev1->{id}, 'promoted'], ['s1', $ev2->{id}, 'registered'],
    ['t1', 'atelier-ancien', 'registered'],
);
for my $r (@regs) {
    $cli->command('XADD', $RS, '*', 'id', $r->[0], 'received_at', '2022-03-10T10:00:00.000Z',
                'event', $r->[1], 'status', $r->[2], 'data', '{}', 'client', 'c');
}

my $out = "$dir/rapport.html";
my $log = "$dir/synthese.log";
my $pid = Concertation::Test::spawn($log, $tool, '--redis', $redis->addr,
    '--schema', $schema_path, '--evenements', "$root/conf/events.json",
    '--synthese', $out, '--stats');
my $st = Concertation::Test::wait_pid($pid, 120);
is(defined $st ? $st >> 8 : -1, 4, 'the report is written; exit 4: one entry could not be read')
    or diag slurp($log);
my $html = slurp($out) // '';
ok(length $html > 10_000, 'a report of ' . length($html) . ' bytes');

# ---- self-contained, safe
unlike($html, qr/<script|<link|\bsrc=["']?https?:|url\(["']?https?:|\@import/i,
       'no script, no external resource');
like($html, qr/<html lang="fr">/, 'in French');
unlike($html, qr/<img src=x/, 'a hostile text is not markup');
like($html, qr/&lt;img src=x onerror=alert\(250\)&gt; &amp; &quot;guillemets&quot;<br>=HYPERLINK\(&quot;x&quot;\)/,
     '... but shown as text, line break kept');
unlike($html, qr/personne\d+\@example\.org/, 'no e-mail address reproduced');

# ---- helpers to read the figures back
sub article { my ($n) = @_; return $html =~ /<article class="question" id="q-\Q$n\E".*?<\/article>/s ? $& : '' }
sub table { my ($id) = @_; return $html =~ /<table id="\Q$id\E"[^>]*>.*?<\/table>/s ? $& : '' }
sub rows {
    my ($t) = @_;
    my %r;
    while ($t =~ /<tr data-k="([^"]*)">(.*?)<\/tr>/sg) { $r{$1} = $2 }
    return \%r;
}
sub first_n { my ($row) = @_; return ($row // '') =~ /<td data-n="(\d+)"/ ? $1 : undef }
sub cell_n { my ($row, $key) = @_; return ($row // '') =~ /<td data-k="\Q$key\E" data-n="(\d+)"/ ? $1 : undef }
sub cell_v { my ($row, $key) = @_; return ($row // '') =~ /<td data-k="\Q$key\E" data-v="([\d.]+)"/ ? $1 : undef }

like($html, qr/<dd id="total" data-n="$N">/, "summary: $N answers");
like($html, qr/<span id="lues" data-n="${\($N + 2)}">/, 'method: the entries read, the unreadable ones too');
like($html, qr/<strong id="illisibles" data-n="2">/, '... two unreadable (bad JSON, no data field)');
my ($first_sid) = $cli->command('XRANGE', $STREAM, '-', '+', 'COUNT', 1)->[0][0];
my ($last_sid) = $cli->command('XREVRANGE', $STREAM, '+', '-', 'COUNT', 1)->[0][0];
like($html, qr/<code id="premiere">\Q$first_sid\E<\/code> à <code id="derniere">\Q$last_sid\E<\/code>/,
     'method: the first and last entry ids');

# answers per day, in Paris time, in order
{
    my ($list) = $html =~ /<ul class="jours" id="jours">(.*?)<\/ul>/s;
    my @got = ($list // '') =~ /<span data-n="(\d+)">/g;
    is_deeply(\@got, [map { $day{$_} } sort keys %day], 'answers per day: ' . join(', ', @got));
}

# every question: asked, answered, not
for my $sec (@{ $schema->{sections} }) {
    for my $f (@{ $sec->{fields} }) {
        my $n = $f->{name};
        my $a = article($n);
        my ($as, $an, $mi) = $a =~ /data-asked="(\d+)" data-answered="(\d+)" data-missing="(\d+)"/;
        is($as, $asked{$n} // 0, "$n: asked of $asked{$n}");
        is($an, $answered{$n} // 0, "$n: answered by " . ($answered{$n} // 0));
        is($mi, ($asked{$n} // 0) - ($answered{$n} // 0), "$n: not answered");
    }
}

# choices and multiple choices: each option
for my $n (qw(profil departement age secteurs)) {
    my ($f) = grep { $_->{name} eq $n } map { @{ $_->{fields} } } @{ $schema->{sections} };
    my $r = rows(table("t-$n"));
    my @vals = ((map { $_->{value} } @{ $f->{options} }), $f->{other} ? $f->{other}{value} : ());
    for my $v (@vals) {
        is(first_n($r->{$v}), $count{"$n\0$v"} // 0, "$n = $v: " . ($count{"$n\0$v"} // 0));
    }
}
like(article('secteurs'), qr/répondants à la question qui ont coché/, 'multiple: shares of respondents, said so');

# the scale and its mean
{
    my $r = rows(table('t-satisfaction'));
    my ($sum, $n) = (0, 0);
    for my $p (1 .. 5, 'nsp') {
        is(first_n($r->{$p}), $count{"satisfaction\0$p"} // 0, "satisfaction $p");
        next if $p eq 'nsp';
        $sum += $p * ($count{"satisfaction\0$p"} // 0);
        $n += $count{"satisfaction\0$p"} // 0;
    }
    my ($mean) = article('satisfaction') =~ /Moyenne : <strong data-v="([\d.]+)"/;
    is($mean, sprintf('%.4f', $sum / $n), 'satisfaction: the mean, "nsp" left out');
}
# the grid, row by row
{
    my $r = rows(table('t-grille'));
    for my $row (qw(r1 r2)) {
        my ($sum, $n) = (0, 0);
        for my $p (1 .. 4, 'nsp') {
            is(cell_n($r->{$row}, $p), $count{"grille\0$row\0$p"} // 0, "grille $row $p");
            next if $p eq 'nsp';
            $sum += $p * ($count{"grille\0$row\0$p"} // 0);
            $n += $count{"grille\0$row\0$p"} // 0;
        }
        my ($mean) = ($r->{$row} // '') =~ /<td data-v="([\d.]+)">/;
        is($mean, sprintf('%.4f', $sum / $n), "grille $row: the mean");
    }
}
# the ranking: first places, every rank, Borda
{
    my $first = rows(table('t-priorites'));
    my $ranks = rows(table('r-priorites'));
    for my $p (qw(p1 p2 p3 p4)) {
        is(first_n($first->{$p}), $count{"priorites\0$p"} // 0, "priorites: $p first");
        for my $k (1 .. 3) {
            is(cell_n($ranks->{$p}, $k), $count{"rank\0$p\0$k"} // 0, "priorites: $p at rank $k");
        }
        is(cell_n($ranks->{$p}, 'borda'), $count{"borda\0$p"} // 0, "priorites: $p Borda score");
    }
    like(article('priorites'), qr/score de Borda donne 3 points/, 'the Borda rule, said');
}
# the number
{
    my @s = sort { $a <=> $b } @taille;
    my $med = @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
    my $a = article('taille');
    like($a, qr/Minimum <strong data-v="$s[0]">/, "taille: min $s[0]");
    like($a, qr/médiane <strong data-v="\Q${\sprintf('%.1f', $med)}\E">/, "taille: median $med");
    like($a, qr/maximum <strong data-v="$s[-1]">/, "taille: max $s[-1]");
    my $h = table('t-taille');
    my $hist = 0;
    $hist += $1 while $h =~ /<td data-n="(\d+)">/g;
    is($hist, scalar @s, 'taille: the histogram holds every value');
}
# free texts, by profile
for my $slot (qw(commune vision profil.autre secteurs.autre)) {
    my ($block) = $html =~ /(<div class="textes" data-slot="\Q$slot\E".*?<\/div>)/s;
    my $want = sum0(map { $text_group{$_} } grep { /^\Q$slot\E\0/ } keys %text_group);
    like($block // '', qr/data-n="$want"/, "$slot: $want texts");
    for my $g ('a', 'b', 'c', 'autre', '') {
        my $n = $text_group{"$slot\0$g"} // 0;
        next unless $n;
        like($block, qr/<h5 data-k="\Q$g\E">[^<]*<span data-n="$n">/, "$slot: $n texts of group '$g'");
    }
    my $items = () = ($block // '') =~ /<li>/g;
    is($items, $want, "$slot: every text listed");
}
# the cross-tabulations
for my $cn (qw(profil departement)) {
    for my $q (qw(profil departement age secteurs satisfaction priorites)) {
        next if $q eq $cn;
        my $r = rows(table("x-$q-$cn"));
        my @groups = $cn eq 'profil' ? ('a', 'b', 'c', 'autre', '') : ('14', '27', '50', '');
        for my $g (@groups) {
            is(cell_n($r->{$g}, 'repondu'), $cross_answered{"$q\0$cn\0$g"} // 0,
               "x $q by $cn = '$g': answered");
            my @vals = $q eq 'satisfaction' ? (1 .. 5, 'nsp')
                     : $q eq 'priorites' ? qw(p1 p2 p3 p4)
                     : $q eq 'age' ? qw(jeune adulte)
                     : $q eq 'secteurs' ? qw(x y z autre)
                     : $q eq 'profil' ? qw(a b c autre) : qw(14 27 50);
            for my $v (@vals) {
                is(cell_n($r->{$g}, $v), $cross{"$q\0$cn\0$g\0$v"} // 0, "x $q by $cn = '$g': $v");
            }
        }
    }
}
# what the definition does not know
{
    my $r = rows(table('t-inconnues'));
    for my $u (sort keys %unknown) {
        is(first_n($r->{$u}), $unknown{$u}, "unknown '$u': $unknown{$u}, named");
    }
}
# registrations
{
    my $r = rows(table('t-inscriptions'));
    is(cell_n($r->{ $ev1->{id} }, 'confirmees'), 3, "$ev1->{id}: 3 confirmed (one promoted)");
    is(cell_n($r->{ $ev1->{id} }, 'attente'), 1, '... 1 waiting');
    is(cell_n($r->{ $ev1->{id} }, 'annulees'), 1, '... 1 cancelled');
    is(cell_n($r->{ $ev1->{id} }, 'recues'), 5, '... 5 received');
    is(cell_n($r->{ $ev1->{id} }, 'places'), $ev1->{capacity}, "... $ev1->{capacity} seats");
    my $fill = sprintf('%.1f', 300 / $ev1->{capacity});
    $fill =~ s/\./,/;
    like($r->{ $ev1->{id} }, qr/<td data-k="remplissage">\Q$fill\E\xc2\xa0%/, "... filled $fill %")
        or diag $r->{ $ev1->{id} };
    is(cell_n($r->{ $ev2->{id} }, 'confirmees'), 1, "$ev2->{id}: 1 confirmed");
    is(cell_n($r->{'atelier-ancien'}, 'confirmees'), 1, 'an event no longer in the programme: kept');
    like($html, qr/<span id="inscriptions-lues" data-n="9">/, 'the 9 changes read');
}

# --croiser, and its errors
$pid = Concertation::Test::spawn("$dir/x.log", $tool, '--redis', $redis->addr,
    '--schema', $schema_path, '--croiser', 'age', '--synthese', "$dir/age.html");
Concertation::Test::wait_pid($pid, 60);
my $age = slurp("$dir/age.html") // '';
like($age, qr/<table id="x-satisfaction-age"/, '--croiser age: the tables by age');
unlike($age, qr/<table id="x-satisfaction-profil"/, '... and not by profile');
for my $bad (['vision', qr/seul un choix unique/], ['nulle', qr/pas de question de ce nom/]) {
    $pid = Concertation::Test::spawn("$dir/bad.log", $tool, '--redis', $redis->addr,
        '--schema', $schema_path, '--croiser', $bad->[0], '--synthese', "$dir/bad.html");
    $st = Concertation::Test::wait_pid($pid, 60);
    is($st >> 8, 1, "--croiser $bad->[0]: exit 1");
    like(slurp("$dir/bad.log") // '', $bad->[1], '... saying why in French');
    ok(!-e "$dir/bad.html", '... and no report');
}

finish();
done_testing();
