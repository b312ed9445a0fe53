#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reporting to a real rsyslog collector over mutual TLS (RELP and RFC 5425),
and to syslog-ng running the shipped collector configuration (RFC 5425).

Starts Debian's rsyslog (imrelp with TLS, imtcp with the ossl stream driver)
on 127.0.0.1 with certificates made here, drives the reporter with
report-emit (argv[1]) and checks what the collector wrote: every event
exactly once (by event.id), in order, fields intact, no PHI; outages,
kill -9, refused certificates and a full spool. TAP output.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.server
import ssl

EMIT = sys.argv[1] if len(sys.argv) > 1 else None
RECORD = re.compile(r'^<(\d+)>1 (\S+) (\S+) phiguard (\d+) (\S+) '
                    r'\[phiguard@32473 id="([^"]+)" seq="(\d+)"\] (.*)$')
PHI_VALUE = '9434765919'  # the NHS number whose redacted shape the events carry

tests_run = 0
tests_failed = 0


def ok(cond, what, diag=None):
    global tests_run, tests_failed
    tests_run += 1
    if not cond:
        tests_failed += 1
    print(('ok' if cond else 'not ok') + ' %d - %s' % (tests_run, what), flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines()[:20]:
            print('# ' + line, flush=True)


def skip_all(why):
    print('1..0 # SKIP ' + why)
    sys.exit(77)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Pki:
    """A test CA with server and client certificates, and an untrusted second CA."""

    def __init__(self, d):
        self.d = d
        self.ca = self._ca('ca', 'phiguard test CA')
        self.rogue_ca = self._ca('rogue-ca', 'rogue CA')
        self.server = self._leaf('server', 'ca', 'collector.test',
                                 'subjectAltName=DNS:collector.test,IP:127.0.0.1')
        self.client = self._leaf('client', 'ca', 'ward3-pc12', 'subjectAltName=DNS:ward3-pc12')
        self.rogue_client = self._leaf('rogue-client', 'rogue-ca', 'ward3-pc12',
                                       'subjectAltName=DNS:ward3-pc12')
        self.rogue_server = self._leaf('rogue-server', 'rogue-ca', 'collector.test',
                                       'subjectAltName=DNS:collector.test,IP:127.0.0.1')

    def _p(self, name):
        return os.path.join(self.d, name)

    def _ca(self, name, cn):
        run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
             '-nodes', '-days', '2', '-subj', '/CN=' + cn, '-keyout', self._p(name + '.key'),
             '-out', self._p(name + '.pem')])
        return self._p(name + '.pem')

    def _leaf(self, name, ca, cn, san):
        ext = self._p(name + '.ext')
        with open(ext, 'w') as f:
            f.write(san + '\nbasicConstraints=CA:FALSE\n'
                    'keyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n')
        run(['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
             '-subj', '/CN=' + cn, '-keyout', self._p(name + '.key'), '-out',
             self._p(name + '.csr')])
        run(['openssl', 'x509', '-req', '-in', self._p(name + '.csr'), '-CA',
             self._p(ca + '.pem'), '-CAkey', self._p(ca + '.key'), '-CAcreateserial', '-days',
             '2', '-extfile', ext, '-out', self._p(name + '.pem')])
        os.chmod(self._p(name + '.key'), 0o600)
        return (self._p(name + '.pem'), self._p(name + '.key'))


