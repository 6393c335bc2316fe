# The layering check (t/layers) on the module's objects: it passes on the
# tree as it is, and it fails, saying why, when a lower file calls a higher
# one or a file grows past the size limit.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Concertation::Test;
use Test::More;
use File::Copy qw(copy);
use File::Path qw(make_path);

my $root = repo_root();
my $objs = $ENV{CONCERTATION_OBJS} // "$root/build/nginx/objs/addon";
ok(-d "$objs/src", "the module's objects are in $objs (make module)")
    or BAIL_OUT('build the module first');

sub layers {
    my ($dir, %env) = @_;
    local @ENV{keys %env} = values %env;
    my $out = `'$root/t/layers' '$dir' 2>&1`;
    return ($? >> 8, $out);
}

my ($code, $out) = layers($objs);
is($code, 0, 'the tree passes the layering check') or diag $out;
like($out, qr/^layers: ok/m, '... and says so');

# a planted upward call: the bottom file (conf) calling the store
my $dir = test_dir() . '/objs';
make_path("$dir/src", "$dir/core");
for my $sub (qw(src core)) {
    opendir my $dh, "$objs/$sub" or die "$objs/$sub: $!";
    copy("$objs/$sub/$_", "$dir/$sub/$_") for grep { /\.o\z/ } readdir $dh;
}
spew("$dir/planted.c",
    "extern int ngx_http_concertation_store_send(void);\n"
  . "int ngx_http_concertation_conf_planted(void)\n"
  . "{ return ngx_http_concertation_store_send(); }\n");
system('cc', '-c', '-o', "$dir/src/ngx_http_concertation_conf.o",
       "$dir/planted.c") == 0 or die 'cannot compile the planted object';

($code, $out) = layers($dir);
is($code, 1, 'an upward call fails the check');
like($out, qr/^layers: conf calls up into store \(ngx_http_concertation_store_send\)$/m,
     '... naming the caller, the callee and the symbol') or diag $out;

# a planted call into src/core from nowhere is fine; an nginx symbol in
# src/core is not
spew("$dir/core.c",
    "extern int ngx_palloc(void);\n"
  . "int cc_planted(void) { return ngx_palloc(); }\n");
system('cc', '-c', '-o', "$dir/core/cc_planted.o", "$dir/core.c") == 0
    or die 'cannot compile the planted core object';
($code, $out) = layers($dir);
like($out, qr/^layers: src\/core\/cc_planted\.c uses ngx_palloc$/m,
     'src/core naming an nginx symbol fails the check') or diag $out;

# sizes
($code, $out) = layers($objs, MAX_LINES => 100);
is($code, 1, 'files past the size limit fail the check');
like($out, qr/^layers: src\/ngx_http_concertation_module\.c has \d+ lines \(more than 100: split it\)$/m,
     '... each named with its size') or diag $out;

finish();
done_testing();
