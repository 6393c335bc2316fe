# The back-office export (issue 7, tools/export/, concertation-export):
# 100,000 answers exported to CSV and compared byte for byte with a CSV
# computed here in Perl; JSON Lines; memory that does not grow with the
# number of answers; incremental exports through a consumer group with
# crashes at each step; the attendance list of an event after real
# registrations and cancellations through nginx; the purge that refuses to
# trim what was never exported; "make install" into a DESTDIR.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use File::Basename qw(dirname);
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);

need_module();

my $root = repo_root();
my $dir = test_dir();
my $tool = $ENV{CONCERTATION_EXPORT} // "$root/build/concertation-export";

unless (ok(-x $tool, "export tool built: $tool")) {
    diag('build it with "make export" (or set CONCERTATION_EXPORT)');
    done_testing();
    exit 1;
}

my $redis = start_redis();
my $schema_path = "$root/conf/questionnaire.json";

# bytes in, bytes out: labels and answers stay UTF-8 byte strings
my $schema = JSON::PP->new->decode(slurp($schema_path));
my @fields = schema_fields($schema);
my (%label, %field, %dont_know);
for my $f (@fields) {
    $field{ $f->{name} } = $f;
    $label{ $f->{name} }{ $_->{value} } = $_->{label} for @{ $f->{options} // [] };
    if (my $o = $f->{other}) {
        $o = {} unless ref $o;
        $label{ $f->{name} }{ $o->{value} // 'autre' } = $o->{label} // 'Autre';
    }
    $dont_know{ $f->{name} } = $f->{dont_know} eq '1' ? 'Je ne sais pas' : $f->{dont_know}
        if $f->{dont_know};
}

# the names answers are stored under (the definition's order), and the
# export's columns: a grid's rows each, a ranking's ranks each
my (@slots, @columns);
for my $f (@fields) {
    my $n = $f->{name};
    if ($f->{type} eq 'matrix') {
        for my $r (@{ $f->{rows} }) {
            push @slots, ["$n.$r->{value}", $f];
            push @columns, ["$n.$r->{value}", $f, "$n.$r->{value}", 0];
        }
        next;
    }
    push @slots, [$n, $f];
    if ($f->{type} eq 'ranking') {
        push @columns, ["$n.$_", $f, $n, $_] for 1 .. $f->{max};
    } else {
        push @columns, [$n, $f, $n, 0];
    }
    if ($f->{other}) {
        push @slots, ["$n.autre", $f];
        push @columns, ["$n.autre", $f, "$n.autre", 0];
    }
}

# ------------------------------------------------------------- the tool ---

my $runs = 0;

# runs the tool with a deadline; (exit code, stderr+stdout text)
sub run_tool {
    my ($args, %o) = @_;
    my $log = "$dir/tool-" . ++$runs . '.log';
    local $ENV{CONCERTATION_EXPORT_CRASH} = $o{crash} if $o{crash};
    my $pid = Concertation::Test::spawn($log, $tool,
        '--redis', $redis->addr, @$args);
    my $st = Concertation::Test::wait_pid($pid, $o{timeout} // 120);
    if (!defined $st) {
        Concertation::Test::stop_pid($pid, 'KILL', 5);
        return (-1, "timeout\n" . (slurp($log) // ''));
    }
    return ($st >> 8, slurp($log) // '');
}

sub rss_of { my ($log) = @_; return $log =~ /rss_max=(\d+) Ko/ ? $1 : undef }

# ------------------------------------------------------------ the data ---

# jansson's compact form, the module's normalised answer (cc_schema.h)
sub jstr {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/\n/\\n/g;
    $s =~ s/\t/\\t/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/([\x00-\x1f])/sprintf('\\u%04X', ord $1)/ge;
    return qq("$s");
}

sub jdata {
    my ($a) = @_;
    my @kv;
    for my $slot (@slots) {
        my ($key, $f) = @$slot;
        my $v = $a->{$key};
        next unless defined $v;
        my $j = ref $v eq 'ARRAY' ? '[' . join(',', map { jstr($_) } @$v) . ']'
              : $f->{type} eq 'consent' ? 'true'
              : $key !~ /\.autre\z/ && $v =~ /\A-?\d+\z/
                && $f->{type} =~ /\A(?:number|scale|matrix)\z/ ? $v
              : jstr($v);
        push @kv, jstr($key) . ":$j";
    }
    return '{' . join(',', @kv) . '}';
}

my $base = JSON::PP->new->utf8->decode(read_data('questionnaire.json'));
utf8::encode($base->{vision});      # bytes, as everywhere here
my @texts = (
    $base->{vision},
    'Il faut "vraiment" des guillemets, et encore ""deux""',
    'Point-virgule ; virgule , et barre | dans le texte',
    "Plusieurs lignes :\nla deuxième\n\nla quatrième",
    'Élodie à Caen, ça change ; œuvres, naïveté, 100 €',
    '=SOMME(A1:A9)',
    '+33 2 31 00 00 00',
    '-5 % de budget',
    '@import dans une cellule',
    "Tabulation\tau milieu",
    'Sans rien de spécial',
);
my @profils = ((map { $_->{value} } @{ $field{profil}{options} }), 'autre');
my @structs = map { $_->{value} } @{ $field{structure}{options} };
my @depts = map { $_->{value} } @{ $field{departement}{options} };
my @prios = map { $_->{value} } @{ $field{priorites}{options} };
my @rows = map { $_->{value} } @{ $field{accord}{rows} };

sub answer {
    my ($i) = @_;
    my %a = (
        profil => $profils[$i % @profils],
        departement => $depts[($i >> 1) % @depts],
        vision => $texts[$i % @texts] . ($i % 3 ? '' : " n°$i"),
        consentement => 1,
    );
    $a{'profil.autre'} = $texts[$i % @texts] if $a{profil} eq 'autre';
    $a{structure} = $structs[$i % @structs] if $i % 4;
    $a{salaries} = ($i * 13) % 250 if $i % 3 == 1;
    $a{connaissance} = 1 + $i % 5 if $i % 2;
    $a{dispositifs} = $i % 6 ? 1 + $i % 5 : 'nsp' if $i % 7;
    # a grid: some rows, "je ne sais pas" now and then
    for my $k (0 .. $#rows) {
        next if ($i + $k) % 4 == 0;
        $a{"accord.$rows[$k]"} = ($i + $k) % 6 ? 1 + ($i + $k) % 5 : 'nsp';
    }
    # 1 to 3 priorities, ranked (the order they were given)
    my @p = grep { ($i >> $_) & 1 || $_ == $i % 6 } 0 .. 5;
    @p = @p[0 .. 2] if @p > 3;
    @p = reverse @p if $i % 2;
    $a{priorites} = [ map { $prios[$_] } @p ];
    $a{attentes} = $texts[($i * 7) % @texts] if $i % 5 == 0;
    $a{email} = "personne$i\@example.org" if $i % 2;
    return \%a;
}

sub meta {
    my ($i) = @_;
    my $ms = 1644307200000 + $i * 37;
    my @t = gmtime(int($ms / 1000));
    return (sprintf('0190%04x-%04x-7%03x-8%03x-%012x', $i >> 16, $i & 0xffff,
                    $i % 4096, $i % 4096, $i),
            sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $t[5] + 1900,
                    $t[4] + 1, @t[3, 2, 1, 0], $ms % 1000));
}

# XADD of answers first .. first+count-1 to <prefix>questionnaire,
# pipelined in batches on one connection
sub fill {
    my ($prefix, $first, $count) = @_;
    my $c = $redis->client(timeout => 60);
    my $deadline = time + 120;
    for (my $i = $first; $i < $first + $count; $i += 2000) {
        die "filling the stream took more than 120 s\n" if time > $deadline;
        my $end = $i + 2000 < $first + $count ? $i + 2000 : $first + $count;
        my $batch = '';
        for my $k ($i .. $end - 1) {
            my ($id, $at) = meta($k);
            $batch .= Concertation::Test::RESP::encode('XADD',
                "${prefix}questionnaire", '*', 'id', $id, 'received_at', $at,
                'form', 'questionnaire', 'data', jdata(answer($k)),
                'client', sprintf('%064x', $k % 97));
        }
        $c->send_raw($batch);
        for ($i .. $end - 1) {
            my $r = $c->read_reply;
            die "XADD: $r->{message}\n" if ref $r eq 'HASH';
        }
    }
    $c->close;
}

# ------------------------------------------------ the expected CSV, Perl ---

sub cell {
    my ($v, $sep) = @_;
    $v = "'$v" if $v =~ /\A[=+\-\@\t\r]/;
    if (index($v, $sep) >= 0 || $v =~ /["\r\n]/) {
        $v =~ s/"/""/g;
        $v = qq("$v");
    }
    return $v;
}

sub expected_row {
    my ($i, %o) = @_;
    my $sep = $o{sep} // ';';
    my $a = answer($i);
    my @cells = meta($i);
    for my $c (@columns) {
        my (undef, $f, $key, $rank) = @$c;
        my $v = $a->{$key};
        $v = ref $v eq 'ARRAY' ? $v->[$rank - 1] : undef if $rank;
        my $lab = sub { $o{raw} ? $_[0] : $label{ $f->{name} }{ $_[0] } // $_[0] };
        push @cells, !defined $v ? ''
                   : ref $v eq 'ARRAY' ? join(' | ', map { $lab->($_) } @$v)
                   : $f->{type} eq 'consent' ? 'oui'
                   : $key =~ /\.autre\z/ ? $v
                   : $f->{options} ? $lab->($v)
                   : $v eq 'nsp' && !$o{raw} ? $dont_know{ $f->{name} }
                   : $v;
    }
    push @cells, sprintf('%064x', $i % 97) if $o{client};
    return join($sep, map { cell($_, $sep) } @cells) . "\r\n";
}

sub expected_csv {
    my ($first, $count, %o) = @_;
    my $sep = $o{sep} // ';';
    my @head = ('id', 'received_at', map({ $_->[0] } @columns),
                $o{client} ? 'client' : ());
    my $csv = ($o{nobom} ? '' : "\xef\xbb\xbf") . join($sep, @head) . "\r\n";
    $csv .= expected_row($_, %o) for $first .. $first + $count - 1;
    return $csv;
}

# the first differing line, for the diagnostics
sub first_diff {
    my ($got, $want) = @_;
    my @g = split /\n/, $got, -1;
    my @w = split /\n/, $want, -1;
    for my $k (0 .. ($#g > $#w ? $#g : $#w)) {
        next if defined $g[$k] && defined $w[$k] && $g[$k] eq $w[$k];
        return "line " . ($k + 1) . ":\n  got:  " . ($g[$k] // '(none)')
             . "\n  want: " . ($w[$k] // '(none)');
    }
    return 'same lines';
}

# ------------------------------------------- 100,000 answers, byte for byte ---

my $N = 100_000;
my $t0 = time;
fill('concertation:', 0, $N);
fill('petit:', 0, 1000);
diag(sprintf('%d + 1000 answers written to Redis in %.1f s', $N, time - $t0));
is($redis->xlen('concertation:questionnaire'), $N, "$N answers in the stream");

$t0 = time;
my ($rc, $log) = run_tool(['--complet', '--schema', $schema_path,
                           '--sortie', "$dir/all.csv", '--stats']);
my $elapsed = time - $t0;
is($rc, 0, 'full export of 100,000 answers: exit 0') or diag $log;
my $rss_big = rss_of($log);
like($log, qr/entrees=$N /, '... it counted them');

{
    my $got = slurp("$dir/all.csv") // '';
    my $want = expected_csv(0, $N);
    ok($got eq $want, '... the CSV is byte for byte the one computed in Perl')
        or diag first_diff($got, $want);
    diag(sprintf('100,000 answers: %.1f MB of CSV in %.2f s, max RSS %s KB',
                 length($got) / 1e6, $elapsed, $rss_big // '?'));
    like($got, qr/;'=SOMME\(A1:A9\);/, '... a formula is neutralised');
    like($got, qr/"Plusieurs lignes :\nla deuxième\n\nla quatrième/,
         '... a multi-line text is one quoted cell');
    unlink "$dir/all.csv";
}

# memory: the same tool on 1,000 answers
($rc, $log) = run_tool(['--complet', '--schema', $schema_path, '--prefixe',
                        'petit:', '--sortie', "$dir/petit.csv", '--stats']);
is($rc, 0, 'export of 1,000 answers') or diag $log;
my $rss_small = rss_of($log);
ok(defined $rss_small && defined $rss_big, 'both runs report their max RSS');
diag("max RSS: 1,000 answers $rss_small KB, 100,000 answers $rss_big KB");
ok($rss_big < $rss_small + 4096,
   'memory does not grow with the number of answers (< 1k RSS + 4 MB)');
is(slurp("$dir/petit.csv"), expected_csv(0, 1000), '1,000 answers: same bytes');

# the codebook: every column of the CSV, each with its codes and labels
($rc, $log) = run_tool(['--dictionnaire', '--schema', $schema_path, '--sortie',
                        "$dir/dictionnaire.csv"]);
is($rc, 0, '--dictionnaire: exit 0, without Redis') or diag $log;
{
    my $book = slurp("$dir/dictionnaire.csv") // '';
    ok($book =~ s/\A\xef\xbb\xbf//, 'UTF-8 with BOM, like the export');
    my @lines = split /\r\n/, $book;
    is(shift @lines, 'colonne;question;partie;type;condition;code;libelle', 'its header');
    my %seen;
    $seen{ (split /;/, $_, 2)[0] } = 1 for @lines;
    is_deeply([sort keys %seen], [sort map { $_->[0] } @columns],
              'one entry per column of the CSV, and no other');
    my @codes = map { (split /;/)[5] } grep { /^departement;/ } @lines;
    is_deeply(\@codes, [map { $_->{value} } @{ $field{departement}{options} }],
              'a choice: each code, in order');
    ok((grep { /^accord\.tourisme;.*;nsp;Je ne sais pas\z/ } @lines),
       'a grid row: "don\'t know" with its label');
}

# the other CSV options
($rc, $log) = run_tool(['--complet', '--schema', $schema_path, '--prefixe',
    'petit:', '--sortie', "$dir/petit-en.csv", '--separateur', ',',
    '--sans-bom', '--valeurs-brutes', '--avec-client']);
is($rc, 0, 'comma, no BOM, raw values, client column') or diag $log;
{
    my $got = slurp("$dir/petit-en.csv") // '';
    my $want = expected_csv(0, 1000, sep => ',', nobom => 1, raw => 1,
                            client => 1);
    ok($got eq $want, '... byte for byte') or diag first_diff($got, $want);
}

# JSON Lines: the stored answer, unchanged, one object per line
($rc, $log) = run_tool(['--complet', '--format', 'jsonl', '--prefixe',
                        'petit:', '--sortie', "$dir/petit.jsonl"]);
is($rc, 0, 'JSON Lines export') or diag $log;
{
    my $want = '';
    for my $i (0 .. 999) {
        my ($id, $at) = meta($i);
        $want .= qq({"id":"$id","received_at":"$at","form":"questionnaire",)
               . '"data":' . jdata(answer($i)) . "}\n";
    }
    my $got = slurp("$dir/petit.jsonl") // '';
    ok($got eq $want, '... byte for byte') or diag first_diff($got, $want);
    my $ok = 1;
    for my $line (split /\n/, $got) {
        my $o = eval { JSON::PP->new->decode($line) };
        $ok = 0 unless ref $o eq 'HASH' && ref $o->{data} eq 'HASH';
    }
    ok($ok, '... each line is a JSON object with data as an object');
}

# standard output, and errors
($rc, $log) = run_tool(['--complet', '--prefixe', 'petit:', '--schema',
                        "$dir/absent.json", '-o', "$dir/x.csv"]);
is($rc, 3, 'an unreadable schema: exit 3') or diag $log;
($rc, $log) = run_tool(['--complet', '--inconnue']);
is($rc, 1, 'an unknown option: exit 1');
like($log, qr/option inconnue : --inconnue/, '... named in French');
{
    my $pid = Concertation::Test::spawn("$dir/refused.log", $tool,
        '--redis', '127.0.0.1:' . Concertation::Test::free_port(),
        '--complet', '--format', 'jsonl');
    my $st = Concertation::Test::wait_pid($pid, 30);
    is(defined $st ? $st >> 8 : -1, 2, 'Redis unreachable: exit 2');
}
$redis->cmd('CONFIG', 'SET', 'requirepass', 'motdepasse');
{
    ($rc, $log) = run_tool(['--complet', '--format', 'jsonl', '--prefixe',
                            'petit:', '-o', "$dir/pw.jsonl"]);
    is($rc, 2, 'a Redis with a password, none given: exit 2');
    local $ENV{CONCERTATION_REDIS_PASSWORD} = 'motdepasse';
    ($rc, $log) = run_tool(['--complet', '--format', 'jsonl', '--prefixe',
                            'petit:', '-o', "$dir/pw.jsonl"]);
    is($rc, 0, '... the password from CONCERTATION_REDIS_PASSWORD') or diag $log;
    is(-s "$dir/pw.jsonl", -s "$dir/petit.jsonl", '... the same export');
}
{
    my $c = $redis->client;
    $c->command('AUTH', 'motdepasse');
    $c->command('CONFIG', 'SET', 'requirepass', '');
    $c->close;
}
{
    my $help = `$tool --help`;
    for my $s (qw(NOM SYNOPSIS DESCRIPTION OPTIONS EXEMPLES), 'CODE DE RETOUR') {
        like($help, qr/^\Q$s\E$/m, "--help has a $s section");
    }
}

# ------------------------------------------- incremental, with crashes ---

# a stream of its own: 1000 answers, exported in batches of 300
$redis->cmd('DEL', 'concertation:questionnaire');
fill('inc:', 0, 1000);
my @inc = ('--schema', $schema_path, '--prefixe', 'inc:', '--max', '300',
           '--lot', '128');
($rc, $log) = run_tool([@inc, '-o', "$dir/inc-1.csv"]);
is($rc, 0, 'incremental export 1') or diag $log;
($rc, $log) = run_tool([@inc, '-o', "$dir/inc-2.csv"], crash => 'avant-renommage');
is($rc, 99, 'export 2 stops between the state file and the rename');
ok(!-e "$dir/inc-2.csv", '... its file is not in place');
($rc, $log) = run_tool([@inc, '-o', "$dir/inc-3.csv"], crash => 'avant-ack');
is($rc, 99, 'export 3 stops after the rename, before XACK');
like($log, qr/export précédent terminé : \Q$dir\E\/inc-2.csv/,
     '... after finishing the rename of export 2');
ok(-e "$dir/inc-2.csv" && -e "$dir/inc-3.csv", '... both files in place');
($rc, $log) = run_tool([@inc, '-o', "$dir/inc-4.csv"], crash => 'avant-etat');
is($rc, 99, 'export 4 stops before its state file: its file is abandoned');
ok(!-e "$dir/inc-4.csv", '... and never put in place');
fill('inc:', 1000, 200);
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'inc:',
                        '-o', "$dir/inc-5.csv"]);
is($rc, 0, 'export 5 takes everything left') or diag $log;
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'inc:',
                        '-o', "$dir/inc-6.csv"]);
is($rc, 0, 'export 6: nothing new');
ok(!-e "$dir/inc-6.csv", '... and no file');
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'inc:',
                        '-o', "$dir/inc-5.csv"]);
is($rc, 0, "nothing new, under an existing file's name (a cron job twice in a minute): exit 0")
    or diag $log;
like($log, qr/aucune nouvelle entrée/, '... nothing written');
{
    my ($rows, $files) = ('', 0);
    my $header = (split /\r\n/, expected_csv(0, 0))[0] . "\r\n";
    for my $k (1, 2, 3, 5) {
        my $f = slurp("$dir/inc-$k.csv") // '';
        $files++ if substr($f, 0, length $header) eq $header;
        $rows .= substr($f, length $header);
    }
    is($files, 4, 'each export file starts with the BOM and the header');
    my $want = substr(expected_csv(0, 1200), length $header);
    ok($rows eq $want, 'the 4 files hold the 1200 answers exactly once, in order')
        or diag first_diff($rows, $want);
    my $p = $redis->cmd('XPENDING', 'inc:questionnaire', 'export-csv');
    is($p->[0], 0, 'nothing left pending in the group');
}

# something new, under a name taken: exit 3, and the next run writes it
# (a state file of its own: the default one, in $dir, is inc:'s)
{
    my @dup = ('--schema', $schema_path, '--prefixe', 'dup:', '--etat', "$dir/dup.etat");
    fill('dup:', 0, 3);
    ($rc, $log) = run_tool([@dup, '-o', "$dir/dup-1.csv"]);
    is($rc, 0, 'an export of 3') or diag $log;
    fill('dup:', 3, 2);
    ($rc, $log) = run_tool([@dup, '-o', "$dir/dup-1.csv"]);
    is($rc, 3, 'two new ones, under the name of an existing file: exit 3');
    like($log, qr/existe déjà .* les 2 nouvelles entrées iront dans le fichier du prochain export/,
         '... saying where they will go');
    is(slurp("$dir/dup-1.csv"), expected_csv(0, 3), '... the existing file untouched');
    ($rc, $log) = run_tool([@dup, '-o', "$dir/dup-2.csv"]);
    is($rc, 0, 'the next run') or diag $log;
    is(slurp("$dir/dup-2.csv"), expected_csv(3, 2), '... writes the two');
    # JSON Lines beside CSV: a group of its own, every entry
    ($rc, $log) = run_tool(['--prefixe', 'dup:', '--etat', "$dir/dupj.etat",
                            '--format', 'jsonl', '-o', "$dir/dup.jsonl"]);
    is($rc, 0, 'JSON Lines, incremental, after the CSV exports') or diag $log;
    my @lines = split /\n/, slurp("$dir/dup.jsonl") // '';
    is(scalar @lines, 5, '... has all 5 entries: one group per format');
    my $groups = $redis->cmd('XINFO', 'GROUPS', 'dup:questionnaire');
    is(join(' ', sort map { $_->[1] } @$groups), 'export-csv export-jsonl',
       '... the groups export-csv and export-jsonl');
}

# entries left pending by another consumer are taken over
# (a state file of its own: the default one, in $dir, is inc:'s)
fill('claim:', 0, 10);
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'claim:',
                        '--etat', "$dir/claim.etat", '--consommateur', 'autre',
                        '--max', '4', '-o', "$dir/claim-1.csv"],
                       crash => 'avant-etat');
is($rc, 99, 'another consumer reads 4 entries and stops before its state');
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'claim:',
                        '--etat', "$dir/claim.etat", '-o', "$dir/claim-2.csv"]);
is($rc, 0, '... the default consumer runs next') or diag $log;
is(slurp("$dir/claim-2.csv"), expected_csv(0, 10),
   '... and exports the 10, the 4 pending elsewhere included');
is($redis->cmd('XPENDING', 'claim:questionnaire', 'export-csv')->[0], 0,
   '... nothing left pending');
# a crash after the rename, then nothing new: the run acknowledges them
fill('claim:', 10, 5);
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'claim:',
                        '--etat', "$dir/claim.etat", '-o', "$dir/claim-3.csv"],
                       crash => 'avant-ack');
is($redis->cmd('XPENDING', 'claim:questionnaire', 'export-csv')->[0], 5,
   'a crash before XACK leaves 5 pending');
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'claim:',
                        '--etat', "$dir/claim.etat", '-o', "$dir/claim-4.csv"]);
ok($rc == 0 && !-e "$dir/claim-4.csv", '... the next run has nothing to write')
    or diag $log;
is($redis->cmd('XPENDING', 'claim:questionnaire', 'export-csv')->[0], 0,
   '... and acknowledges them');
is(slurp("$dir/claim-3.csv"), expected_csv(10, 5), '... they are in the file');
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'claim:',
                        '-o', "$dir/claim-5.csv"]);