class Collector:
    """rsyslogd -n -f CONF -i PIDFILE, RELP over TLS and RFC 5425 on loopback."""

    def __init__(self, d, pki, server=None):
        self.d = d
        self.work = os.path.join(d, 'work')
        os.makedirs(self.work, exist_ok=True)
        self.out = os.path.join(d, 'received.log')
        self.relp_port = free_port()
        self.tls_port = free_port()
        self.proc = None
        cert, key = server or pki.server
        self.conf = os.path.join(d, 'rsyslog.conf')
        with open(self.conf, 'w') as f:
            f.write('''
global(workDirectory="{work}"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="{ca}"
       DefaultNetstreamDriverCertFile="{cert}"
       DefaultNetstreamDriverKeyFile="{key}")
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1"
       StreamDriver.AuthMode="x509/certvalid")
input(type="imtcp" port="{tls_port}" address="127.0.0.1")
module(load="imrelp" tls.tlslib="openssl")
input(type="imrelp" port="{relp_port}" address="127.0.0.1" tls="on"
      tls.cacert="{ca}" tls.mycert="{cert}" tls.myprivkey="{key}"
      tls.authmode="certvalid")
template(name="raw" type="string" string="%rawmsg%\\n")
action(type="omfile" file="{out}" template="raw" flushOnTXEnd="on")
'''.format(work=self.work, ca=pki.ca, cert=cert, key=key, tls_port=self.tls_port,
           relp_port=self.relp_port, out=self.out))

    def start(self):
        self.proc = subprocess.Popen(['rsyslogd', '-n', '-f', self.conf, '-i',
                                      os.path.join(self.d, 'rsyslogd.pid')],
                                     stdout=subprocess.DEVNULL, stderr=open(
                                         os.path.join(self.d, 'rsyslogd.err'), 'a'))
        deadline = time.time() + 10
        for port in (self.relp_port, self.tls_port):
            while time.time() < deadline:
                try:
                    socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def records(self):
        """Parsed records in arrival order: dicts with id, seq, msgid, msg."""
        out = []
        if not os.path.exists(self.out):
            return out
        with open(self.out, encoding='utf-8', errors='replace') as f:
            for line in f:
                m = RECORD.match(line.rstrip('\n'))
                if m:
                    out.append({'pri': int(m.group(1)), 'host': m.group(3),
                                'msgid': m.group(5), 'id': m.group(6),
                                'seq': int(m.group(7)), 'msg': m.group(8)})
        return out

    def raw(self):
        if not os.path.exists(self.out):
            return ''
        with open(self.out, encoding='utf-8', errors='replace') as f:
            return f.read()


