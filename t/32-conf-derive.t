# tools/conf-derive, which derives make run's and the image's nginx.conf
# from the production files: each kind of override on a small base, and
# the errors that keep an override from going stale silently.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;

my $root = repo_root();
my $dir = test_dir();

spew("$dir/site.conf", <<'CONF');
# a comment, not copied
log_format  f  'one "two" '
               'three';
access_log  /var/log/nginx/a.log f;
limit  a;
limit  b;
server {
    listen  80;
    return  301 https://example$request_uri;
}
server {
    listen  443 ssl;
    listen  [::]:443 ssl;
    ssl_certificate      /etc/ssl/c.pem;
    ssl_certificate_key  /etc/ssl/k.pem;
    add_header  A "1";
    add_header  Strict-Transport-Security "max-age=1";
    location = /api {
        origin  https://example;
    }
}
CONF
spew("$dir/main.conf", <<'CONF');
user www-data;
events { worker_connections 768; }
http {
    include /etc/site;
}
CONF

sub derive {
    my (@args) = @_;
    my $out = "$dir/out";
    unlink $out;
    my $pid = Concertation::Test::spawn($out, 'perl', "$root/tools/conf-derive", @args);
    my $st = Concertation::Test::wait_pid($pid, 20);
    return ($st, slurp($out) // '');
}

spew("$dir/ok.overrides", <<'CONF');
path /var/log/nginx/ @RUN@/;
-user;
events { worker_connections 1024; }
http {
    limit c;
    limit d;
    +extra 1;
    -server 80;
    server 443 {
        listen 127.0.0.1:@PORT@;
        -ssl_*;
        -add_header Strict-Transport-Security;
        location = /api {
            origin http://127.0.0.1:@PORT@;
            +origin_missing allow;
        }
    }
}
CONF
my ($st, $out) = derive('-i', "/etc/site=$dir/site.conf", '-D', 'RUN=/r',
    '-D', 'PORT=8080', "$dir/main.conf", "$dir/ok.overrides");
is($st, 0, 'derives') or diag $out;
like($out, qr/\A# Derived by tools\/conf-derive from \S+main\.conf and \S+site\.conf\n# with \S+ok\.overrides: do not edit/,
     'says where it comes from');
unlike($out, qr/a comment/, 'comments are not copied');
unlike($out, qr/\buser\b/, '-user removes');
like($out, qr/events \{\n    worker_connections 1024;\n\}/, 'a block selected, its directive replaced');
like($out, qr/access_log \/r\/a\.log f;/, 'the path moved');
unlike($out, qr/include/, 'the included file in its place');
like($out, qr/log_format f 'one "two" '\s+'three';/, 'quoted words kept as they are');
like($out, qr/limit c;\n    limit d;\n/, 'the overrides\' lines take the place of the first one');
unlike($out, qr/limit [ab];/, '... the others go');
like($out, qr/extra 1;/, '+ adds');
unlike($out, qr/listen 80;|301/, '-server 80 removes that server');
like($out, qr/server \{\n        listen 127\.0\.0\.1:8080;\n/, 'server 443 selected, listen replaced (both)');
unlike($out, qr/\[::\]|ssl_/, '... the IPv6 listen and the ssl_* directives gone');
like($out, qr/add_header A "1";/, '-add_header Strict-Transport-Security keeps the other add_header');
unlike($out, qr/Strict-Transport-Security/, '... and removes that one');
like($out, qr/origin http:\/\/127\.0\.0\.1:8080;\n\s+origin_missing allow;/, 'a location selected');

# errors: what no longer matches the base is said, with its line
my %bad = (
    "http {\n    server 8443 {\n        listen 1;\n    }\n}\n" => qr/:2: "server 8443" selects 0 blocks, not one/,
    "http {\n    -nothing;\n}\n"                          => qr/:2: -nothing : nothing to remove/,
    "path /nowhere/ /x/;\n"                               => qr/:1: no word of the base starts with \/nowhere\//,
    "http {\n    limit \@NOPE\@;\n}\n"                     => qr/:2: no value for \@NOPE\@/,
    "http {\n    location = /x {\n        a 1;\n    }\n}\n" => qr/selects 0 blocks/,
    "http {\n    limit a\n"                               => qr/unexpected end of file/,
);
for my $text (sort keys %bad) {
    spew("$dir/bad.overrides", $text);
    my ($s, $o) = derive('-i', "/etc/site=$dir/site.conf", "$dir/main.conf", "$dir/bad.overrides");
    (my $what = $text) =~ s/\s+/ /g;
    isnt($s, 0, "refused: $what");
    like($o, $bad{$text}, '... and said');
}
($st, $out) = derive("$dir/main.conf", "$dir/ok.overrides");
isnt($st, 0, 'without -i, "server 443" is not found');
($st, $out) = derive('-i', "/etc/other=$dir/site.conf", "$dir/main.conf", "$dir/ok.overrides");
like($out, qr/no "include \/etc\/other;" to replace/, 'an -i that matches no include is an error');

finish();
done_testing();