is($rc, 3, "another stream's state file is refused") or diag $log;
like($log, qr/est celui du flux inc:questionnaire/, '... and named');

# ------------------------------------------------------------- the purge ---

fill('inc:', 1200, 50);         # never exported
my @purge = ('--prefixe', 'inc:', '--purger-avant', '2100-01-01');
($rc, $log) = run_tool([@purge, '--dry-run']);
is($rc, 0, 'purge, dry run') or diag $log;
like($log, qr/inc:questionnaire : 1200 entrées seraient supprimées/,
     '... 1200 would go') or diag $log;
like($log, qr/arrêt à la dernière entrée lue par le groupe « export-csv »/,
     '... stopping at what the group has read');
like($log, qr/inc:inscriptions : flux absent/, '... the other stream is absent');
is($redis->xlen('inc:questionnaire'), 1250, '... nothing removed');

# 20 of the 50 read but not acknowledged: the purge stops before them
($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'inc:',
                        '--max', '20', '-o', "$dir/inc-7.csv"], crash => 'avant-ack');
is($rc, 99, '20 more exported, not acknowledged');
my $first_pending = $redis->cmd('XPENDING', 'inc:questionnaire', 'export-csv')->[1];
($rc, $log) = run_tool([@purge]);
is($rc, 0, 'purge') or diag $log;
{
    my $want = "inc:questionnaire : 1200 entrées supprimées (ids antérieurs"
             . " à $first_pending) ; arrêt à l'entrée $first_pending, lue par"
             . " le groupe « export-csv » mais pas encore acquittée";
    ok(index($log, $want) >= 0,
       '... 1200 removed, stopping at the first pending entry') or diag $log;
}
is($redis->xlen('inc:questionnaire'), 50, '... the 50 not acknowledged stay');