class HecServer:
    """A Splunk-HEC-shaped HTTPS endpoint with mutual TLS, answering 503 to the first
    `fail_first` requests, then 200; keeps every event it accepted."""

    def __init__(self, pki, token, fail_first=0):
        self.events = []
        self.requests = 0
        self.unauthorized = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                outer.requests += 1
                if self.headers.get('Authorization') != 'Splunk ' + token:
                    outer.unauthorized += 1
                    return self.answer(401, b'{"text":"Invalid token","code":4}')
                if self.path != '/services/collector/event':
                    return self.answer(404, b'{"text":"not found"}')
                if outer.requests <= fail_first:
                    return self.answer(503, b'{"text":"Server is busy","code":9}')
                dec, text, i = json.JSONDecoder(), body.decode(), 0
                while i < len(text):
                    while i < len(text) and text[i] in ' \n':
                        i += 1
                    if i < len(text):
                        obj, i = dec.raw_decode(text, i)
                        outer.events.append(obj)
                self.answer(200, b'{"text":"Success","code":0}')

            def answer(self, code, body):
                self.send_response(code)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*pki.server)
        ctx.load_verify_locations(pki.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def agent_yaml(d, name, collector, pki, transport='relp', fmt='ecs', client=None,
               max_bytes=None, server_name='collector.test', ca=None, heartbeat=0,
               port=None, token_file=None):
    cert, key = client or pki.client
    spool = os.path.join(d, name + '-spool')
    path = os.path.join(d, name + '.yaml')
    if port is None:
        port = collector.relp_port if transport == 'relp' else collector.tls_port
    with open(path, 'w') as f:
        f.write('spool:\n  directory: %s\n  fsync: batch\n' % spool)
        if max_bytes:
            f.write('  max_bytes: %d\n' % max_bytes)
        f.write('report:\n  stdout: never\n  heartbeat_interval: %d\n  collector:\n' % heartbeat +
                '    transport: %s\n    address: 127.0.0.1\n    port: %d\n'
                '    server_name: %s\n    ca: %s\n    cert: %s\n    key: %s\n'
                '    format: %s\n' % (transport, port, server_name, ca or pki.ca, cert, key, fmt))
        if token_file:
            f.write('    token_file: %s\n' % token_file)
    return path, spool


def emit(config, *args, timeout=120):
    p = subprocess.run([EMIT, '--config', config] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    try:
        status = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        status = {'error': p.stdout + p.stderr}
    return p.returncode, status


def alerts(records):
    return [r for r in records if r['msgid'] == 'alert']


def index_of(record):
    m = re.search(r'synthetic event (\d+)', record['msg'])
    return int(m.group(1)) if m else None


def first_occurrences(records):
    seen, out = set(), []
    for r in records:
        if r['id'] not in seen:
            seen.add(r['id'])
            out.append(r)
    return out


def check_once_in_order(records, n, what):
    ids = [r['id'] for r in records]
    uniq = first_occurrences(records)
    idx = [index_of(r) for r in uniq]
    ok(len(set(ids)) == n, '%s: %d distinct event ids received (got %d)' % (what, n,
                                                                            len(set(ids))))
    ok(sorted(idx) == list(range(1, n + 1)), '%s: events 1..%d all present' % (what, n))
    ok(idx == sorted(idx), '%s: delivered in order' % what)
    by_id = {}
    same = True
    for r in records:
        same &= by_id.setdefault(r['id'], r['msg']) == r['msg']
    ok(same, '%s: duplicates (if any) are identical resends' % what)


def test_relp_ecs(d, pki):
    c = Collector(os.path.join(d, 'relp'), pki) if False else None
    os.makedirs(os.path.join(d, 'relp'))
    c = Collector(os.path.join(d, 'relp'), pki)
    c.start()
    try:
        cfg, spool = agent_yaml(d, 'relp', c, pki)
        rc, st = emit(cfg, '--count', 300, '--block-every', 7, '--wait', 20)
        ok(rc == 0 and st.get('acked') == 300, 'relp: 300 events acknowledged', st)
    finally:
        c.stop()
    recs = alerts(c.records())
    check_once_in_order(recs, 300, 'relp')
    ok(len(recs) == 300, 'relp: no duplicates on a clean run')
    doc = json.loads(recs[6]['msg'])
    ok(doc['event']['kind'] == 'alert' and doc['event']['action'] == 'upload',
       'ecs: event.kind and event.action', doc)
    ok(doc['phiguard']['verdict'] == 'block' and doc['event']['severity'] == 8,
       'ecs: every 7th event is a block of severity 8', doc)
    ok(doc['destination']['domain'] == 'web.whatsapp.com' and
       doc['tls']['client']['server_name'] == 'web.whatsapp.com' and
       doc['destination']['port'] == 443, 'ecs: destination fields intact', doc)
    ok(doc['user']['name'] == 'nurse|ward=3 \\x' and doc['user']['id'] == '1000',
       'ecs: user fields intact through escaping', doc)
    f = doc['phiguard']['findings'][0]
    ok(f['detector'] == 'nhs_number' and f['count'] == 2 and f['confidence'] == 'high' and
       f['samples'] == ['9** *** ***9'] and len(f['tokens'][0]) == 32,
       'ecs: findings with redacted samples and tokens', f)
    ok(doc['event']['id'] == recs[6]['id'], 'ecs: event.id equals the syslog SD id')
    ok(PHI_VALUE not in c.raw(), 'no raw PHI reached the collector')
    ok(recs[6]['pri'] == 16 * 8 + 3, 'rfc5424: PRI local0.err for severity 8')
    mode = os.stat(spool).st_mode & 0o777
    files = [os.stat(os.path.join(spool, n)).st_mode & 0o777 for n in os.listdir(spool)]
    ok(mode == 0o700 and all(m == 0o600 for m in files),
       'spool directory 0700, files 0600', (oct(mode), [oct(m) for m in files]))


def test_syslog_tls_cef(d, pki):
    os.makedirs(os.path.join(d, 'tls'))
    c = Collector(os.path.join(d, 'tls'), pki)
    c.start()
    try:
        cfg, _ = agent_yaml(d, 'tls', c, pki, transport='syslog-tls', fmt='cef')
        rc, st = emit(cfg, '--count', 200, '--wait', 20)
        ok(rc == 0 and st.get('spool_events') == 0, 'rfc5425: spool drained', st)
    finally:
        c.stop()
    recs = alerts(c.records())
    check_once_in_order(recs, 200, 'rfc5425')
    msg = recs[0]['msg']
    ok(msg.startswith('CEF:0|phiguard|phiguard|'), 'cef: header', msg)
    ok('|flag:upload|synthetic event 1|3|' in msg, 'cef: class id, name, severity', msg)
    ok(' suser=nurse|ward\\=3 \\\\x ' in msg, 'cef: extension value escaping (= and \\)', msg)
    ok(' externalId=' + recs[0]['id'] + ' ' in msg, 'cef: externalId is event.id', msg)
    ok(' dhost=web.whatsapp.com ' in msg and ' cs2=whatsapp' in msg, 'cef: fields', msg)
    ok(PHI_VALUE not in c.raw(), 'cef: no raw PHI')


def test_outage(d, pki):
    for transport in ('relp', 'syslog-tls'):
        name = 'outage-' + transport
        os.makedirs(os.path.join(d, name))
        c = Collector(os.path.join(d, name), pki)
        c.start()
        cfg, _ = agent_yaml(d, name, c, pki, transport=transport)
        p = subprocess.Popen([EMIT, '--config', cfg, '--count', '1200', '--rate', '300',
                              '--wait', '30'], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        time.sleep(1.0)
        c.stop()
        during = len(alerts(c.records()))
        time.sleep(2.5)
        c.start()
        out, _ = p.communicate(timeout=60)
        c.stop()
        st = json.loads(out.strip().splitlines()[-1])
        ok(0 < during < 1200, '%s outage: collector stopped mid-stream (%d received before)'
           % (transport, during))
        ok(st['reconnects'] >= 2, '%s outage: the reporter reconnected' % transport, st)
        check_once_in_order(alerts(c.records()), 1200, '%s outage' % transport)


def test_kill9(d, pki):
    os.makedirs(os.path.join(d, 'kill'))
    c = Collector(os.path.join(d, 'kill'), pki)
    c.start()
    cfg, _ = agent_yaml(d, 'kill', c, pki)
    p = subprocess.Popen([EMIT, '--config', cfg, '--count', '3000', '--rate', '1000',
                          '--wait', '30'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(1.5)
    p.kill()  # SIGKILL: no flush, no goodbye
    _, err = p.communicate()
    spooled = max([int(x) for x in re.findall(r'spooled (\d+)', err)] or [0])
    rc, st = emit(cfg, '--count', 0, '--wait', 20)
    c.stop()
    recs = alerts(c.records())
    uniq = first_occurrences(recs)
    idx = [index_of(r) for r in uniq]
    top = max(idx) if idx else 0
    ok(spooled > 0 and top < 3000, 'kill -9: killed mid-stream after %d spooled' % spooled)
    ok(sorted(idx) == list(range(1, top + 1)) and top >= spooled,
       'kill -9: nothing lost: events 1..%d delivered (>= %d known spooled)' % (top, spooled))
    ok(idx == sorted(idx), 'kill -9: in order')
    ok(st.get('spool_events') == 0, 'kill -9: spool drained after restart', st)
    dups = len(recs) - len(uniq)
    ok(dups <= 1024, 'kill -9: duplicates only of the unacknowledged tail (%d)' % dups)


def test_heartbeat(d, pki):
    os.makedirs(os.path.join(d, 'heartbeat'))
    c = Collector(os.path.join(d, 'heartbeat'), pki)
    c.start()
    try:
        for fmt in ('ecs', 'cef'):
            cfg, _ = agent_yaml(d, 'heartbeat-' + fmt, c, pki, fmt=fmt, heartbeat=1)
            rc, st = emit(cfg, '--count', 5, '--idle', 2.5, '--wait', 10)
    finally:
        c.stop()
    beats = [r for r in c.records() if r['msgid'] == 'state']
    ecs = [json.loads(r['msg']) for r in beats if r['msg'].startswith('{')]
    cef = [r['msg'] for r in beats if r['msg'].startswith('CEF:')]
    ok(len(ecs) >= 3, 'heartbeat: one a second while idle (%d in ~3 s)' % len(ecs))
    hb = ecs[0]['phiguard']['heartbeat'] if ecs else {}
    ok(ecs and ecs[0]['event']['action'] == 'heartbeat' and ecs[0]['event']['kind'] == 'state'
       and hb.get('interval') == 1 and 'spool_events' in hb and 'spool_bytes' in hb and
       'uninspected_periods' in hb and 'dropped' in hb and ecs[0]['host']['name'],
       'heartbeat: host, interval, spool depth, counters', ecs[:1])
    ok(len(cef) >= 3 and all('|state:heartbeat|heartbeat|' in m and 'spool_events:' in m
                             for m in cef), 'heartbeat: CEF form', cef[:1])


def test_https_hec(d, pki):
    token = 'b2f5c1e0-7d3a-4c1e-9f00-5e1f2a3b4c5d'
    token_file = os.path.join(d, 'hec.token')
    with open(token_file, 'w') as f:
        f.write(token + '\n')
    os.chmod(token_file, 0o600)
    hec = HecServer(pki, token, fail_first=2)
    try:
        for fmt in ('ecs', 'cef'):
            cfg, _ = agent_yaml(d, 'hec-' + fmt, None, pki, transport='https', fmt=fmt,
                                port=hec.port, token_file=token_file)
            rc, st = emit(cfg, '--count', 300, '--block-every', 7, '--wait', 20)
            ok(st.get('acked') == 300 and st.get('spool_events') == 0,
               'https %s: 300 events acknowledged by 2xx' % fmt, st)
    finally:
        hec.stop()
    ecs = [e for e in hec.events if e.get('sourcetype') == 'phiguard:ecs']
    cef = [e for e in hec.events if e.get('sourcetype') == 'phiguard:cef']
    ok(hec.requests >= 4 and hec.unauthorized == 0,
       'https: batches (%d requests, the first 2 refused with 503 and resent)' % hec.requests)
    recs = [{'id': e['event']['event']['id'], 'msg': e['event']['message']}
            for e in ecs if e['event']['event']['kind'] == 'alert']
    check_once_in_order(recs, 300, 'https ecs')
    e = ecs[0]
    ok(e['source'] == 'phiguard' and e['host'] and isinstance(e['time'], float) and
       abs(e['time'] - time.time()) < 300 and e['event']['destination']['domain'] ==
       'web.whatsapp.com', 'https: HEC envelope (time, host, source, sourcetype, event)', e)
    ids = {re.search(r'externalId=(\S+)', c['event']).group(1) for c in cef}
    ok(len(ids) == 300 and all(c['event'].startswith('CEF:0|phiguard|') for c in cef),
       'https cef: 300 distinct CEF events')


def test_silent_collector(d, pki):
    # accepts TCP (the kernel does) but never answers the TLS handshake
    silent = socket.socket()
    silent.bind(('127.0.0.1', 0))
    silent.listen(16)
    try:
        cfg, _ = agent_yaml(d, 'silent', None, pki, port=silent.getsockname()[1])
        rc, st = emit(cfg, '--count', 3000, '--rate', 2000, '--wait', 1)
    finally:
        silent.close()
    ok(st.get('dropped_ring') == 0 and st.get('spooled') == 3000,
       'silent collector: the ring kept draining into the spool during the handshake wait',
       st)
    ok('handshake' in st.get('last_error', '') or st.get('link') == 'connecting',
       'silent collector: link %s, %s' % (st.get('link'), st.get('last_error')), st)


def test_untrusted_client(d, pki):
    os.makedirs(os.path.join(d, 'untrusted'))
    c = Collector(os.path.join(d, 'untrusted'), pki)
    c.start()
    taken = 0
    try:
        for transport in ('relp', 'syslog-tls'):
            name = 'untrusted-' + transport
            cfg, spool = agent_yaml(d, name, c, pki, transport=transport,
                                    client=pki.rogue_client)
            rc, st = emit(cfg, '--count', 50, '--wait', 3)
            ok(len(c.records()) == taken,
               '%s, untrusted client certificate: collector took nothing' % transport)
            ok(st.get('spool_events') == 50 and st.get('link') != 'up',
               '%s, untrusted client certificate: events kept in the spool' % transport, st)
            ok('refused our client certificate' in st.get('last_error', '') or
               'untrusted client certificate?' in st.get('last_error', ''),
               '%s, untrusted client certificate: the reason is reported' % transport, st)
            print('# reported: ' + st.get('last_error', ''))
            # the same spool with the right certificate: everything arrives
            cfg2, _ = agent_yaml(d, name, c, pki, transport=transport)
            rc, st = emit(cfg2, '--count', 0, '--wait', 15)
            check_once_in_order(alerts(c.records()[taken:]), 50,
                                '%s, after fixing the certificate' % transport)
            taken = len(c.records())
    finally:
        c.stop()


def test_rogue_collector(d, pki):
    os.makedirs(os.path.join(d, 'rogue'))
    c = Collector(os.path.join(d, 'rogue'), pki, server=pki.rogue_server)
    c.start()
    try:
        for transport in ('relp', 'syslog-tls'):
            cfg, _ = agent_yaml(d, 'rogue-' + transport, c, pki, transport=transport)
            rc, st = emit(cfg, '--count', 20, '--wait', 2)
            ok(st.get('spool_events') == 20 and
               st.get('last_error', '').startswith('collector certificate rejected'),
               '%s: collector not chaining to the pinned CA is refused' % transport, st)
    finally:
        c.stop()
    ok(len(c.records()) == 0, 'rogue collector received nothing')
    os.makedirs(os.path.join(d, 'wrongname'))
    c = Collector(os.path.join(d, 'wrongname'), pki)
    c.start()
    try:
        cfg, _ = agent_yaml(d, 'wrongname', c, pki, server_name='other.test')
        rc, st = emit(cfg, '--count', 5, '--wait', 2)
    finally:
        c.stop()
    ok(st.get('spool_events') == 5 and 'rejected' in st.get('last_error', '') and
       len(c.records()) == 0, 'collector name mismatch is refused', st)


def test_full_spool(d, pki):
    os.makedirs(os.path.join(d, 'full'))
    c = Collector(os.path.join(d, 'full'), pki)
    cfg, _ = agent_yaml(d, 'full', c, pki, max_bytes=65536)
    # collector down: 400 events, every 10th a block event, into a 64 KiB spool
    rc, st = emit(cfg, '--count', 400, '--block-every', 10, '--severity', 3, '--wait', 3)
    ok(st.get('dropped_spool', 0) > 0, 'full spool: events were dropped', st)
    c.start()
    try:
        rc, st = emit(cfg, '--count', 0, '--wait', 15)
    finally:
        c.stop()
    recs = c.records()
    got = {index_of(r) for r in alerts(recs)}
    blocks = set(range(10, 401, 10))
    ok(blocks <= got, 'full spool: every block event survived (%d/%d)' %
       (len(blocks & got), len(blocks)))
    ok(len(got) < 400, 'full spool: less severe events were dropped (%d delivered)' % len(got))
    over = [r for r in recs if r['msgid'] == 'state' and 'spool-overflow' in r['msg']]
    ok(len(over) >= 1, 'full spool: the overflow event arrived')
    if over:
        print('# ' + json.loads(over[0]['msg'])['message'])


SYSLOG_NG_ROOT = os.environ.get('PHIGUARD_SYSLOG_NG_ROOT', '/var/cache/phiguard-test/syslog-ng')


class SyslogNg:
    """Debian's syslog-ng (unpacked by scripts/fetch-test-daemons.sh: it conflicts
    with rsyslog) running packaging/syslog-ng/phiguard-collector.conf as
    shipped, with only its paths, address and port replaced."""

    def __init__(self, d, pki):
        self.d = d
        self.tls_port = free_port()
        self.relp_port = None
        self.out_dir = os.path.join(d, 'log')
        self.proc = None
        src = os.environ.get('PHIGUARD_SOURCE_ROOT', os.path.join(os.path.dirname(__file__),
                                                                   '..', '..'))
        with open(os.path.join(src, 'packaging', 'syslog-ng', 'phiguard-collector.conf')) as f:
            conf = f.read()
        for old, new in (('/etc/phiguard-collector/tls/ca.pem', pki.ca),
                         ('/etc/phiguard-collector/tls/collector.pem', pki.server[0]),
                         ('/etc/phiguard-collector/tls/collector.key', pki.server[1]),
                         ('ip("0.0.0.0") port(6514)',
                          'ip("127.0.0.1") port(%d)' % self.tls_port),
                         ('/var/log/phiguard/', self.out_dir + '/')):
            if old not in conf:
                raise RuntimeError('phiguard-collector.conf no longer has ' + old)
            conf = conf.replace(old, new)
        self.conf = os.path.join(d, 'syslog-ng.conf')
        with open(self.conf, 'w') as f:
            f.write(conf)

    def start(self):
        root = SYSLOG_NG_ROOT
        env = dict(os.environ, LD_LIBRARY_PATH='%s/usr/lib/x86_64-linux-gnu:%s/usr/lib/syslog-ng'
                   % (root, root))
        self.proc = subprocess.Popen(
            [root + '/usr/sbin/syslog-ng', '-F', '--no-caps', '-f', self.conf,
             '--module-path', root + '/usr/lib/syslog-ng/3.38',
             '--persist-file', os.path.join(self.d, 'persist'),
             '--pidfile', os.path.join(self.d, 'pid'), '--control', os.path.join(self.d, 'ctl')],
            env=env, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.d, 'syslog-ng.err'), 'a'))
        deadline = time.time() + 10
        while time.time() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(('127.0.0.1', self.tls_port), timeout=0.2).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        Collector.stop(self)

    def _lines(self):
        out = []
        for name in sorted(os.listdir(self.out_dir)) if os.path.isdir(self.out_dir) else []:
            with open(os.path.join(self.out_dir, name), encoding='utf-8', errors='replace') as f:
                out += [(name, line.rstrip('\n')) for line in f]
        return out

    def records(self):
        out = []
        for name, line in self._lines():
            m = RECORD.match(line)
            if m:
                out.append({'file': name, 'host': m.group(3), 'msgid': m.group(5),
                            'id': m.group(6), 'seq': int(m.group(7)), 'msg': m.group(8)})
        return out

    def raw(self):
        return '\n'.join(line for _, line in self._lines())


def test_syslog_ng(d, pki):
    if not os.path.exists(SYSLOG_NG_ROOT + '/usr/sbin/syslog-ng'):
        print('# syslog-ng not unpacked at %s (scripts/fetch-test-daemons.sh): skipped'
              % SYSLOG_NG_ROOT)
        return
    os.makedirs(os.path.join(d, 'sng'))
    c = SyslogNg(os.path.join(d, 'sng'), pki)
    up = c.start()
    ok(up, 'syslog-ng takes the shipped collector configuration',
       open(os.path.join(d, 'sng', 'syslog-ng.err')).read())
    try:
        cfg, _ = agent_yaml(d, 'sng', c, pki, transport='syslog-tls', fmt='ecs')
        rc, st = emit(cfg, '--count', 200, '--wait', 20)
        ok(rc == 0 and st.get('spool_events') == 0, 'syslog-ng: spool drained', st)
        rogue, _ = agent_yaml(d, 'sng-rogue', c, pki, transport='syslog-tls',
                              client=pki.rogue_client)
        before = len(c.records())
        rc, st = emit(rogue, '--count', 20, '--wait', 3)
        ok(len(c.records()) == before and st.get('spool_events') == 20,
           'syslog-ng: an agent with an untrusted certificate is refused, its events kept',
           st)
    finally:
        c.stop()
    recs = alerts(c.records())
    check_once_in_order(recs, 200, 'syslog-ng')
    files = sorted(set(r['file'] for r in recs))
    ok(files == [recs[0]['host'] + '.log'] if recs else False,
       'syslog-ng: one file per agent host (%s)' % files)
    try:
        body = json.loads(recs[0]['msg'])
    except (IndexError, ValueError):
        body = {}
    ok(body.get('event', {}).get('id') == (recs[0]['id'] if recs else None),
       'syslog-ng: the ECS document arrives whole (event.id matches the structured data)',
       recs[:1])
    ok(PHI_VALUE not in c.raw(), 'syslog-ng: no raw PHI')


def main():
    if os.geteuid() != 0:
        skip_all('not root')
    if EMIT is None or shutil.which('rsyslogd') is None:
        skip_all('rsyslogd or report-emit missing')
    d = tempfile.mkdtemp(prefix='phiguard-report-')
    try:
        pki = Pki(d)
        only = os.environ.get('REPORT_TEST_ONLY')
        for t in (test_relp_ecs, test_syslog_tls_cef, test_outage, test_kill9, test_heartbeat,
                  test_https_hec, test_silent_collector,
                  test_untrusted_client, test_rogue_collector, test_full_spool,
                  test_syslog_ng):
            if only and only not in t.__name__:
                continue
            print('# ' + t.__name__, flush=True)
            t(d, pki)
    finally:
        if os.environ.get('KEEP_TEST_DIR'):
            print('# kept ' + d)
        else:
            shutil.rmtree(d, ignore_errors=True)
    print('1..%d' % tests_run)
    sys.exit(1 if tests_failed else 0)


if __name__ == '__main__':
    main()
