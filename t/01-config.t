# Configuration: "nginx -t" accepts the standard configuration and rejects
# broken schemas, missing directives and malformed values with a message
# naming what is wrong.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

need_module();

my $dummy_redis = '127.0.0.1:' . Concertation::Test::free_port();
my %vars = (REDIS => $dummy_redis);

sub conf_test {
    my ($conf, %o) = @_;
    return nginx_t($conf, vars => { %vars, %{ $o{vars} // {} } });
}

my ($code, $out) = conf_test(module_conf());
is($code, 0, 'the standard configuration passes nginx -t') or diag $out;

($code, $out) = conf_test(module_conf(http => 'concertation_redis_password secret;'
    . ' concertation_redis_database 3; concertation_redis_prefix "x:";'));
is($code, 0, 'password, database and prefix accepted') or diag $out;

($code, $out) = conf_test(module_conf(drop => ['concertation_redis'],
    http => 'concertation_redis unix:%%TMP%%/redis.sock;'));
is($code, 0, 'a unix socket address is accepted') or diag $out;

# ---- broken schemas, each naming the file and the field
my $schema = json_decode(slurp(repo_root() . '/conf/questionnaire.json'));
ok($schema && ref $schema->{sections} eq 'ARRAY', 'conf/questionnaire.json parses');

sub broken_schema {
    my ($name, $mutate) = @_;
    my $copy = json_decode(json_encode($schema));
    $mutate->($copy);
    my $file = test_dir() . "/$name.json";
    spew($file, json_encode($copy));
    return $file;
}

sub field_of {
    my ($s, $name) = @_;
    my ($f) = grep { $_->{name} eq $name } map { @{ $_->{fields} } } @{ $s->{sections} };
    return $f;
}

my @schemas = (
    ['max-over-options', 'priorites',
        sub { field_of($_[0], 'priorites')->{max} = 7 }],
    ['min-over-max', 'priorites',
        sub { field_of($_[0], 'priorites')->{min} = 3;
              field_of($_[0], 'priorites')->{max} = 2 }],
    ['unknown-type', 'vision',
        sub { field_of($_[0], 'vision')->{type} = 'date' }],
    ['condition-later', 'age',
        sub { field_of($_[0], 'age')->{visible_if} = { field => 'email', in => ['x'] } }],
    ['condition-cycle', 'benevoles',
        sub { field_of($_[0], 'benevoles')->{visible_if} = { all => [
                  { field => 'profil', in => ['reseau'] },
                  { field => 'benevoles', in => ['1'] } ] } }],
    ['condition-unknown', 'accompagnement',
        sub { field_of($_[0], 'accompagnement')->{visible_if}{field} = 'soutien' }],
    ['condition-option', 'cooperation',
        sub { field_of($_[0], 'cooperation')->{visible_if}{in} = ['pirate'] }],
    ['matrix-labels', 'accord',
        sub { pop @{ field_of($_[0], 'accord')->{labels} } }],
    ['duplicate-option', 'departement',
        sub { push @{ field_of($_[0], 'departement')->{options} },
                  { value => '14', label => 'Calvados encore' } }],
    ['duplicate-field', 'email',
        sub { push @{ $_[0]{sections}[0]{fields} }, { %{ field_of($_[0], 'email') } } }],
    ['no-options', 'profil',
        sub { field_of($_[0], 'profil')->{options} = [] }],
);

for my $case (@schemas) {
    my ($name, $field, $mutate) = @$case;
    my $file = broken_schema($name, $mutate);
    my $conf = module_conf();
    $conf =~ s{%%CONF%%/questionnaire\.json}{$file};
    ($code, $out) = conf_test($conf);
    isnt($code, 0, "schema $name: nginx -t fails");
    like($out, qr/\Q$name.json\E/, "schema $name: message names the file") or diag $out;
    like($out, qr/\b\Q$field\E\b/, "schema $name: message names the field \"$field\"") or diag $out;
}

my $truncated = test_dir() . '/truncated.json';
spew($truncated, substr(slurp(repo_root() . '/conf/questionnaire.json'), 0, 300));
my $conf = module_conf();
$conf =~ s{%%CONF%%/questionnaire\.json}{$truncated};
($code, $out) = conf_test($conf);
isnt($code, 0, 'a schema that is not JSON fails');
like($out, qr/truncated\.json/, 'and the message names the file') or diag $out;

$conf = module_conf();
$conf =~ s{%%CONF%%/questionnaire\.json}{%%TMP%%/nonexistent.json};
($code, $out) = conf_test($conf);
isnt($code, 0, 'a missing schema file fails');
like($out, qr/nonexistent\.json/, 'and the message names the file') or diag $out;

# ---- directives the form needs
($code, $out) = conf_test(module_conf(drop => ['concertation_redis']));
isnt($code, 0, 'concertation_form without concertation_redis fails');
like($out, qr/concertation_redis\b/, 'and the message says concertation_redis is needed')
    or diag $out;

($code, $out) = conf_test(module_conf(drop => ['concertation_secret']));
isnt($code, 0, 'concertation_form without concertation_secret fails');
like($out, qr/concertation_secret/, 'and the message says concertation_secret is needed')
    or diag $out;

($code, $out) = conf_test(module_conf(drop => ['concertation_secret'],
    http => 'concertation_secret short;'));
isnt($code, 0, 'a secret shorter than 16 bytes fails');
like($out, qr/concertation_secret/, 'and the message names the directive') or diag $out;

# ---- malformed values, each named in the message with file:line
my @values = (
    ['concertation_redis_timeout', '5x'],
    ['concertation_redis_connect_timeout', 'soon'],
    ['concertation_retry_after', '-3s'],
    ['concertation_redis_database', 'zero'],
    ['concertation_redis', '127.0.0.1:99999'],
    ['concertation_redis', '127.0.0.1:'],
);
for my $v (@values) {
    my ($directive, $value) = @$v;
    ($code, $out) = conf_test(module_conf(drop => [$directive],
        http => "$directive $value;"));
    isnt($code, 0, "$directive $value: nginx -t fails");
    like($out, qr/\Q$value\E/, "$directive $value: message names the value") or diag $out;
    like($out, qr/nginx\.conf:\d+/, "$directive $value: message gives file:line") or diag $out;
}

($code, $out) = conf_test(module_conf(server => 'location = /api/autre {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_redis_timeout 2s;
            concertation_redis_prefix "autre:";
            concertation_thanks /ailleurs.html;
        }'));
is($code, 0, 'timeout, prefix and thanks accepted at location level') or diag $out;


# ---- errors found once parsing is over name the directive's file and line
sub names_line {
    my ($out, $want, $what) = @_;
    my ($file, $line) = $out =~ /\bin (\S+):(\d+)\s*$/m;
    ok(defined $file, "$what: the message gives file:line") or diag $out;
    return unless defined $file;
    my @lines = split /\n/, slurp($file) // '';
    like($lines[$line - 1] // '', qr/\Q$want\E/,
         "$what: line $line is the \"$want\" directive") or diag $out;
}

($code, $out) = conf_test(module_conf(drop => ['concertation_secret']));
names_line($out, 'concertation_form questionnaire', 'no secret');

($code, $out) = conf_test(module_conf(drop => ['concertation_redis']));
names_line($out, 'concertation_form questionnaire', 'no Redis');

($code, $out) = conf_test(module_conf(location => 'concertation_form_token on;
            concertation_form_min_time 3h;
            concertation_form_max_age 1h;'));
isnt($code, 0, 'min_time >= max_age in a location fails');
like($out, qr/concertation_form_min_time" must be shorter/, '... said')
    or diag $out;
names_line($out, 'concertation_form_min_time 3h', 'min_time >= max_age');

my $cdir = test_dir();
spew("$cdir/events.json", json_encode({ events => [
    { id => 'atelier-a', kind => 'atelier', title => 'A', capacity => 5,
      waitlist => 0 },
    { id => 'atelier-b', kind => 'atelier', title => 'B', capacity => 5,
      waitlist => 0 } ] }));
my $ischema = json_decode(slurp(repo_root() . '/conf/inscription.json'));
$ischema->{fields}[0]{options} = [ { value => 'atelier-a', label => 'A' } ];
spew("$cdir/inscription.json", json_encode($ischema));

($code, $out) = conf_test(module_conf(http => "concertation_events $cdir/events.json;",
    server => "location = /api/inscription {
            concertation_form inscription $cdir/inscription.json;
            concertation_registration on;
        }"));
isnt($code, 0, 'a programme event missing from the registration schema fails');
like($out, qr/atelier-b/, '... and the message names the event') or diag $out;
names_line($out, "concertation_form inscription $cdir/inscription.json",
           'programme event missing');

# ---- a zone name belongs to one kind of zone: both uses named
($code, $out) = conf_test(module_conf(
    http => "concertation_spool $cdir/spool;",
    location => 'concertation_limit zone=concertation_spool_keys rate=5r/m;'));
isnt($code, 0, 'a limit on the spool\'s zone fails nginx -t');
like($out, qr/concertation_spool_keys.*"concertation_spool".*"concertation_limit"/,
     '... naming both uses') or diag $out;

($code, $out) = conf_test(module_conf(
    http => "concertation_events $cdir/events.json;
    concertation_limit_zone zone=concertation_events:1m;",
    server => 'location = /api/evenements { concertation_events_status; }'));
isnt($code, 0, 'a limit zone named like the programme\'s cache fails');
like($out, qr/"concertation_events".*"concertation_limit_zone".*"concertation_events_status"/,
     '... naming both uses') or diag $out;

($code, $out) = conf_test(module_conf(
    http => 'concertation_limit_zone zone=concertation_status:1m;'));
isnt($code, 0, 'a limit zone named like the status counters fails');
like($out, qr/"concertation_status".*"concertation_limit_zone".*"concertation_status"/,
     '... naming both uses') or diag $out;

($code, $out) = conf_test(module_conf(
    http => 'concertation_limit_zone zone=pareil:1m;
    limit_req_zone $binary_remote_addr zone=pareil:1m rate=1r/s;'));
isnt($code, 0, 'a zone of nginx\'s limit_req with the same name fails');
like($out, qr/pareil/, '... naming the zone') or diag $out;

($code, $out) = conf_test(module_conf(
    http => 'concertation_limit_zone zone=a:1m; concertation_limit_zone zone=b:1m;',
    location => 'concertation_limit zone=a rate=5r/m; concertation_limit zone=b rate=50r/d;'));
is($code, 0, 'two limit zones of the module\'s own kind pass') or diag $out;

finish();
done_testing();