($rc, $log) = run_tool(['--prefixe', 'petit:', '--purger-avant', '2100-01-01']);
like($log, qr/petit:questionnaire : 0 entrées supprimées.*aucun groupe d'export/,
     'a stream never exported incrementally: nothing removed') or diag $log;
is($redis->xlen('petit:questionnaire'), 1000, '... all 1000 stay');

($rc, $log) = run_tool(['--schema', $schema_path, '--prefixe', 'inc:',
                        '-o', "$dir/inc-8.csv"]);
is($rc, 0, 'the next export acknowledges the 20 and takes the 30 others');
($rc, $log) = run_tool(['--prefixe', 'inc:', '--purger-avant', '2000-01-01']);
like($log, qr/0 entrées supprimées.*arrêt à la date de conservation/,
     'a retention date in the past: nothing removed, the date says why')
    or diag $log;
($rc, $log) = run_tool(['--prefixe', 'inc:', '--purger-avant', '2100-01-01']);
like($log, qr/inc:questionnaire : 50 entrées supprimées/, 'then all 50 go')
    or diag $log;
{
    my $rows = 0;
    for my $k (7, 8) {
        my @l = grep { /^0190/ } split /\r\n/, slurp("$dir/inc-$k.csv") // '';
        $rows += @l;
    }
    is($rows, 50, '... all of them were exported first');
}

