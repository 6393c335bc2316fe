# The monitoring shipped in conf/: the Prometheus scrape configuration and
# alert rules pass Debian's promtool (check config, check rules, and test
# rules: each alert fires on the series that should raise it), and every
# metric the rules and the Grafana dashboard name is one the module's
# /status or concertation-notify's --metrics file really exposes (so that
# a renamed counter cannot leave an alert silent).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use Time::HiRes qw(time sleep);

need_module();

my $tmp = test_dir();
my $root = repo_root();
my $prom = "$root/conf/prometheus";
my $NOTIFY = $ENV{CONCERTATION_NOTIFY} // "$root/build/concertation-notify";
my $promtool = '/usr/bin/promtool';
ok(-x $promtool, "promtool (Debian's prometheus package) is installed") or BAIL_OUT('no promtool');

sub run {
    my (@cmd) = @_;
    my $log = "$tmp/run-" . time . "-$$.log";
    my $pid = Concertation::Test::spawn($log, @cmd);
    my $st = Concertation::Test::wait_pid($pid, 120);
    Concertation::Test::stop_pid($pid, 'KILL', 5) unless defined $st;
    return (defined $st ? $st >> 8 : -1, slurp($log) // '');
}

# ---- promtool
my ($rc, $out) = run($promtool, 'check', 'config', "$prom/prometheus.yml");
is($rc, 0, 'promtool check config: the scrape configuration') or diag $out;
like($out, qr/1 rule files found/, '... with its rule file');
($rc, $out) = run($promtool, 'check', 'rules', "$prom/concertation-alerts.yml");
is($rc, 0, 'promtool check rules') or diag $out;
like($out, qr/SUCCESS: (\d+) rules found/, '... rules found');
($rc, $out) = run($promtool, 'test', 'rules', "$prom/concertation-alerts.test.yml");
is($rc, 0, 'promtool test rules: every alert fires where it should') or diag $out;

# the tests can fail: a rule file whose threshold is wrong fails them
{
    my $rules = slurp("$prom/concertation-alerts.yml");
    (my $bad = $rules) =~ s/\(concertation_spool_records\) > 0/(concertation_spool_records) > 1000/;
    isnt($bad, $rules, 'a copy of the rules with a wrong threshold');
    mkdir "$tmp/bad";
    spew("$tmp/bad/concertation-alerts.yml", $bad);
    spew("$tmp/bad/concertation-alerts.test.yml", slurp("$prom/concertation-alerts.test.yml"));
    ($rc, $out) = run($promtool, 'test', 'rules', "$tmp/bad/concertation-alerts.test.yml");
    isnt($rc, 0, '... fails promtool test rules');
    like($out, qr/ConcertationSpoolNotEmpty/, '... naming the alert');
}

# ---- the names: what the module and the notifier expose
my $redis = start_redis();
my $nginx = start_nginx(module_conf(
    http => "concertation_spool $tmp/spool;\n    concertation_limit_zone zone=z:1m;",
    location => 'concertation_limit zone=z rate=100r/s burst=100;',
    server => 'location = /status { concertation_status; }'), redis => $redis);
my $r = post_json($nginx->port, $FORM_PATH, read_data('questionnaire.json'));
is($r->{status}, 201, 'an answer, so that every family has samples');
my $text = http_request($nginx->port, 'GET', '/status')->{body} // '';
my %exposed = map { $_ => 1 } $text =~ /^# TYPE (concertation_[a-z_]+) /mg;
ok(scalar(keys %exposed) >= 10, scalar(keys %exposed) . ' families on /status');
for my $f (grep { /histogram/ } $text =~ /^# TYPE (\S+ histogram)/mg) {
    my ($n) = split ' ', $f;
    $exposed{"${n}_$_"} = 1 for qw(bucket sum count);
}

spew("$tmp/secret", "$SECRET\n");
($rc, $out) = run($NOTIFY, '--redis', $redis->addr, '--events', "$root/conf/events.json",
    '--secret-file', "$tmp/secret", '--site', 'https://concertation-ess.normandie.fr',
    '--smtp', 'smtp://127.0.0.1:' . Concertation::Test::free_port(),
    '--from', 'concertation-ess@normandie.fr', '--metrics', "$tmp/notify.prom", '--once');
is($rc, 0, 'concertation-notify --once --metrics') or diag $out;
my $ntext = slurp("$tmp/notify.prom") // '';
my @nfam = $ntext =~ /^# TYPE (concertation_notify_[a-z_]+) /mg;
ok(@nfam >= 4, scalar(@nfam) . " families in the notifier's file");
$exposed{$_} = 1 for @nfam;
$exposed{up} = 1;   # Prometheus's own

sub names_in {
    my ($s) = @_;
    my %n = map { $_ => 1 } $s =~ /\b((?:concertation_[a-z_]+)|up)(?=\s*[{\[(]|\s*(?:==|>|<|\)|$))/mg;
    return sort keys %n;
}

# the expressions only, not the annotations' words
my $exprs = join "\n", grep { !/^\s*(?:summary|description|alert):/ }
                        split /\n/, slurp("$prom/concertation-alerts.yml");
my @rule_names = names_in($exprs);
ok(@rule_names >= 8, 'the rules name ' . scalar(@rule_names) . ' metrics');
my @unknown = grep { !$exposed{$_} } @rule_names;
ok(!@unknown, 'every metric the alert rules name is exposed') or diag "unknown: @unknown";

my $dash = json_decode(slurp("$root/conf/grafana/concertation.json"));
ok($dash && ref $dash->{panels} eq 'ARRAY' && @{ $dash->{panels} } >= 6,
   'the Grafana dashboard is JSON with its panels');
my @exprs = map { $_->{expr} } map { @{ $_->{targets} // [] } } @{ $dash->{panels} // [] };
ok(@exprs >= 10, scalar(@exprs) . ' queries in the dashboard');
my @dash_names = names_in(join "\n", @exprs);
@unknown = grep { !$exposed{$_} } @dash_names;
ok(!@unknown, 'every metric the dashboard queries is exposed') or diag "unknown: @unknown";
my @no_table = grep { !$_->{title} } @{ $dash->{panels} // [] };
ok(!@no_table, 'every panel has a title');

finish();
done_testing();
