#!/bin/sh
# Lays the image's own files out under DESTDIR, beside what
# "make install DESTDIR=..." put there (the module and the export tool):
# the build stage of docker/Dockerfile runs it from the source tree, and
# the runtime stage copies DESTDIR to /.  docker/build-steps.sh runs the
# same line on this machine into a scratch root.
#
#   docker/install.sh DESTDIR
#
#   /usr/local/bin/concertation-entrypoint      docker/entrypoint.sh
#   /usr/local/bin/concertation-notify-entrypoint
#                                               docker/notify-entrypoint.sh
#   /etc/concertation/nginx.conf                conf/nginx.prod.conf and the
#                                               site, with docker/nginx.overrides
#   /etc/concertation/{questionnaire,inscription,events}.json
#   /etc/concertation/security-headers.conf
#   /usr/share/concertation/html/               the site
#   /var/spool/concertation/                    the spool (a volume)
#   /var/lib/concertation/                      nginx's temporary files
#   /run/concertation/                          pid and the files written
#                                               by the entry point
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DESTDIR" >&2; exit 2; }
dest=$1

install -d "$dest/usr/local/bin" \
    "$dest/etc/concertation" "$dest/usr/share/concertation" \
    "$dest/var/spool/concertation" "$dest/var/lib/concertation" \
    "$dest/run/concertation"

install -m 0755 docker/entrypoint.sh "$dest/usr/local/bin/concertation-entrypoint"
install -m 0755 docker/notify-entrypoint.sh \
    "$dest/usr/local/bin/concertation-notify-entrypoint"
tools/conf-derive \
    -i /etc/nginx/sites-available/concertation=conf/concertation.site.conf \
    conf/nginx.prod.conf docker/nginx.overrides > "$dest/etc/concertation/nginx.conf"
chmod 0644 "$dest/etc/concertation/nginx.conf"
install -m 0644 conf/questionnaire.json \
    conf/inscription.json conf/events.json conf/security-headers.conf \
    "$dest/etc/concertation/"

rm -rf "$dest/usr/share/concertation/html"
cp -R html "$dest/usr/share/concertation/html"
chmod -R u=rwX,go=rX "$dest/usr/share/concertation/html"