# ------------------------------------------ the attendance list, via nginx ---

# the event asks its own question ("besoins"): a column of its list
my @events = ({ id => 'atelier-test', kind => 'atelier', title => 'Atelier',
                capacity => 2, waitlist => 3,
                questions => [ { name => 'besoins', type => 'textarea',
                                 max_length => 500, label => 'Besoins' } ] },
              { id => 'atelier-vide', kind => 'atelier', title => 'Vide',
                capacity => 2, waitlist => 0,
                questions => [ { name => 'accessibilite', type => 'textarea',
                                 max_length => 500, label => 'Accessibilité' } ] });
spew("$dir/events.json", json_encode({ events => \@events }));
my $ischema = json_decode(slurp("$root/conf/inscription.json"));
spew("$dir/inscription.json", json_encode($ischema));

my $nginx = start_nginx(<<"CONF", redis => $redis);
load_module %%MODULE%%;
events { worker_connections 256; }
http {
    %%HTTP_COMMON%%
    concertation_redis %%REDIS%%;
    concertation_secret $SECRET;
    concertation_events $dir/events.json;
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /api/inscription {
            concertation_form inscription $dir/inscription.json;
            concertation_registration on;
        }
        location = /api/inscription/annulation {
            concertation_cancellation;
        }
    }
}
CONF

