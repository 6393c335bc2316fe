# concertation-notify against real servers on loopback: nginx registers,
# Redis keeps the stream, an SMTP server (Debian's python3-aiosmtpd, as
# t/lib/smtp_catcher.py) receives.  Each message is parsed by Python's
# e-mail package and its invitation by python3-icalendar (t/lib/
# check_mail.py).  A refused address is set aside without blocking the
# others; the relay stopped while registrations arrive, then restarted:
# every message sent once, as acknowledged; the reminder sent once, at its
# time (the notifier's clock set by CONCERTATION_NOTIFY_NOW).
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();
binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $root = repo_root();
my $dir = test_dir();
use File::Spec;
my $tool = File::Spec->rel2abs($ENV{CONCERTATION_NOTIFY} // "$root/build/concertation-notify");
unless (-x $tool) {
    diag('build it with "make notify" (or set CONCERTATION_NOTIFY)');
    BAIL_OUT("no concertation-notify at $tool");
}
my $PY = '/usr/bin/python3';

# a workshop on 2027-03-08 14:00 Paris time (13:00 UTC), 1 seat and a
# waiting list; a webinar without dates
my $START = 1804510800;                 # 2027-03-08T13:00:00Z
spew("$dir/events.json", <<'JSON');
{"events": [
  {"id": "atelier-caen", "kind": "atelier", "title": "Atelier du Calvados",
   "start": "2027-03-08T14:00:00+01:00", "end": "2027-03-08T17:00:00+01:00",
   "place": "Caen, salles 02 et 06", "address": "14 rue Clos Herbert, 14000 Caen",
   "bring": "Un stylo", "capacity": 1, "waitlist": 5},
  {"id": "webinaire-tourisme", "kind": "webinaire", "title": "Tourisme",
   "capacity": 50, "waitlist": 0}
]}
JSON
spew("$dir/secret", "$SECRET\n");

my $redis = start_redis();
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
            concertation_form inscription %%CONF%%/inscription.json;
            concertation_registration on;
        }
        location = /inscription/annulation {
            concertation_cancellation;
        }
    }
}
CONF

