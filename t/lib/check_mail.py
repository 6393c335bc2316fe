#!/usr/bin/python3
"""Reads the messages the catcher kept (t/lib/smtp_catcher.py) with the
standard library's e-mail parser, and their invitations with Debian's
python3-icalendar, and prints one JSON object per message: its headers
decoded, its MIME structure, its texts, and the invitation's properties.
A message that does not parse is reported with "error"."""

import email
import email.policy
import json
import sys

import icalendar


def one(path):
    raw = open(path, 'rb').read()
    out = {'file': path}
    try:
        m = email.message_from_bytes(raw, policy=email.policy.strict)
        head = raw.split(b'\r\n\r\n', 1)[0]
        out['header_ascii'] = all(b < 128 for b in head)
        out['crlf_only'] = b'\n' not in raw.replace(b'\r\n', b'')
        for h in ('From', 'To', 'Subject', 'Message-ID', 'Date',
                  'MIME-Version', 'X-Envelope-To'):
            out[h.lower()] = str(m[h]) if m[h] is not None else None
        out['to_count'] = len(m.get_all('To', []))
        out['bcc'] = m['Bcc'] is not None
        out['parts'] = [p.get_content_type() for p in m.walk()]
        out['charsets'] = [p.get_content_charset() for p in m.walk()
                           if p.get_content_maintype() == 'text']
        out['text'] = m.get_body(preferencelist=('plain',)).get_content()
        out['html'] = m.get_body(preferencelist=('html',)).get_content()
        for p in m.walk():
            if p.get_content_type() == 'text/calendar':
                out['ics_method_param'] = p.get_param('method')
                out['ics_filename'] = p.get_filename()
                cal = icalendar.Calendar.from_ical(p.get_payload(decode=True))
                ev = list(cal.walk('VEVENT'))
                tz = list(cal.walk('VTIMEZONE'))
                out['ics'] = {
                    'method': str(cal.get('METHOD')),
                    'vevents': len(ev),
                    'tzid': str(tz[0]['TZID']) if tz else None,
                    'uid': str(ev[0]['UID']),
                    'dtstart': ev[0].decoded('DTSTART').isoformat(),
                    'dtend': ev[0].decoded('DTEND').isoformat(),
                    'dtstart_tzid': ev[0]['DTSTART'].params.get('TZID'),
                    'location': str(ev[0].get('LOCATION')),
                    'summary': str(ev[0].get('SUMMARY')),
                    'description': str(ev[0].get('DESCRIPTION')),
                }
    except Exception as e:                      # reported, not raised
        out['error'] = '%s: %s' % (type(e).__name__, e)
    return out


if __name__ == '__main__':
    print(json.dumps([one(p) for p in sys.argv[1:]], ensure_ascii=False))