# name, first name, organisation (one line), needs (several lines)
my @people = (
    [ 'Lefèvre', 'Camille', 'Région Normandie; ESS', undef ],
    [ '=Dupont', 'Jean "Jo"', undef, undef ],
    [ 'Martin', 'Zoé', 'Coop de Caen', "Boucle magnétique\net rampe" ],
    [ 'Nguyen', 'Anh', undef, undef ],
    [ 'Petit', 'Élise', 'Mutuelle', undef ],
);
my (@reg, $i);
for my $p (@people) {
    $i++;
    # json_encode() wants characters; the expected CSV stays in bytes
    my @c = map { my $s = $_; utf8::decode($s) if defined $s; $s } @$p;
    my $r = post_json($nginx->port, '/api/inscription', json_encode({
        evenement => 'atelier-test', nom => $c[0], prenom => $c[1],
        email => "p$i\@example.org", consentement => JSON::PP::true(),
        (defined $c[2] ? (organisation => $c[2]) : ()),
        (defined $c[3] ? (besoins => $c[3]) : ()) }));
    is($r->{status}, 201, "registration $i") or diag $r->{body};
    push @reg, json_decode($r->{body});
}
# the first confirmed cancels: the first waiting (3) gets the seat; the
# second waiting (4) cancels: 5 is first on the waiting list
for my $k (0, 3) {
    my $r = post_json($nginx->port, '/api/inscription/annulation',
                      json_encode({ jeton => $reg[$k]{jeton_annulation} }));
    is($r->{status}, 200, "cancellation of registration " . ($k + 1));
}

