package Concertation::Test;

# Integration test harness for the concertation nginx module, core Perl only.
#
#   use lib 't/lib';  (or: use FindBin; use lib "$FindBin::Bin/lib";)
#   use Concertation::Test;
#
#   my $redis = start_redis();
#   my $nginx = start_nginx(<<'CONF', redis => $redis);
#   load_module %%MODULE%%;
#   events { worker_connections 1024; }
#   http {
#       %%HTTP_COMMON%%
#       concertation_redis %%REDIS%%;
#       server { listen 127.0.0.1:%%PORT%%; ... }
#   }
#   CONF
#   my $res = http_request($nginx->port, 'POST', '/api/questionnaire',
#       headers => ['Content-Type' => 'application/json'], body => $json);
#   ...
#   finish();          # stops what was started, scans the logs
#   done_testing();
#
# Every process is started with fork/exec, tracked and stopped by its PID
# only.  Every wait is bounded.  Only 127.0.0.1 is used.

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::SHA qw(hmac_sha256_hex);
use Errno qw(EAGAIN EINTR EWOULDBLOCK EINPROGRESS);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More ();
use Time::HiRes qw(time sleep);

our @EXPORT = qw(
    repo_root module_path test_dir slurp spew
    start_redis start_sentinel start_nginx nginx_t http_request http_connect
    post_json post_form json_decode json_encode client_key
    scan_log finish need_module module_conf uuid7_ms rfc3339_ms_epoch
    read_data schema_fields dev_conf readme_block $BROWSER_ACCEPT $SECRET $FORM_PATH $STREAM
);

# The fields of a decoded questionnaire definition, in order, whether it
# has sections or a flat "fields" list (references: changes stick).
sub schema_fields {
    my ($schema) = @_;
    return @{ $schema->{fields} } if $schema->{fields};
    return map { @{ $_->{fields} } } @{ $schema->{sections} || [] };
}

# The secret, location and stream of the standard module configuration.
our $SECRET = '0123456789abcdef0123456789abcdef';
our $FORM_PATH = '/api/questionnaire';
our $STREAM = 'concertation:questionnaire';

our $BROWSER_ACCEPT =
    'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

$SIG{PIPE} = 'IGNORE';

my $OWNER = $$;          # only the test process itself tears down
my @REDIS;               # instances started by this test file
my @NGINX;
my $TMP;
my $FINISHED = 0;

my $JSON = JSON::PP->new->utf8->canonical;

sub json_decode { my $r = eval { $JSON->decode($_[0]) }; return $r }
sub json_encode { return $JSON->encode($_[0]) }

# --------------------------------------------------------------- paths ---

# t/lib/Concertation/Test.pm -> repository root, wherever it is checked out.
sub repo_root {
    return abs_path(dirname(__FILE__) . '/../../..');
}

sub module_path {
    return $ENV{CONCERTATION_MODULE}
        // repo_root() . '/build/ngx_http_concertation_module.so';
}

sub nginx_binary { return $ENV{CONCERTATION_NGINX} // '/usr/sbin/nginx' }
sub redis_binary { return $ENV{CONCERTATION_REDIS} // '/usr/bin/redis-server' }

# One temporary directory per test file; workers (nobody) must traverse it.
sub test_dir {
    return $TMP if defined $TMP;
    my $name = $0;
    $name =~ s{.*/}{};
    $name =~ s{[^A-Za-z0-9_.-]}{_}g;
    $TMP = tempdir("concertation-$name-XXXXXX", TMPDIR => 1, CLEANUP => 0);
    chmod 0755, $TMP;
    return $TMP;
}

sub _subdir {
    my ($what) = @_;
    my $base = test_dir();
    for my $i (1 .. 1000) {
        my $d = "$base/$what-$i";
        next if -e $d;
        mkdir $d or die "mkdir $d: $!";
        chmod 0755, $d;
        return $d;
    }
    die "no free directory name under $base";
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or return undef;
    local $/;
    my $data = <$fh>;
    close $fh;
    return $data;
}

sub spew {
    my ($file, $data) = @_;
    open my $fh, '>:raw', $file or die "write $file: $!";
    print {$fh} $data;
    close $fh or die "close $file: $!";
    chmod 0644, $file;
}

sub free_port {
    my $s = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
        Listen => 1, ReuseAddr => 1,
    ) or die "cannot find a free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub port_accepts {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
        Timeout => 0.5,
    );
    return 0 unless $s;
    close $s;
    return 1;
}

# fork + exec with stdout and stderr to a file; returns the PID.
sub spawn {
    my ($log, @argv) = @_;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        print STDERR "exec $argv[0]: $!\n";
        POSIX::_exit(127);
    }
    return $pid;
}

