# Bodies without a Content-Length, over TLS with a self-signed certificate:
# HTTP/2 (where the length is optional) and HTTP/1.1 chunked, sent by
# Debian's curl streaming its standard input.  Within the bound they are
# answers like any other (201, in the stream once); past it the 413 comes
# while the body is still being sent; an empty post is a 400.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);

need_module();

my $tmp = test_dir();
my $base = json_decode(read_data('questionnaire.json'));

# ---- a self-signed certificate for 127.0.0.1
my $cert = "$tmp/cert.pem";
my $key = "$tmp/key.pem";
system('sh', '-c', 'exec "$@" 2>/dev/null', 'sh', 'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
       '-nodes', '-days', '2', '-subj', '/CN=localhost',
       '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', $key, '-out', $cert,
      ) == 0
    or BAIL_OUT('openssl req failed');
ok(-s $cert && -s $key, 'a self-signed certificate');

my $redis = start_redis();
my $tls = Concertation::Test::free_port();
my $nginx = start_nginx(module_conf(http => <<"HTTP"), redis => $redis, vars => { TLS => $tls });
log_format bodies '\$server_protocol te=\$http_transfer_encoding cl=\$http_content_length \$status';
    server {
        access_log logs/bodies.log bodies;
        listen 127.0.0.1:%%TLS%% ssl http2;
        ssl_certificate $cert;
        ssl_certificate_key $key;
        location = $FORM_PATH {
            concertation_form questionnaire %%CONF%%/questionnaire.json;
            client_max_body_size 64k;
            client_body_buffer_size 64k;
        }
    }
HTTP
my $url = "https://127.0.0.1:$tls$FORM_PATH";

# curl streaming its standard input (-T -): no length, so HTTP/2 sends
# none and HTTP/1.1 sends chunks.  The body is written in pieces of $piece
# bytes; with open => 1 the input stays open after it, for up to 8 s, and
# the result tells whether curl ended (answered) before it was closed.
sub stream_post {
    my ($proto, $body, %o) = @_;
    my $out = "$tmp/out." . int(rand 1e9);
    my @cmd = ('curl', '-sS', '-k', $proto eq 'h2' ? '--http2' : '--http1.1',
        '-X', 'POST', '-T', '-', '-H', 'Content-Type: application/json',
        '-H', 'Expect:', '-o', "$out.body", '-D', "$out.head", '-w', '%{http_version} %{http_code}',
        '--max-time', '10', $url);
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $wr;
        POSIX::dup2(fileno $rd, 0);
        open STDOUT, '>', "$out.w" or POSIX::_exit(127);
        exec @cmd or POSIX::_exit(127);
    }
    close $rd;
    $wr->autoflush(1);
    my $piece = $o{piece} // 4096;
    local $SIG{PIPE} = 'IGNORE';
    for (my $i = 0; $i < length $body; $i += $piece) {
        last unless print {$wr} substr($body, $i, $piece);
        sleep 0.002;
    }
    my $ended_open = 0;
    if ($o{open}) {
        my $deadline = time + 8;
        while (time < $deadline) {
            if (waitpid($pid, POSIX::WNOHANG()) == $pid) { $ended_open = 1; last }
            sleep 0.05;
        }
    }
    close $wr;
    waitpid($pid, 0) unless $ended_open;
    my ($version, $status) = split ' ', slurp("$out.w") // '';
    my $res = { version => $version // '', status => $status // 0,
                body => slurp("$out.body") // '', head => slurp("$out.head") // '',
                ended_open => $ended_open };
    unlink "$out.w", "$out.body", "$out.head";
    return $res;
}

my (%acked, $n);

sub answer {
    my ($nonce) = @_;
    my %a = %$base;
    $a{vision} = "$base->{vision} NONCE-$nonce.";
    return json_encode(\%a);
}

for my $proto ('h2', 'h1') {
    my $v = $proto eq 'h2' ? '2' : '1.1';

    # within the bound, without a length
    for my $size (100, 4096) {
        my $nonce = "$proto-$size";
        my $r = stream_post($proto, answer($nonce), piece => $size);
        is($r->{version}, $v, "$proto, $size-byte pieces: HTTP/$v");
        is($r->{status}, 201, "$proto, $size-byte pieces: 201") or diag explain $r;
        my $id = (json_decode($r->{body}) // {})->{id};
        ok($id, "$proto, $size-byte pieces: an id") and $acked{$nonce} = $id;
    }
    # what the client sent, as nginx saw it: no length (and chunks); the
    # log line is written after the answer went out, so it may come a
    # moment after the client has it (under ASan, noticeably)
    my $seen = $proto eq 'h2' ? 'HTTP/2.0 te=- cl=- 201' : 'HTTP/1.1 te=chunked cl=- 201';
    my ($log, $count);
    for (my $deadline = time + 5; ; sleep 0.05) {
        $log = slurp("$nginx->{prefix}/logs/bodies.log") // '';
        $count = () = $log =~ /^\Q$seen\E$/mg;
        last if $count >= 2 || time > $deadline;
    }
    is($count, 2, "$proto: both posts came without a length ($seen)") or diag $log;

    # past the bound mid-stream: the 413 while the input is still open
    my $big = '{"vision":"' . ('a' x (200 * 1024)) . '"}';
    my $r = stream_post($proto, $big, open => 1);
    is($r->{status}, 413, "$proto, 200 KB without a length: 413") or diag explain $r;
    ok($r->{ended_open}, "$proto, 200 KB: answered while the body was still being sent");
    like($r->{body}, qr/"code"\s*:\s*"too_large"/, "$proto, 200 KB: the French 413 (too_large)");
    like($r->{body}, qr/trop volumineuse/, "$proto, 200 KB: says the answer is too large");

    # an empty post
    $r = stream_post($proto, '');
    is($r->{status}, 400, "$proto, an empty body without a length: 400") or diag explain $r;
    like($r->{body}, qr/"code"\s*:\s*"empty"/, "$proto, empty: code empty");
}

# HTTP/2 with no body at all (the stream ends with the headers)
my $o = `curl -sS -k --http2 -X POST -H 'Content-Type: application/json' -w ' %{http_version} %{http_code}' $url`;
like($o, qr/"code"\s*:\s*"empty".* 2 400$/s, 'h2, a POST with no DATA frame: 400 empty');

# h2 with a length still works, and a declared length over the bound is
# refused before the body
$o = `curl -sS -k --http2 --data-binary \@- -H 'Content-Type: application/json' -w ' %{http_code}' $url <<'EOF'\n${\ answer('h2-length')}\nEOF\n`;
like($o, qr/ 201$/, 'h2 with a Content-Length: 201');
my ($id) = $o =~ /"id"\s*:\s*"([^"]+)"/;
$acked{'h2-length'} = $id if $id;

# ---- every acknowledged answer is in the stream, once, with its nonce
my %by_nonce;
for my $e ($redis->stream($STREAM)) {
    my ($nonce) = ($e->{fields}{data} // '') =~ /NONCE-([a-z0-9-]+)\./;
    push @{ $by_nonce{$nonce // '?'} }, $e->{fields}{id};
}
is(scalar(keys %acked), 5, 'five answers acknowledged');
for my $nonce (sort keys %acked) {
    is_deeply($by_nonce{$nonce}, [$acked{$nonce}], "$nonce: stored once, with its id");
}
is($redis->xlen($STREAM), 5, 'nothing else stored (no part of a refused body)');

my $err = $nginx->error_log;
like($err, qr/client body without a length passed 65536 bytes/,
     'the refusal is logged (info), with the bound');

$nginx->stop;
$redis->stop;
finish();
done_testing();