my %at;
for my $e ($redis->stream('concertation:inscriptions')) {
    $at{ $e->{fields}{id} } = $e->{fields}{received_at}
        if $e->{fields}{status} =~ /^(registered|waitlisted)$/;
}
sub list_row {
    my ($k, $status, $pos) = @_;
    my $p = $people[$k];
    return join(';', map { cell($_ // '', ';') } $p->[0], $p->[1],
                'p' . ($k + 1) . '@example.org', $p->[2], $p->[3], $status, $pos,
                $at{ $reg[$k]{id} }, $reg[$k]{id}) . "\r\n";
}
my $want_list = "\xef\xbb\xbfnom;prenom;email;organisation;besoins;statut;"
              . "position;inscrit_le;id\r\n"
              . list_row(1, 'confirmee', '') . list_row(2, 'confirmee', '')
              . list_row(4, 'liste_attente', 1);

($rc, $log) = run_tool(['--inscrits', 'atelier-test', '-o', "$dir/liste.csv"]);
is($rc, 0, 'the attendance list') or diag $log;
{
    my $got = slurp("$dir/liste.csv") // '';
    ok($got eq $want_list, '... confirmed, then the waiting list, no one cancelled')
        or diag first_diff($got, $want_list);
}
($rc, $log) = run_tool(['--inscrits', 'atelier-vide', '--evenements', "$dir/events.json",
                        '-o', "$dir/vide.csv"]);
is($rc, 0, 'an event of the programme without registrations: an empty list') or diag $log;
like($log, qr/aucune inscription/, '... with a warning');
is(slurp("$dir/vide.csv"), "\xef\xbb\xbfnom;prenom;email;organisation;accessibilite;"
   . "statut;position;inscrit_le;id\r\n", "... its header names the event's own question");
($rc, $log) = run_tool(['--inscrits', 'atelier-inconnu', '--evenements', "$dir/events.json",
                        '-o', "$dir/inconnu.csv"]);
is($rc, 1, 'an event not in the programme: exit 1');
like($log, qr/« atelier-inconnu » n'est pas au programme ; il compte : atelier-test, atelier-vide/,
     '... naming the events there are');
ok(!-e "$dir/inconnu.csv", '... and no file');
($rc, $log) = run_tool(['--inscrits', 'atelier-inconnu', '-o', "$dir/inconnu.csv"]);
is($rc, 1, 'without a programme, an event Redis never heard of: exit 1');
like($log, qr/aucune inscription à « atelier-inconnu » n'a jamais été enregistrée/, '... said');

# the stream no longer agrees with the event's keys: said, exit 4
$redis->cmd('XTRIM', 'concertation:inscriptions', 'MAXLEN', '3');
($rc, $log) = run_tool(['--inscrits', 'atelier-test', '-o', "$dir/liste2.csv"]);
is($rc, 4, 'a trimmed stream: exit 4');
like($log, qr/diffère des clés de l'événement/, '... and the list is said to differ');

# the registrations' state changes as a stream export
($rc, $log) = run_tool(['--complet', '--flux', 'inscriptions', '--format',
                        'jsonl', '-o', "$dir/ins.jsonl"]);
is($rc, 0, 'the inscriptions stream as JSON Lines') or diag $log;
like(slurp("$dir/ins.jsonl") // '', qr/"status":"promoted"/, '... with its state changes');

# -------------------------------------------------- make install, staged ---

{
    my $stage = "$dir/stage";
    my $module = module_path();
    # the files as they are: -o keeps make from building them again
    my $out = `timeout 60 make -s -C '$root' install DESTDIR='$stage' \\
        BUILD='$dir/nobuild' MODULE='$module' EXPORT='$tool' \\
        -o '$module' -o '$tool' 2>&1`;
    is($?, 0, 'make install DESTDIR=...') or diag $out;
    ok(-x "$stage/usr/local/bin/concertation-export", '... the tool in /usr/local/bin');
    ok(-f "$stage/usr/lib/nginx/modules/ngx_http_concertation_module.so",
       '... the module in /usr/lib/nginx/modules');
}

# ---- the README's table of exit statuses says what this test saw
{
    my ($table) = (slurp("$root/README.md") // '') =~ /^\| exit status \| meaning \|\n\| --- \| --- \|\n((?:\|.*\n)+)/m;
    my %row = ($table // '') =~ /^\| (\d+) \| (.*) \|$/mg;
    is_deeply([sort keys %row], [0 .. 5], 'README: a row for each exit status, 0 to 5');
    like($row{0} // '', qr/nothing new to export/, 'README: 0 for nothing new (the cron job run twice)');
    like($row{1} // '', qr/invalid command line.*`--inscrits` of an event that is not in the programme.*never heard of/,
         'README: 1 for an unknown option or event');
    like($row{2} // '', qr/Redis unreachable, password refused/, 'README: 2 for Redis');
    like($row{3} // '', qr/schema unreadable.*output already there with something new to write/,
         'README: 3 for an unreadable schema, a name taken with something new');
    like($row{4} // '', qr/attendance list disagrees with the event's counters/,
         'README: 4 for a trimmed stream');
}

finish();
done_testing();