# Sends a signal to one PID and waits (bounded) for it; escalates to
# SIGKILL on that same PID.  Returns the wait status, or undef if it was
# not ours / already gone.
sub stop_pid {
    my ($pid, $signal, $timeout) = @_;
    return undef unless $pid;
    kill $signal, $pid;
    my $status = wait_pid($pid, $timeout // 10);
    return $status if defined $status;
    kill 'KILL', $pid;
    return wait_pid($pid, 5);
}

sub wait_pid {
    my ($pid, $timeout) = @_;
    my $deadline = time + $timeout;
    while (time < $deadline) {
        my $r = waitpid($pid, WNOHANG);
        return $? if $r == $pid;
        return -1 if $r == -1;     # not our child or already reaped
        sleep 0.02;
    }
    return undef;
}

sub pid_alive {
    my ($pid) = @_;
    return 0 unless $pid;
    return 0 if waitpid($pid, WNOHANG) == $pid;
    return kill(0, $pid) ? 1 : 0;
}

# Children of a PID, from /proc (used for nginx worker processes).
sub child_pids {
    my ($ppid) = @_;
    my @kids;
    opendir my $dh, '/proc' or die "opendir /proc: $!";
    for my $p (grep { /^\d+$/ } readdir $dh) {
        my $stat = slurp("/proc/$p/stat") // next;
        my $rp = rindex($stat, ')');
        next if $rp < 0;
        my (undef, $pp) = split ' ', substr($stat, $rp + 2);
        push @kids, 0 + $p if defined $pp && $pp == $ppid;
    }
    closedir $dh;
    @kids = sort { $a <=> $b } @kids;
    return @kids;
}

# ----------------------------------------------------------------- log ---

our $BAD_LOG = qr/\[alert\]|\[emerg\]|AddressSanitizer|LeakSanitizer|runtime error:|open socket/;

# Lines of a file matching the bad-log pattern (minus allowed ones).
sub scan_log {
    my ($file, @allow) = @_;
    my $text = slurp($file) // return ();
    my @bad;
    for my $line (split /\n/, $text) {
        next unless $line =~ $BAD_LOG;
        next if grep { $line =~ $_ } @allow;
        push @bad, $line;
    }
    return @bad;
}

# ---------------------------------------------------------------- redis ---

sub start_redis { return Concertation::Test::Redis->start(@_) }
# Debian's redis-sentinel watching master => $redis as "mymaster" (or
# name => ...), quorum 2, down after 1 s; password => the sentinel's own.
sub start_sentinel { return Concertation::Test::Redis->start(sentinel => 1, @_) }

# ---------------------------------------------------------------- nginx ---

sub start_nginx { return Concertation::Test::Nginx->start(@_) }

# Runs "nginx -t" on a configuration template; returns (exit code, output).
sub nginx_t { return Concertation::Test::Nginx->config_test(@_) }

# ----------------------------------------------------------------- http ---

sub http_connect { return Concertation::Test::HTTP->new(@_) }

# One request on a fresh connection ("Connection: close").  Returns a hash:
# status (0 on failure), reason, headers (lower-cased names), body, elapsed,
# error.
sub http_request {
    my ($port, $method, $path, %o) = @_;
    my $t0 = time;
    my $res = eval {
        my $c = Concertation::Test::HTTP->new($port, timeout => $o{timeout});
        my @h = @{ $o{headers} // [] };
        push @h, Connection => 'close'
            unless grep { lc $_ eq 'connection' } @h[grep { !($_ % 2) } 0 .. $#h];
        my $r = $c->request($method, $path, %o, headers => \@h);
        $c->close;
        $r;
    };
    $res = { status => 0, headers => {}, body => '',
             error => ($@ || 'unknown error') } unless $res;
    $res->{elapsed} = time - $t0;
    return $res;
}

sub post_json {
    my ($port, $path, $body, @headers) = @_;
    return http_request($port, 'POST', $path,
        headers => ['Content-Type' => 'application/json', @headers],
        body => $body);
}

sub post_form {
    my ($port, $path, $body, @headers) = @_;
    return http_request($port, 'POST', $path,
        headers => ['Content-Type' => 'application/x-www-form-urlencoded',
                    @headers],
        body => $body);
}

# The pseudonymised client key the module must store for 127.0.0.1:
# HMAC-SHA256(secret, family 4, prefix 32, address bytes).
sub client_key {
    my ($secret, $ipv4) = @_;
    $ipv4 //= '127.0.0.1';
    my $msg = pack('CC', 4, 32) . pack('C4', split /\./, $ipv4);
    return hmac_sha256_hex($msg, $secret);
}

# ---------------------------------------------------------- the module ---

# What make run serves (conf/run-dev.sh): conf/nginx.prod.conf with the
# site in its place and conf/dev.overrides, then the overrides files of
# "overrides" (paths), derived by tools/conf-derive.  "vars" holds the
# placeholders' values (RUN, PORT, STATUS_PORT, REDIS_PORT, WINDOW_START,
# WINDOW_END; ROOT and MODULE are known); RUN gets the secret.conf
# run-dev.sh writes.  "harness" adds t/lib/harness.overrides, which leaves
# the workers, pid and error log to start_nginx.
sub dev_conf {
    my (%o) = @_;
    my $root = repo_root();
    my %v = (ROOT => $root, MODULE => module_path(), %{ $o{vars} // {} });
    die "dev_conf: no RUN\n" unless $v{RUN};
    mkdir "$v{RUN}/tmp";
    spew("$v{RUN}/secret.conf", "concertation_secret $SECRET;\n")
        unless -e "$v{RUN}/secret.conf";
    my @over = ("$root/conf/dev.overrides", @{ $o{overrides} // [] });
    push @over, "$root/t/lib/harness.overrides" if $o{harness};
    my $out = "$v{RUN}/conf-derive.out";
    unlink $out;
    my $pid = spawn($out, 'perl', "$root/tools/conf-derive",
        '-i', "/etc/nginx/sites-available/concertation=$root/conf/concertation.site.conf",
        (map { ('-D', "$_=$v{$_}") } sort keys %v),
        "$root/conf/nginx.prod.conf", @over);
    my $st = wait_pid($pid, 20);
    my $conf = slurp($out) // '';
    die "tools/conf-derive failed:\n$conf" unless defined $st && $st == 0;
    return $conf;
}

# The fenced block that follows "<!-- NAME runs this block -->" (or any
# comment naming NAME) in README.md: the tests run the README's commands as
# written.
sub readme_block {
    my ($name) = @_;
    my $readme = slurp(repo_root() . '/README.md') // '';
    my ($block) = $readme =~ /<!--[^>]*\Q$name\E[^>]*-->\n```[a-z]*\n(.*?)^```$/ms;
    die "README.md: no block after a comment naming $name\n" unless defined $block;
    return $block;
}

# The module must exist: without it the module tests fail (never skip).
sub need_module {
    my $m = module_path();
    return 1 if Test::More::ok(-f $m, "module built: $m");
    Test::More::diag('build it with "make module" (or set CONCERTATION_MODULE)');
    Test::More::done_testing();
    _cleanup();
    exit 1;
}

# The standard configuration of the module tests; pieces of configuration
# can be added at http, server and location level, or a directive of the
# http level dropped (drop => ['concertation_secret']).
sub module_conf {
    my (%o) = @_;
    my %drop = map { $_ => 1 } @{ $o{drop} // [] };
    my @http = (
        'concertation_redis %%REDIS%%;',
        'concertation_redis_connect_timeout 500ms;',
        'concertation_redis_timeout 1s;',
        "concertation_secret $SECRET;",
        'concertation_retry_after 5s;',
    );
    @http = grep { my ($d) = /^(\S+)/; !$drop{$d} } @http;
    my $http = join "\n    ", @http, $o{http} // ();
    my $server = $o{server} // '';
    my $location = $o{location} // '';
    return <<"CONF";
load_module %%MODULE%%;
events { worker_connections 1024; }
http {
    %%HTTP_COMMON%%
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        root html;
        location = $FORM_PATH {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            concertation_thanks /merci.html;
            client_max_body_size 64k;
            $location
        }
        $server
    }
}
CONF
}

# The two workload answers (t/data), as bytes.
sub read_data {
    my ($name) = @_;
    my $d = slurp(repo_root() . "/t/data/$name");
    die "cannot read t/data/$name" unless defined $d;
    $d =~ s/\n\z//;
    return $d;
}

# Unix time in ms of a UUIDv7 (8-4-4-4-12 lower-case hex, version 7,
# variant 10), undef when it is not one.
sub uuid7_ms {
    my ($id) = @_;
    return undef unless defined $id
        && $id =~ /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z/;
    no warnings 'portable';
    return hex($1 . $2);
}

# Unix time (float seconds) of "YYYY-MM-DDTHH:MM:SS.mmmZ", undef otherwise.
sub rfc3339_ms_epoch {
    my ($s) = @_;
    return undef unless defined $s
        && $s =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z\z/;
    require Time::Local;
    my $t = eval { Time::Local::timegm($6, $5, $4, $3, $2 - 1, $1) };
    return defined $t ? $t + $7 / 1000 : undef;
}

# -------------------------------------------------------------- teardown ---

# Stops every nginx and redis this test file started, by PID; fails a test
# for any alert/emerg/sanitizer line in their logs; removes the temporary
# directory when every test passed, leaves it (and says where) otherwise.
sub finish {
    my (%o) = @_;
    return if $FINISHED++;
    my @allow = @{ $o{allow} // [] };
    $_->stop for grep { $_->{pid} } @NGINX;
    $_->stop for grep { $_->{pid} } @REDIS;
    my @bad;
    for my $n (@NGINX) {
        for my $f ("$n->{prefix}/logs/error.log", "$n->{prefix}/logs/stderr.log") {
            push @bad, map { "$f: $_" } scan_log($f, @allow, @{ $n->{allow} });
        }
    }
    Test::More::ok(!@bad, 'no alert, emerg, sanitizer or open-socket line in the nginx logs')
        or Test::More::diag(join "\n", @bad[0 .. ($#bad < 30 ? $#bad : 29)]);
    _cleanup();
}

sub _cleanup {
    return unless defined $TMP && -d $TMP;
    my $tb = Test::More->builder;
    if ($tb->is_passing && !$ENV{CONCERTATION_KEEP}) {
        remove_tree($TMP);
    } else {
        Test::More::diag("test files left in $TMP");
    }
}

END {
    if ($$ == $OWNER && !$FINISHED) {
        local $?;
        for my $p (@NGINX, @REDIS) {
            stop_pid($p->{pid}, 'TERM', 5) if $p->{pid};
            $p->{pid} = undef;
        }
        Test::More::diag("test files left in $TMP") if defined $TMP;
    }
}

# ======================================================================
package Concertation::Test::Redis;

use strict;
use warnings;
use Time::HiRes qw(time sleep);

sub start {
    my ($class, %o) = @_;
    my $self = bless {
        dir        => Concertation::Test::_subdir('redis'),
        port       => $o{port} // Concertation::Test::free_port(),
        password   => $o{password},
        unixsocket => $o{unixsocket},
        extra      => $o{args} // [],
    }, $class;
    $self->{socket} = "$self->{dir}/redis.sock" if $self->{unixsocket};
    $self->_sentinel_conf(%o) if $o{sentinel};
    $self->_launch;
    push @REDIS, $self;
    return $self;
}

# The sentinel's configuration file, which it rewrites as it learns.
sub _sentinel_conf {
    my ($self, %o) = @_;
    my $m = $o{master} or die 'start_sentinel: master => $redis';
    my $name = $o{name} // 'mymaster';
    my @conf = ("port $self->{port}", 'bind 127.0.0.1', 'daemonize no',
        "dir $self->{dir}", 'logfile ""', 'protected-mode no',
        "sentinel monitor $name 127.0.0.1 " . $m->port . ' ' . ($o{quorum} // 2),
        "sentinel down-after-milliseconds $name " . ($o{down_after} // 1000),
        "sentinel failover-timeout $name " . ($o{failover_timeout} // 4000),
        "sentinel parallel-syncs $name 1");
    push @conf, "sentinel auth-pass $name $m->{password}" if defined $m->{password};
    push @conf, "requirepass $o{password}" if defined $o{password};
    Concertation::Test::spew("$self->{dir}/sentinel.conf", join("\n", @conf) . "\n");
    $self->{sentinel} = "$self->{dir}/sentinel.conf";
    $self->{password} = $o{password};
}

sub _launch {
    my ($self) = @_;
    if ($self->{sentinel}) {
        $self->{pid} = Concertation::Test::spawn("$self->{dir}/redis.log",
            '/usr/bin/redis-sentinel', $self->{sentinel});
        return $self->_wait_ping('redis-sentinel');
    }
    my @argv = (Concertation::Test::redis_binary(),
        '--port', $self->{port}, '--bind', '127.0.0.1',
        '--daemonize', 'no', '--appendonly', 'yes', '--appendfsync', 'always',
        '--dir', $self->{dir}, '--save', '', '--logfile', '',
        '--protected-mode', 'no');
    push @argv, '--requirepass', $self->{password} if defined $self->{password};
    push @argv, '--unixsocket', $self->{socket}, '--unixsocketperm', '777'
        if $self->{socket};
    push @argv, @{ $self->{extra} };
    $self->{pid} = Concertation::Test::spawn("$self->{dir}/redis.log", @argv);
    return $self->_wait_ping('redis-server');
}

sub _wait_ping {
    my ($self, $what) = @_;
    my $deadline = time + 10;
    while (time < $deadline) {
        my $r = eval { $self->cmd('PING') };
        return $self if defined $r && !ref $r && $r eq 'PONG';
        die "$what exited at start:\n" . $self->log_tail
            unless Concertation::Test::pid_alive($self->{pid});
        sleep 0.05;
    }
    die "$what did not answer PING within 10 s:\n" . $self->log_tail;
}

sub port  { $_[0]{port} }
sub pid   { $_[0]{pid} }
sub dir   { $_[0]{dir} }
sub addr  { "127.0.0.1:$_[0]{port}" }
sub socket_path { $_[0]{socket} }

sub log_tail {
    my ($self) = @_;
    my $t = Concertation::Test::slurp("$self->{dir}/redis.log") // '';
    my @l = split /\n/, $t;
    splice @l, 0, @l - 20 if @l > 20;
    return join("\n", @l) . "\n";
}

# A fresh connection (authenticated, database selected) per call.
sub client {
    my ($self, %o) = @_;
    my $c = Concertation::Test::RESP->new('127.0.0.1', $self->{port},
        timeout => $o{timeout} // 3);
    if (defined $self->{password}) {
        my $r = $c->command('AUTH', $self->{password});
        die "AUTH failed: $r->{message}" if ref $r eq 'HASH';
    }
    if ($o{db}) {
        my $r = $c->command('SELECT', $o{db});
        die "SELECT failed: $r->{message}" if ref $r eq 'HASH';
    }
    return $c;
}

# Runs one command; error replies come back as { message => "ERR ..." }.
sub cmd {
    my ($self, @args) = @_;
    my $c = $self->client;
    my $r = $c->command(@args);
    $c->close;
    return $r;
}

sub cmd_db {
    my ($self, $db, @args) = @_;
    my $c = $self->client(db => $db);
    my $r = $c->command(@args);
    $c->close;
    return $r;
}

# Entries of a stream, oldest first: { sid => "1-0", fields => {...},
# names => [field names in order] }.
sub stream {
    my ($self, $key, %o) = @_;
    my $r = $self->cmd_db($o{db} // 0, 'XRANGE', $key, '-', '+');
    die "XRANGE $key: $r->{message}" if ref $r eq 'HASH';
    my @entries;
    for my $e (@{ $r // [] }) {
        my ($sid, $kv) = @$e;
        my %f;
        my @names;
        for (my $i = 0; $i < @$kv; $i += 2) {
            push @names, $kv->[$i];
            $f{ $kv->[$i] } = $kv->[$i + 1];
        }
        push @entries, { sid => $sid, fields => \%f, names => \@names };
    }
    return @entries;
}

sub xlen {
    my ($self, $key, %o) = @_;
    my $r = $self->cmd_db($o{db} // 0, 'XLEN', $key);
    die "XLEN $key: $r->{message}" if ref $r eq 'HASH';
    return $r;
}

sub stop {
    my ($self) = @_;
    Concertation::Test::stop_pid($self->{pid}, 'TERM', 10) if $self->{pid};
    $self->{pid} = undef;
    return $self;
}

sub kill9 {
    my ($self) = @_;
    Concertation::Test::stop_pid($self->{pid}, 'KILL', 5) if $self->{pid};
    $self->{pid} = undef;
    return $self;
}

# Starts again on the same port with the same directory (AOF reload).
sub restart {
    my ($self) = @_;
    $self->stop if $self->{pid};
    my $deadline = time + 5;      # the port must be free again
    sleep 0.05 while time < $deadline && Concertation::Test::port_accepts($self->{port});
    $self->_launch;
    return $self;
}

sub pause  { my ($s) = @_; kill 'STOP', $s->{pid}; $s->{paused} = 1; $s }
sub resume { my ($s) = @_; kill 'CONT', $s->{pid}; $s->{paused} = 0; $s }

# ======================================================================
package Concertation::Test::RESP;

# A minimal RESP2 client: command arrays out, replies parsed with a
# deadline per reply.

use strict;
use warnings;
use Errno qw(EINTR);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

sub new {
    my ($class, $host, $port, %o) = @_;
    my $timeout = $o{timeout} // 3;
    my $s = IO::Socket::INET->new(
        PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
        Timeout => $timeout,
    ) or die "connect to redis $host:$port: $@\n";
    binmode $s;
    return bless { sock => $s, buf => '', timeout => $timeout }, $class;
}

sub encode {
    my (@args) = @_;
    my $out = '*' . scalar(@args) . "\r\n";
    for my $a (@args) {
        my $b = "$a";
        utf8::encode($b) if utf8::is_utf8($b);
        $out .= '$' . length($b) . "\r\n$b\r\n";
    }
    return $out;
}

sub command {
    my ($self, @args) = @_;
    $self->send_raw(encode(@args));
    return $self->read_reply;
}

sub send_raw {
    my ($self, $data) = @_;
    my $deadline = time + $self->{timeout};
    my $sel = IO::Select->new($self->{sock});
    while (length $data) {
        my $left = $deadline - time;
        die "redis write timeout\n" if $left <= 0;
        next unless $sel->can_write($left);
        my $n = syswrite($self->{sock}, $data);
        if (!defined $n) { next if $! == EINTR; die "redis write: $!\n" }
        substr($data, 0, $n, '');
    }
}

sub _fill {
    my ($self, $deadline) = @_;
    my $left = $deadline - time;
    die "redis read timeout\n" if $left <= 0;
    my $sel = IO::Select->new($self->{sock});
    return unless $sel->can_read($left);
    my $n = sysread($self->{sock}, $self->{buf}, 65536, length $self->{buf});
    die "redis read: $!\n" unless defined $n || $! == EINTR;
    die "redis closed the connection\n" if defined $n && $n == 0;
}

sub _line {
    my ($self, $deadline) = @_;
    while (1) {
        my $i = index($self->{buf}, "\r\n");
        return substr(substr($self->{buf}, 0, $i + 2, ''), 0, $i) if $i >= 0;
        $self->_fill($deadline);
    }
}

sub _bytes {
    my ($self, $n, $deadline) = @_;
    $self->_fill($deadline) while length($self->{buf}) < $n;
    return substr($self->{buf}, 0, $n, '');
}

# +simple -> string; -error -> { message => ... }; :int -> number;
# $bulk -> string or undef; *array -> arrayref or undef.
sub read_reply {
    my ($self, $deadline) = @_;
    $deadline //= time + $self->{timeout};
    my $line = $self->_line($deadline);
    my ($t, $rest) = (substr($line, 0, 1), substr($line, 1));
    return $rest if $t eq '+';
    return { message => $rest } if $t eq '-';
    return 0 + $rest if $t eq ':';
    if ($t eq '$') {
        return undef if $rest < 0;
        return substr($self->_bytes($rest + 2, $deadline), 0, $rest);
    }
    if ($t eq '*') {
        return undef if $rest < 0;
        return [ map { $self->read_reply($deadline) } 1 .. $rest ];
    }
    die "bad RESP reply line: $line\n";
}

sub close { my ($self) = @_; close $self->{sock} if $self->{sock}; $self->{sock} = undef }

# ======================================================================
package Concertation::Test::Nginx;

use strict;
use warnings;
use Time::HiRes qw(time sleep);

# Written inside http {}: keeps nginx away from /var/lib/nginx and
# /var/log/nginx (relative paths are relative to the -p prefix).
our $HTTP_COMMON = join "\n    ",
    'access_log logs/access.log;',
    'client_body_temp_path client_body_temp;',
    'proxy_temp_path proxy_temp;',
    'fastcgi_temp_path fastcgi_temp;',
    'uwsgi_temp_path uwsgi_temp;',
    'scgi_temp_path scgi_temp;';

sub _render {
    my ($self, $template, %o) = @_;
    my $root = Concertation::Test::repo_root();
    my %v = (
        PORT        => $self->{port},
        MODULE      => Concertation::Test::module_path(),
        ROOT        => $root,
        CONF        => "$root/conf",
        PREFIX      => $self->{prefix},
        TMP         => Concertation::Test::test_dir(),
        HTTP_COMMON => $HTTP_COMMON,
        %{ $o{vars} // {} },
    );
    if (my $r = $o{redis}) {
        $v{REDIS} = $r->addr;
        $v{REDIS_SOCKET} = $r->socket_path if $r->socket_path;
    }
    my $conf = $template;
    $conf =~ s{%%([A-Z_0-9]+)%%}{
        defined $v{$1} ? $v{$1} : die "no value for placeholder %%$1%%\n"
    }ge;
    return $conf;
}

sub _globals {
    my ($self, $workers, $log) = @_;
    return "daemon off; master_process on; worker_processes $workers; "
        . "pid $self->{prefix}/nginx.pid; error_log $log info;";
}

sub _prepare {
    my ($class, $template, %o) = @_;
    my $self = bless {
        prefix  => Concertation::Test::_subdir('nginx'),
        port    => $o{port} // Concertation::Test::free_port(),
        workers => $o{workers} // 2,
        allow   => $o{allow} // [],
    }, $class;
    mkdir "$self->{prefix}/$_" for qw(logs html);
    chmod 0755, "$self->{prefix}/$_" for qw(logs html);
    for my $f (keys %{ $o{files} // {} }) {     # e.g. html/index.html
        Concertation::Test::spew("$self->{prefix}/$f", $o{files}{$f});
    }
    $self->{conf} = "$self->{prefix}/nginx.conf";
    Concertation::Test::spew($self->{conf}, $self->_render($template, %o));
    return $self;
}

sub start {
    my ($class, $template, %o) = @_;
    my $self = $class->_prepare($template, %o);
    my $log = "$self->{prefix}/logs/error.log";
    $self->{pid} = Concertation::Test::spawn("$self->{prefix}/logs/stderr.log",
        Concertation::Test::nginx_binary(), '-p', "$self->{prefix}/",
        '-c', $self->{conf}, '-e', $log,
        '-g', $self->_globals($self->{workers}, $log));
    push @NGINX, $self;
    my $deadline = time + 10;
    while (time < $deadline) {
        if (!Concertation::Test::pid_alive($self->{pid})) {
            $self->{pid} = undef;
            die "nginx exited at start:\n" . $self->logs_tail;
        }
        if (Concertation::Test::port_accepts($self->{port})) {
            # workers up too, so that tests see them serving
            my $wd = time + 5;
            sleep 0.02 while time < $wd
                && Concertation::Test::child_pids($self->{pid}) < $self->{workers};
            return $self;
        }
        sleep 0.05;
    }
    die "nginx did not accept on port $self->{port} within 10 s:\n"
        . $self->logs_tail;
}

# (exit code, combined stdout+stderr) of "nginx -t" on a template.
sub config_test {
    my ($class, $template, %o) = @_;
    my $self = $class->_prepare($template, %o);
    my $log = "$self->{prefix}/logs/conftest.log";
    my $out = "$self->{prefix}/logs/conftest.out";
    my $pid = Concertation::Test::spawn($out,
        Concertation::Test::nginx_binary(), '-t', '-q', '-p', "$self->{prefix}/",
        '-c', $self->{conf}, '-e', $log,
        '-g', $self->_globals(1, $log));
    my $status = Concertation::Test::wait_pid($pid, 15);
    if (!defined $status) {
        Concertation::Test::stop_pid($pid, 'KILL', 5);
        return (-1, "nginx -t did not finish within 15 s\n"
            . (Concertation::Test::slurp($out) // ''));
    }
    my $code = $status == -1 ? -1 : ($status & 127 ? 128 + ($status & 127) : $status >> 8);
    return ($code, Concertation::Test::slurp($out) // '');
}

sub port   { $_[0]{port} }
sub pid    { $_[0]{pid} }
sub prefix { $_[0]{prefix} }
sub error_log_path { "$_[0]{prefix}/logs/error.log" }
sub error_log { Concertation::Test::slurp($_[0]->error_log_path) // '' }
sub workers { my @w = Concertation::Test::child_pids($_[0]{pid}); return @w }

sub logs_tail {
    my ($self) = @_;
    my $t = '';
    for my $f (qw(stderr.log error.log)) {
        my @l = split /\n/, Concertation::Test::slurp("$self->{prefix}/logs/$f") // '';
        splice @l, 0, @l - 25 if @l > 25;
        $t .= "--- $f\n" . join("\n", @l) . "\n";
    }
    return $t;
}

# Lets a test accept some log lines as expected, e.g. qr/\[alert\].*reason/.
sub allow_log { my ($self, $re) = @_; push @{ $self->{allow} }, $re; $self }

# HUP the master; waits (bounded) until none of the old workers is left and
# a full set of new ones runs.  Returns 1 on success, 0 on timeout.
sub reload {
    my ($self, %o) = @_;
    my %old = map { $_ => 1 } $self->workers;
    kill 'HUP', $self->{pid};
    my $deadline = time + ($o{timeout} // 10);
    while (time < $deadline) {
        my @now = $self->workers;
        return 1 if @now >= $self->{workers} && !grep { $old{$_} } @now;
        sleep 0.05;
    }
    return 0;
}

# Graceful stop (QUIT), bounded; TERM then KILL on the master PID only.
# Returns 1 when the master left on QUIT within the timeout.
sub stop {
    my ($self, %o) = @_;
    return 1 unless $self->{pid};
    my $pid = $self->{pid};
    my @workers = $self->workers;
    kill 'QUIT', $pid;
    my $status = Concertation::Test::wait_pid($pid, $o{timeout} // 10);
    my $graceful = defined $status ? 1 : 0;
    unless ($graceful) {
        Concertation::Test::stop_pid($pid, 'TERM', 5);
    }
    # the master's children exit with it; a leftover worker is killed by PID
    for my $w (@workers) {
        kill('KILL', $w) if kill(0, $w) && !$graceful;
    }
    $self->{pid} = undef;
    return $graceful;
}

# ======================================================================
package Concertation::Test::HTTP;

# A minimal HTTP/1.1 client on one connection: requests can be sent ahead
# (pipelining) and responses read in order.

use strict;
use warnings;
use Errno qw(EINTR);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

sub new {
    my ($class, $port, %o) = @_;
    my $timeout = $o{timeout} // 5;
    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
        Timeout => $timeout,
    ) or die "connect to 127.0.0.1:$port: $@\n";
    binmode $s;
    return bless { sock => $s, buf => '', timeout => $timeout, port => $port,
                   methods => [] }, $class;
}

sub format_request {
    my ($method, $path, %o) = @_;
    my @h = @{ $o{headers} // [] };
    my %has;
    for (my $i = 0; $i < @h; $i += 2) { $has{ lc $h[$i] } = 1 }
    my $body = $o{body};
    my $req = "$method $path HTTP/1.1\r\n";
    $req .= "Host: localhost\r\n" unless $has{host};
    for (my $i = 0; $i < @h; $i += 2) {
        $req .= "$h[$i]: $h[$i + 1]\r\n";
    }
    $req .= 'Content-Length: ' . length($body) . "\r\n"
        if defined $body && !$has{'content-length'} && !$has{'transfer-encoding'};
    return "$req\r\n" . ($body // '');
}

sub send_request {
    my ($self, $method, $path, %o) = @_;
    push @{ $self->{methods} }, $method;
    $self->send_raw(format_request($method, $path, %o), $o{timeout});
}

# Write errors are remembered, not fatal: nginx may answer (413) and close
# before the whole body is sent; the response is still to be read.
sub send_raw {
    my ($self, $data, $timeout) = @_;
    my $deadline = time + ($timeout // $self->{timeout});
    my $sel = IO::Select->new($self->{sock});
    while (length $data) {
        my $left = $deadline - time;
        die "http write timeout\n" if $left <= 0;
        next unless $sel->can_write($left);
        my $n = syswrite($self->{sock}, $data);
        if (!defined $n) {
            next if $! == EINTR;
            $self->{write_error} = "$!";
            return;
        }
        substr($data, 0, $n, '');
    }
}

sub _fill {
    my ($self, $deadline) = @_;
    my $left = $deadline - time;
    die "http read timeout\n" if $left <= 0;
    my $sel = IO::Select->new($self->{sock});
    return 1 unless $sel->can_read($left);
    my $n = sysread($self->{sock}, $self->{buf}, 65536, length $self->{buf});
    return 1 if !defined $n && $! == EINTR;
    return 0 if !defined $n || $n == 0;     # closed (or reset)
    return 1;
}

sub _need {
    my ($self, $len, $deadline) = @_;
    while (length($self->{buf}) < $len) {
        $self->_fill($deadline) or die "connection closed mid-response\n";
    }
}

sub read_response {
    my ($self, %o) = @_;
    my $deadline = time + ($o{timeout} // $self->{timeout});
    my $method = shift(@{ $self->{methods} }) // 'GET';
    my $end;
    while (($end = index($self->{buf}, "\r\n\r\n")) < 0) {
        $self->_fill($deadline)
            or die(length $self->{buf} ? "connection closed in headers\n"
                                       : "connection closed before a response\n");
    }
    my $head = substr($self->{buf}, 0, $end + 4, '');
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($status, $reason) = $status_line =~ m{^HTTP/1\.[01] (\d{3}) ?(.*)$}
        or die "bad status line: $status_line\n";
    my (%h, @raw);
    for my $l (@lines) {
        my ($n, $v) = $l =~ /^([^:]+):\s*(.*?)\s*$/ or next;
        push @raw, [$n, $v];
        $h{lc $n} = exists $h{lc $n} ? "$h{lc $n}, $v" : $v;
    }
    my $body = '';
    if ($method eq 'HEAD' || $status =~ /^(1..|204|304)$/) {
        # no body
    } elsif (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (1) {
            my $i;
            while (($i = index($self->{buf}, "\r\n")) < 0) {
                $self->_fill($deadline) or die "connection closed in chunk size\n";
            }
            my $size_line = substr($self->{buf}, 0, $i + 2, '');
            my ($hex) = $size_line =~ /^([0-9a-fA-F]+)/
                or die "bad chunk size: $size_line\n";
            my $size = hex $hex;
            if ($size == 0) {               # trailers until an empty line
                while (1) {
                    while (($i = index($self->{buf}, "\r\n")) < 0) {
                        $self->_fill($deadline) or die "connection closed in trailer\n";
                    }
                    my $t = substr($self->{buf}, 0, $i + 2, '');
                    last if $t eq "\r\n";
                }
                last;
            }
            $self->_need($size + 2, $deadline);
            $body .= substr($self->{buf}, 0, $size);
            substr($self->{buf}, 0, $size + 2, '');
        }
    } elsif (defined $h{'content-length'}) {
        my $len = $h{'content-length'};
        $self->_need($len, $deadline);
        $body = substr($self->{buf}, 0, $len, '');
    } else {
        1 while $self->_fill($deadline);
        $body = $self->{buf};
        $self->{buf} = '';
    }
    return { status => 0 + $status, reason => $reason, headers => \%h,
             raw_headers => \@raw, body => $body };
}

sub request {
    my ($self, $method, $path, %o) = @_;
    $self->send_request($method, $path, %o);
    return $self->read_response(%o);
}

# 1 when the peer closed the connection (EOF within the wait).
sub closed {
    my ($self, $wait) = @_;
    my $sel = IO::Select->new($self->{sock});
    return 0 unless $sel->can_read($wait // 0.5);
    my $n = sysread($self->{sock}, my $tmp, 1);
    return 1 if !defined $n || $n == 0;
    $self->{buf} .= $tmp;
    return 0;
}

sub close { my ($self) = @_; close $self->{sock} if $self->{sock}; $self->{sock} = undef }

1;
