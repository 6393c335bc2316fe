# make run as a person trying the site meets it: conf/run-dev.sh itself
# (production's configuration with conf/dev.overrides) started on free
# loopback ports in a directory of its own.  It has production's controls:
# the form token and its 5 s, the Origin check, and the rate limit, which
# lets five answers through at once and answers the sixth 429 (the number
# the README and run-dev.sh give); Ctrl-C (SIGINT) stops everything it
# started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use File::Spec;
use Time::HiRes qw(time sleep);

need_module();

my $root = repo_root();
my $dir = test_dir();
my $notify = File::Spec->rel2abs($ENV{CONCERTATION_NOTIFY} // "$root/build/concertation-notify");
-x $notify or BAIL_OUT("no concertation-notify at $notify (make notify)");

my %port = map { $_ => Concertation::Test::free_port() }
    qw(PORT STATUS_PORT REDIS_PORT SMTP_PORT);
my $run = "$dir/run";
my $log = "$dir/run-dev.log";
my $pid;
{
    local $ENV{RUN_DIR} = $run;
    local @ENV{keys %port} = values %port;
    local $ENV{CONCERTATION_MODULE} = module_path();
    local $ENV{CONCERTATION_NOTIFY} = $notify;
    local $ENV{CONCERTATION_NGINX} = Concertation::Test::nginx_binary();
    $pid = Concertation::Test::spawn($log, 'bash', "$root/conf/run-dev.sh");
}
my $port = $port{PORT};
# stopped however the test ends (a BAIL_OUT too): SIGTERM, which
# run-dev.sh traps like Ctrl-C
END { Concertation::Test::stop_pid($pid, 'TERM', 30) if $pid && Concertation::Test::pid_alive($pid) }

my $deadline = time + 30;
sleep 0.1 while time < $deadline && (slurp($log) // "") !~ /concertation is running/
    && Concertation::Test::pid_alive($pid);
like(slurp($log) // '', qr/concertation is running/, 'make run starts')
    or BAIL_OUT("run-dev.sh:\n" . (slurp($log) // ''));
like(slurp($log), qr/the sixth within the minute gets 429/,
     'it says when the rate limit answers 429');

# what it serves is production's configuration, derived, not a copy
my $conf = slurp("$run/nginx.conf") // '';
like($conf, qr/^# Derived by tools\/conf-derive from \S*nginx\.prod\.conf and \S*concertation\.site\.conf/m,
     'build/run/nginx.conf is derived from the production files');
my ($ws, $we) = $conf =~ /concertation_window (\S+) (\S+);/;
is($conf, dev_conf(vars => {
        RUN => $run, MODULE => module_path(), %port{qw(PORT STATUS_PORT REDIS_PORT)},
        WINDOW_START => $ws, WINDOW_END => $we }),
   '... the same as the tests derive (dev_conf)');

my $res = http_request($port, 'GET', '/');
is($res->{status}, 200, 'the home page');
$res = http_request($port, 'GET', '/questionnaire.html');
is($res->{status}, 200, 'the questionnaire');
like($res->{body}, qr/name="_jeton" value="\d{13}\.[0-9a-f]{32}"/, '... with its form token');
$res = http_request($port{STATUS_PORT}, 'GET', '/status');
is($res->{status}, 200, 'the counters on the monitoring listener');
like($res->{body}, qr/^concertation_requests_total/m, '... in Prometheus text');

my $answer = json_decode(read_data('questionnaire.json'));
sub post_answer {
    my ($token, %h) = @_;
    return post_json($port, '/api/questionnaire', json_encode({ %$answer, _jeton => $token }), %h);
}

# production's abuse controls, and its rate limit, which counts every post
# of a client, refused or not: a post with a token of now is refused, and
# after 6 s the client may post five at once again
my $token = (json_decode(http_request($port, 'GET', '/api/jeton')->{body}) // {})->{jeton};
like($token // '', qr/^\d{13}\.[0-9a-f]{32}\z/, '/api/jeton gives a token');
is(post_answer($token)->{status}, 403, 'a token of now: 403 (5 s to fill the form)');
sleep 6.3;

# five at once, the sixth 429
my @status;
my $last;
my @ids;
for (1 .. 6) {
    $last = post_answer($token);
    push @status, $last->{status};
    push @ids, (json_decode($last->{body}) // {})->{id} if $last->{status} == 201;
}
is("@status", '201 201 201 201 201 429', 'five answers at once, the sixth 429');
is($last->{headers}{'retry-after'}, 6, '... with Retry-After 6 (one answer every 6 s)');

my $page = post_form($port, '/api/questionnaire',
    "vision=texte+gard%C3%A9&_jeton=$token&_site_web=", Accept => $BROWSER_ACCEPT);
is($page->{status}, 429, 'a person posting again: 429');
like($page->{headers}{'content-type'} // '', qr{^text/html}, '... a page');
like($page->{body}, qr/Trop d(?:'|&#39;)envois/, '... saying so in French');
like($page->{body}, qr/<header class="entete">/, '... in the site\'s look');

# one answer more 6 s later: production's Origin check refuses another
# site's, and the form without a token
sleep 6.3;
is(post_answer($token, Origin => 'https://evil.example')->{status}, 403,
   'a post from another site: 403');
sleep 6.3;
is(post_json($port, '/api/questionnaire', json_encode($answer))->{status}, 403,
   'no form token: 403');

my $redis_cli = sub {
    open my $fh, '-|', 'redis-cli', '-p', $port{REDIS_PORT}, @_ or return '';
    local $/;
    my $o = <$fh> // '';
    close $fh;
    $o =~ s/\s+\z//;
    return $o;
};
is($redis_cli->('XLEN', $STREAM), 5, 'the five answers are in the private Redis');

# the README's look-up of a log line's entry, as written (with this Redis's
# port), for the third answer: the access log's id= is the answer's id
my $access = slurp("$run/concertation.access.log") // '';
like($access, qr/outcome=accepted id=\Q$ids[2]\E$/m, 'the access log has the answer\'s id');
my $block = readme_block('t/31-make-run.t');
ok($block =~ s/^id=\S+/id=$ids[2]/m, 'README: the look-up starts from the id of a log line');
ok($block =~ s/\bredis-cli\b/redis-cli -p $port{REDIS_PORT}/g, 'README: ... with redis-cli');
spew("$dir/lookup.sh", $block);
my $lp = Concertation::Test::spawn("$dir/lookup.out", 'bash', '-e', "$dir/lookup.sh");
is(Concertation::Test::wait_pid($lp, 20), 0, 'the README\'s look-up runs');
my @out = split /\n/, slurp("$dir/lookup.out") // '';
my $entry = $redis_cli->('XRANGE', $STREAM, '-', '+');
my ($want) = $entry =~ /^(\d+-\d+)\nid\n\Q$ids[2]\E$/m;
ok($want, 'the entry, read directly');
is($out[0], $want, '... is the one the look-up prints first, its own id');
is_deeply([@out[1, 2]], ['id', $ids[2]], '... then its id field');
like(join("\n", @out), qr/^data\n\{"profil":/m, '... and the answer');

# Ctrl-C stops nginx, Redis, the catcher and the notifier
my $nginx_pid = slurp("$run/nginx.pid") // '';
chomp $nginx_pid;
ok($nginx_pid =~ /^\d+\z/ && kill(0, $nginx_pid), 'nginx runs');
kill 'INT', $pid;
my $st = Concertation::Test::wait_pid($pid, 30);
ok(defined $st, 'Ctrl-C ends make run');
like(slurp($log), qr/stopped\./, '... which says so');
ok(!kill(0, $nginx_pid), '... nginx is stopped');
ok(!Concertation::Test::port_accepts($port{REDIS_PORT}), '... Redis too');
ok(!Concertation::Test::port_accepts($port{SMTP_PORT}), '... and the mail catcher');
$pid = undef if defined $st;

finish();
done_testing();
