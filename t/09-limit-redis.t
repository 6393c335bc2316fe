# Limits shared by several nginx servers: concertation_limit_redis counts
# the same limits in Redis, inside the store's one round trip.  Two nginx
# servers (each with its own shared-memory zone) share one Redis.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

need_module();

my $json = read_data('questionnaire.json');

my $conf = <<"CONF";
load_module %%MODULE%%;
events { worker_connections 1024; }
http {
    %%HTTP_COMMON%%
    concertation_redis %%REDIS%%;
    concertation_secret $SECRET;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    concertation_limit_zone zone=s:1m;
    concertation_limit_zone zone=dry:1m;
    concertation_limit_zone zone=ex:1m;
    concertation_limit_zone zone=off:1m;
    geo \$exempt { default 0; 192.0.2.50 1; }
    server {
        listen 127.0.0.1:%%PORT%%;
        root html;
        location = /s {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_limit zone=s rate=3r/m burst=3;
            concertation_limit_redis on;
        }
        location = /dry {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_limit zone=dry rate=1r/m;
            concertation_limit_redis on;
            concertation_limit_dry_run on;
            concertation_limit_log_level warn;
        }
        location = /ex {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_limit zone=ex rate=1r/m;
            concertation_limit_exempt \$exempt;
            concertation_limit_redis on;
        }
        location = /off {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_limit zone=off rate=1r/m;
        }
    }
}
CONF

my $redis = start_redis();
my $a = start_nginx($conf, redis => $redis);
my $b = start_nginx($conf, redis => $redis);

sub send_to {
    my ($n, $ip, $path) = @_;
    return post_json($n->port, $path, $json, 'X-Real-IP' => $ip);
}

sub limit_keys {
    my $r = $redis->cmd('KEYS', 'concertation:limit:*');
    return ref $r eq 'ARRAY' ? sort @$r : ();
}

# ---- one client, two servers: 3r/m burst=3 counted once for both
my $xlen = $redis->xlen($STREAM);
my @st = map { send_to($_, '192.0.2.1', '/s')->{status} } $a, $b, $a;
is("@st", '201 201 201', 'three answers through two servers: 201');

my $r = send_to($b, '192.0.2.1', '/s');
is($r->{status}, 429, 'the fourth, on the server that saw only one: 429')
    or diag explain $r;
my $ra = $r->{headers}{'retry-after'} // -1;
ok($ra >= 19 && $ra <= 20, "Retry-After $ra is one interval (20 s)");
is((json_decode($r->{body} // '') // {})->{errors}[0]{code}, 'rate_limited',
   'code rate_limited');
is(send_to($a, '192.0.2.1', '/s')->{status}, 429, 'and on the other server too');
is($redis->xlen($STREAM) - $xlen, 3, 'only the three accepted answers are stored');
like($b->error_log, qr/limiting requests counted in Redis, retry after \d+ s/,
     'the refusal is logged');

# ---- the state in Redis: one key per zone and pseudonymised client
my $key = 'concertation:limit:s:' . client_key($SECRET, '192.0.2.1');
is_deeply([limit_keys()], [$key],
          'one Redis key, named by the HMAC client key');
unlike(join(' ', limit_keys()), qr/192\.0\.2/, 'no address in Redis keys');
my $ttl = $redis->cmd('PTTL', $key);
ok($ttl > 0 && $ttl <= 61_000, "the key expires when its bucket is empty ($ttl ms)");

is(send_to($b, '192.0.2.2', '/s')->{status}, 201, 'another client has its own count');

# ---- EVAL survives SCRIPT FLUSH
$redis->cmd('SCRIPT', 'FLUSH');
is(send_to($a, '192.0.2.3', '/s')->{status}, 201, 'after SCRIPT FLUSH: 201');
is(send_to($a, '192.0.2.3', '/s')->{status}, 201, 'and the count goes on');

# ---- dry run: counted, logged, never refused
@st = map { send_to($_, '192.0.2.9', '/dry')->{status} } $a, $b, $a;
is("@st", '201 201 201', 'dry run: every answer 201');
like($a->error_log . $b->error_log,
     qr/limiting requests counted in Redis, dry run, retry after \d+ s/,
     'dry run: what would have been refused is logged');

# ---- exemption: not counted in Redis either
my @before = limit_keys();
@st = map { send_to($_, '192.0.2.50', '/ex')->{status} } $a, $b, $a;
is("@st", '201 201 201', 'exempt client: every answer 201');
ok(!grep({ /^concertation:limit:ex:/ } limit_keys()), 'exempt client: no Redis key');

# ---- without concertation_limit_redis, each server counts alone
is(send_to($a, '192.0.2.7', '/off')->{status}, 201, 'local only: first server 201');
is(send_to($b, '192.0.2.7', '/off')->{status}, 201,
   'local only: the second server has its own count');
ok(!grep({ /^concertation:limit:off:/ } limit_keys()), 'local only: nothing in Redis');

# ---- Redis down: 503, not a pass
$redis->stop;
$r = send_to($a, '192.0.2.4', '/s');
is($r->{status}, 503, 'Redis down: 503 (the shared count cannot be checked)');

finish();
done_testing();
