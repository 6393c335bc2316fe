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
ok($schema && ref $schema->{fields} eq 'ARRAY', 'conf/questionnaire.json parses');

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
    my ($f) = grep { $_->{name} eq $name } @{ $s->{fields} };
    return $f;
}

my @schemas = (
    ['max-over-options', 'priorites',
        sub { field_of($_[0], 'priorites')->{max} = 7 }],
    ['min-over-max', 'priorites',
        sub { field_of($_[0], 'priorites')->{min} = 3;
              field_of($_[0], 'priorites')->{max} = 2 }],
    ['unknown-type', 'vision',
        sub { field_of($_[0], 'vision')->{type} = 'textarea' }],
    ['duplicate-option', 'departement',
        sub { push @{ field_of($_[0], 'departement')->{options} },
                  { value => '14', label => 'Calvados encore' } }],
    ['duplicate-field', 'email',
        sub { push @{ $_[0]{fields} }, { %{ field_of($_[0], 'email') } } }],
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

finish();
done_testing();