# ---- the mail server
my $smtp_port = Concertation::Test::free_port();
my $maildir = "$dir/mail";
mkdir $maildir;
my $catcher;
sub start_catcher {
    $catcher = Concertation::Test::spawn("$dir/catcher.log", $PY,
        "$root/t/lib/smtp_catcher.py", '--listen', "127.0.0.1:$smtp_port",
        '--dir', $maildir, '--refuse', '^refuse');
    for (1 .. 100) {
        return 1 if Concertation::Test::port_accepts($smtp_port);
        sleep 0.05;
    }
    die "the mail catcher did not start:\n" . (slurp("$dir/catcher.log") // '');
}
sub stop_catcher { Concertation::Test::stop_pid($catcher, 'TERM'); $catcher = undef }
start_catcher();

my @notify = ($tool, '--redis', $redis->addr, '--events', "$dir/events.json",
              '--secret-file', "$dir/secret",
              '--site', 'https://concertation-ess.normandie.fr',
              '--smtp', "smtp://127.0.0.1:$smtp_port",
              '--from', 'concertation-ess@normandie.fr',
              '--metrics', "$dir/notify.prom",
              '--retry-min', '100ms', '--retry-max', '400ms');
sub notify_once {
    my (%env) = @_;
    local @ENV{keys %env} = values %env;
    my $out = `@notify --once 2>&1`;
    return ($? >> 8, $out);
}
sub mails { my @l = sort glob("$maildir/*.eml"); return @l }
sub nmails { my @l = mails(); return scalar @l }
sub parse {
    my @files = @_;
    return [] unless @files;
    my $json = `$PY $root/t/lib/check_mail.py @files`;
    return json_decode($json) // die "check_mail.py: $json";
}
sub register {
    my ($event, $email, %o) = @_;
    my $r = post_json($nginx->port, '/api/inscription', json_encode({
        evenement => $event, nom => $o{nom} // 'Lefèvre', prenom => 'Camille',
        email => $email, consentement => JSON::PP::true() }));
    die "registration: $r->{status} $r->{body}" unless $r->{status} =~ /^20/;
    return json_decode($r->{body});
}
sub pending {
    my $r = $redis->cmd('XPENDING', 'concertation:inscriptions', 'notify');
    return ref $r ? $r->[0] : 0;
}
sub metric {
    my ($name) = @_;
    my $t = slurp("$dir/notify.prom") // '';
    return $t =~ /^\Q$name\E (\d+)$/m ? $1 : undef;
}

# ---- one message per state change
my $ra = register('atelier-caen', 'camille@example.org');
my $rb = register('atelier-caen', 'dominique@example.org');
my $rw = register('webinaire-tourisme', 'eve@example.org');
my $rd = register('webinaire-tourisme', 'refuse@example.org');
is(post_json($nginx->port, '/inscription/annulation',
             json_encode({ jeton => $ra->{jeton_annulation} }))->{status},
   200, 'the first person cancels: the second gets the seat');

my ($rc, $out) = notify_once(CONCERTATION_NOTIFY_NOW => $START - 10 * 86400);
is($rc, 0, 'notify --once: everything sent or set aside') or diag $out;
my @m = @{ parse(mails()) };
is(scalar @m, 5, 'five messages: two confirmations, a waiting place, a '
                 . 'cancellation, a promotion');
is_deeply([grep { $_->{error} } @m], [], 'each parses as a message')
    or diag explain [grep { $_->{error} } @m];

my %by = map { ($_->{'message-id'} // '') => $_ } @m;
my $id = sub { "<$_[0].$_[1]\@concertation-ess.normandie.fr>" };
my $conf = $by{ $id->('confirmation', $ra->{id}) };
my $wait = $by{ $id->('attente', $rb->{id}) };
my $prom = $by{ $id->('promotion', $rb->{id}) };
my $canc = $by{ $id->('annulation', $ra->{id}) };
my $web = $by{ $id->('confirmation', $rw->{id}) };
ok($conf && $wait && $prom && $canc && $web, 'each kind, with its stable Message-ID')
    or diag join "\n", keys %by;

for my $x (grep { $_ } $conf, $wait, $prom, $canc, $web) {
    ok($x->{header_ascii} && $x->{crlf_only}, "$x->{'message-id'}: ASCII headers, CRLF lines");
    is($x->{'mime-version'}, '1.0', '... MIME');
    is_deeply($x->{charsets}, [('utf-8') x scalar @{ $x->{charsets} }], '... UTF-8 texts');
    is($x->{to_count}, 1, '... one To');
}
is($conf->{to}, 'Camille Lefèvre <camille@example.org>', 'To: the name and the address');
is($conf->{from}, 'Région Normandie – Concertation ESS <concertation-ess@normandie.fr>', 'From');
is($conf->{subject}, "Inscription confirmée\x{a0}: Atelier du Calvados", 'Subject, encoded and decoded');
is_deeply($conf->{parts}, [qw(multipart/mixed multipart/alternative text/plain text/html text/calendar)],
          'a confirmation: text, HTML and the invitation');
like($conf->{text}, qr/lundi 8 mars 2027, de 14\x{a0}h à 17\x{a0}h/, '... the day and hours in Paris time');
like($conf->{text}, qr/14 rue Clos Herbert, 14000 Caen/, '... the address');
like($conf->{text}, qr/Un stylo/, '... what to bring');
my ($link) = $conf->{text} =~ m{(https://concertation-ess\.normandie\.fr/inscription/annulation\?jeton=\S+)};
ok($link, '... the cancellation link');
like($conf->{html}, qr{<a href="https://concertation-ess\.normandie\.fr/inscription/annulation\?jeton=}, '... in the HTML too');

# the link is the module's own: it opens the cancellation page
my ($tok) = ($link // '') =~ /jeton=(\S+)/;
my $page = http_request($nginx->port, 'GET', "/inscription/annulation?jeton=$tok",
                        headers => [ Accept => 'application/json' ]);
like($page->{body}, qr/"statut":"annulee"/, 'the link of the e-mail is read by the module');

my $ics = $conf->{ics} // {};
is($conf->{ics_method_param}, 'PUBLISH', 'the invitation: method=PUBLISH');
is($ics->{method}, 'PUBLISH', '... METHOD:PUBLISH');
is($ics->{vevents}, 1, '... one VEVENT');
is($ics->{tzid}, 'Europe/Paris', '... its VTIMEZONE');
is($ics->{dtstart_tzid}, 'Europe/Paris', '... DTSTART with TZID');
is($ics->{dtstart}, '2027-03-08T14:00:00+01:00', '... which icalendar reads as 14:00 in Paris');
is($ics->{dtend}, '2027-03-08T17:00:00+01:00', '... and DTEND');
is($ics->{uid}, "$ra->{id}.atelier-caen\@concertation-ess.normandie.fr", '... a stable UID');
like($ics->{location}, qr/Caen, salles 02 et 06\n14 rue Clos Herbert/, '... LOCATION');
is($prom->{ics}{uid}, "$rb->{id}.atelier-caen\@concertation-ess.normandie.fr", 'the promotion carries the invitation');
like($prom->{subject}, qr/Une place s'est libérée/, '... and says so');
like($wait->{text}, qr/en première position/, 'the waiting place: the position in words');
is_deeply($wait->{parts}, [qw(multipart/alternative text/plain text/html)], '... no invitation');
like($canc->{subject}, qr/^Inscription annulée/, 'the cancellation acknowledged');
is_deeply($web->{parts}, [qw(multipart/alternative text/plain text/html)], 'a webinar without dates: no invitation');

# ---- the refused address: set aside, the others not blocked
my $refused = $redis->cmd('LRANGE', 'concertation:notify:refused', 0, -1);
is(scalar @$refused, 1, 'the refused message is set aside');
my $r0 = json_decode($refused->[0] // '{}');
is($r0->{id}, $rd->{id}, '... naming the registration');
is($r0->{code}, 550, '... and the relay\'s code');
unlike($refused->[0] // '', qr/refuse\@example/, '... without the address');
is(pending(), 0, 'every entry acknowledged');
is(metric('concertation_notify_refused_total'), 1, 'metrics: refused');
is(metric('concertation_notify_sent_total{kind="confirmation"}'), 2, 'metrics: sent by kind');

# ---- the relay down while registrations arrive, then back
stop_catcher();
my $npid = Concertation::Test::spawn("$dir/notify.log", @notify);
my $re = register('webinaire-tourisme', 'f@example.org');
my $rf = register('webinaire-tourisme', 'g@example.org');
my $t0 = time;
sleep 0.1 until (metric('concertation_notify_retried_total') // 0) >= 2 || time - $t0 > 10;
cmp_ok(metric('concertation_notify_retried_total') // 0, '>=', 2, 'relay down: retried');
is(nmails(), 5, '... nothing sent');
cmp_ok(pending(), '>=', 1, '... the entry stays pending, not acknowledged');
ok(Concertation::Test::pid_alive($npid), '... and the notifier waits');

start_catcher();
$t0 = time;
sleep 0.1 until (nmails() >= 7 && pending() == 0) || time - $t0 > 15;
is(nmails(), 7, 'relay back: both messages sent');
is(pending(), 0, '... and acknowledged');
Concertation::Test::stop_pid($npid, 'TERM');
my @all = @{ parse(mails()) };
my %seen;
$seen{ $_->{'message-id'} }++ for @all;
is_deeply([grep { $seen{$_} > 1 } sort keys %seen], [], 'no message sent twice');
ok($seen{ $id->('confirmation', $re->{id}) } && $seen{ $id->('confirmation', $rf->{id}) },
   'each registration made while the relay was down has its message');

# ---- the reminder: once, 48 h before, to the confirmed only
($rc, $out) = notify_once(CONCERTATION_NOTIFY_NOW => $START - 49 * 3600);
is(nmails(), 7, '49 h before: no reminder yet') or diag $out;
($rc, $out) = notify_once(CONCERTATION_NOTIFY_NOW => $START - 47 * 3600);
is($rc, 0, '47 h before: notify --once') or diag $out;
my @files = mails();
my @new = @{ parse(@files[7 .. $#files]) };
is(scalar @new, 1, '... one reminder: the one confirmed person of the workshop');
is($new[0]{'message-id'} // '', $id->('rappel', $rb->{id}), '... to the promoted person');
like($new[0]{subject} // '', qr/^Rappel\x{a0}: Atelier du Calvados, lundi 8 mars 2027/, '... a reminder');
is($new[0]{ics}{uid}, "$rb->{id}.atelier-caen\@concertation-ess.normandie.fr", '... with the same invitation');
($rc, $out) = notify_once(CONCERTATION_NOTIFY_NOW => $START - 46 * 3600);
is(nmails(), 8, 'run again: not sent twice');
($rc, $out) = notify_once(CONCERTATION_NOTIFY_NOW => $START + 60);
is(nmails(), 8, 'after the start: none');

stop_catcher();

# ---- the purge also removes the addresses and names of registrations
my $export = $ENV{CONCERTATION_EXPORT} // "$root/build/concertation-export";
SKIP: {
    skip "no concertation-export at $export (make export)", 11 unless -x $export;
    my $keys = sub { join ' ', map { $redis->cmd($_->[0], $_->[1]) // 0 }
                     ['HLEN', 'concertation:atelier-caen:regs'],
                     ['HLEN', 'concertation:atelier-caen:emails'],
                     ['SCARD', 'concertation:atelier-caen:reminded'],
                     ['HLEN', 'concertation:webinaire-tourisme:regs'],
                     ['LLEN', 'concertation:notify:refused'] };
    is($keys->(), '2 1 1 4 1', 'before: the registrations\' keys');
    local $ENV{CONCERTATION_REDIS_PASSWORD};
    my @x = ($export, '--redis', $redis->addr);
    # a date before every registration: nothing goes
    my $p = `@x --purger-avant 2020-01-01 2>&1`;
    is($keys->(), '2 1 1 4 1', 'a date before them: nothing removed') or diag $p;
    # after every registration, and after the message set aside (whose
    # time is the notifier's clock, set to 2027 above)
    my $later = '2028-01-01';
    $p = `@x --purger-avant $later --dry-run 2>&1`;
    utf8::decode($p);
    like($p, qr/inscriptions : 6 inscriptions \(adresse et nom\) seraient supprimées \(--dry-run\), 5 adresses de :emails, 1 rappels notés \(:reminded\), 1 messages écartés/,
         '--dry-run says what would go') or diag $p;
    is($keys->(), '2 1 1 4 1', '... and removes nothing');
    $p = `@x --purger-avant $later 2>&1`;
    is($? >> 8, 0, 'the purge') or diag $p;
    utf8::decode($p);
    like($p, qr/inscriptions : 6 inscriptions \(adresse et nom\) supprimées/, '... says what it removed') or diag $p;
    is($keys->(), '0 0 0 0 0', '... no address, name, reminder or message set aside left');
    like($p, qr/concertation:inscriptions : 0 entrées/, '... the stream kept: no export group, only the notifier\'s')
        or diag $p;
    is($redis->cmd('HGET', 'concertation:atelier-caen:event', 'confirmed'), 1,
       '... the seat counters, which name nobody, stay');

    # the registration form's codebook: its events from the programme
    my $cb = `@x --dictionnaire --schema $root/conf/inscription.json --evenements $dir/events.json -o $dir/dico.csv 2>&1`;
    my $dico = slurp("$dir/dico.csv") // '';
    utf8::decode($dico);
    like($dico, qr/^evenement;[^\n]*;atelier-caen;Atelier du Calvados, lundi 8 mars 2027\r?$/m,
         'the codebook of the registration form: the programme\'s events') or diag $cb;
    $cb = `@x --dictionnaire --schema $root/conf/inscription.json -o $dir/dico2.csv 2>&1`;
    is($? >> 8, 3, '... which it needs (--evenements)');
}

# ---- the systemd unit: what systemd itself says of it
SKIP: {
    my $sa = `command -v systemd-analyze 2>/dev/null`; chomp $sa;
    skip 'no systemd-analyze on this machine', 2 unless $sa;
    my $unit = slurp("$root/conf/concertation-notify.service");
    $unit =~ s{/usr/bin/concertation-notify}{$tool}g;
    mkdir "$dir/unit";
    spew("$dir/unit/concertation-notify.service", $unit);
    my $v = `$sa verify $dir/unit/concertation-notify.service 2>&1`;
    is($? >> 8, 0, 'systemd-analyze verify: the unit is valid') or diag $v;
    like($unit, qr/^ExecStart=\Q$tool\E \\\n(?:.*\\\n)*.*--secret-file %d\/secret/m,
         '... the secret given as a credential, not on the command line');
}

done_testing();
