#!/usr/bin/python3
"""A mail catcher on loopback, for the tests and `make run`: an SMTP server
(Debian's python3-aiosmtpd) that keeps every message it accepts as a file
DIR/NNNN.eml, in arrival order, and refuses on demand.

    smtp_catcher.py --listen 127.0.0.1:2525 --dir build/run/mail
                    [--refuse REGEX] [--tempfail REGEX]

--refuse: a recipient matching REGEX gets "550 5.1.1" (refused for good);
--tempfail: "451 4.3.0" (try again later).  Prints "ready" once listening;
SIGTERM or SIGINT stops it.
"""

import argparse
import os
import re
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Catcher:
    def __init__(self, folder, refuse, tempfail):
        self.folder = folder
        self.refuse = re.compile(refuse) if refuse else None
        self.tempfail = re.compile(tempfail) if tempfail else None
        self.lock = threading.Lock()
        self.count = len([f for f in os.listdir(folder) if f.endswith('.eml')])

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse and self.refuse.search(address):
            return '550 5.1.1 <%s>: mailbox unavailable' % address
        if self.tempfail and self.tempfail.search(address):
            return '451 4.3.0 <%s>: try again later' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = os.path.join(self.folder, '%04d.eml' % self.count)
        tmp = name + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(b'X-Envelope-From: ' + envelope.mail_from.encode() + b'\r\n')
            f.write(b'X-Envelope-To: ' + ','.join(envelope.rcpt_tos).encode()
                    + b'\r\n')
            f.write(envelope.original_content)
        os.rename(tmp, name)
        return '250 2.0.0 Message accepted'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--listen', required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--refuse')
    p.add_argument('--tempfail')
    a = p.parse_args()
    host, port = a.listen.rsplit(':', 1)
    os.makedirs(a.dir, exist_ok=True)

    handler = Catcher(a.dir, a.refuse, a.tempfail)
    # the raw bytes as received (original_content), UTF-8 allowed
    ctl = Controller(handler, hostname=host, port=int(port),
                     decode_data=False, enable_SMTPUTF8=True)
    ctl.start()
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    print('ready', flush=True)
    stop.wait()
    ctl.stop()


if __name__ == '__main__':
    sys.exit(main())
