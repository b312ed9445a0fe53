#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reporting throughput, as ratios against baselines run in the same script.

  bench-report.py [BUILD_DIR] [EVENTS]

1. Spool write: report-emit with no collector (encode + ring + spool append,
   fsync never/batch/always) against `dd` appending the same bytes in
   records of the same size to the same file system.
2. Collector: report-emit to a real rsyslog over mutual TLS (RELP, RFC 5425),
   timed until the collector wrote every event, against a plain TLS client
   piping the same number of pre-framed RFC 5425 records (no spool, no
   acknowledgement): the collector's own ceiling on this machine.
No root needed; rsyslogd must be installed.
"""

import importlib.util
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'build')
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
EMIT = os.path.join(BUILD, 'tests', 'integration', 'report-emit')

spec = importlib.util.spec_from_file_location(
    'harness', os.path.join(ROOT, 'tests', 'integration', 'test-report-collector.py'))
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)


def spool_bench(d):
    results = {}
    for fsync in ('never', 'batch', 'always'):
        n = N if fsync != 'always' else max(N // 20, 1000)
        spool = os.path.join(d, 'spool-' + fsync)
        cfg = os.path.join(d, 'spool-%s.yaml' % fsync)
        with open(cfg, 'w') as f:
            f.write('spool:\n  directory: %s\n  fsync: %s\n  max_bytes: 4294967296\n'
                    'report:\n  stdout: never\n  heartbeat_interval: 0\n' % (spool, fsync))
        t = time.monotonic()
        p = subprocess.run([EMIT, '--config', cfg, '--count', str(n), '--wait', '0', '--paced'],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           check=True)
        dt = time.monotonic() - t
        st = json.loads(p.stdout.strip().splitlines()[-1])
        size = sum(os.path.getsize(os.path.join(spool, x)) for x in os.listdir(spool))
        # report_stop drains the ring into the spool after the status was taken
        results[fsync] = (n, st['emitted'] - st['dropped_ring'], st['dropped_ring'], dt, size)
        shutil.rmtree(spool)
    # baseline: plain appends of the same record size and count
    n, spooled, _, _, size = results['never']
    rec = max(size // spooled, 1)
    t = time.monotonic()
    subprocess.run(['dd', 'if=/dev/zero', 'of=' + os.path.join(d, 'dd.out'), 'bs=%d' % rec,
                    'count=%d' % n, 'status=none'], check=True)
    base = time.monotonic() - t
    os.unlink(os.path.join(d, 'dd.out'))
    print('spool write (%d-byte records on disk):' % rec)
    print('  baseline dd, %d appends: %.0f records/s' % (n, n / base))
    for fsync, (n, spooled, dropped, dt, size) in results.items():
        print('  fsync=%-6s %7d events: %8.0f events/s, %6.1f MB/s, ratio %.2f of dd'
              '%s' % (fsync, n, spooled / dt, size / dt / 1e6, (spooled / dt) / (n / base),
                      ', %d dropped at the ring' % dropped if dropped else ''))


def collector_bench(d):
    pki = harness.Pki(d)
    cdir = os.path.join(d, 'collector')
    os.makedirs(cdir)
    c = harness.Collector(cdir, pki)
    c.start()

    seen = {'offset': 0, 'lines': 0}

    def wait_lines(want, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(c.out, 'rb') as f:
                    f.seek(seen['offset'])
                    data = f.read()
                    seen['offset'] += len(data)
                    seen['lines'] += data.count(b'\n')
            except FileNotFoundError:
                pass
            if seen['lines'] >= want:
                return True
            time.sleep(0.02)
        return False

    try:
        # baseline: the same records, pre-framed, written by a plain TLS client
        sample = None
        cfg, spool = harness.agent_yaml(d, 'sample', c, pki, transport='syslog-tls')
        subprocess.run([EMIT, '--config', cfg, '--count', '1', '--wait', '10'],
                       stdout=subprocess.DEVNULL, check=True)
        wait_lines(1)
        with open(c.out, 'rb') as f:
            sample = f.read().splitlines()[0]
        frames = os.path.join(d, 'frames')
        with open(frames, 'wb') as f:
            frame = b'%d %s' % (len(sample), sample)
            f.write(frame * N)
        done = 1
        t = time.monotonic()
        cert, key = pki.client
        ctx = ssl.create_default_context(cafile=pki.ca)
        ctx.load_cert_chain(cert, key)
        with socket.create_connection(('127.0.0.1', c.tls_port)) as raw:
            with ctx.wrap_socket(raw, server_hostname='collector.test') as tls:
                with open(frames, 'rb') as f:
                    while True:
                        chunk = f.read(1 << 20)
                        if not chunk:
                            break
                        tls.sendall(chunk)
                ok = wait_lines(done + N)
        base = time.monotonic() - t
        done = seen['lines']
        print('collector (rsyslog imtcp/imrelp + omfile, mutual TLS, %d events):' % N)
        print('  baseline plain TLS writer, RFC 5425 frames, no spool/acks: %.0f events/s%s'
              % (N / base, '' if ok else ' (incomplete)'))
        for transport in ('relp', 'syslog-tls'):
            cfg, spool = harness.agent_yaml(d, 'bench-' + transport, c, pki,
                                            transport=transport)
            t = time.monotonic()
            p = subprocess.run([EMIT, '--config', cfg, '--count', str(N), '--wait', '300',
                                '--paced'],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               check=True)
            ok = wait_lines(done + N)
            dt = time.monotonic() - t
            done = seen['lines']
            st = json.loads(p.stdout.strip().splitlines()[-1])
            print('  phiguard %-10s: %8.0f events/s delivered (ratio %.2f of baseline), '
                  'acked %d, dropped at the ring %d%s' % (
                      transport, N / dt, (N / dt) / (N / base), st['acked'],
                      st['dropped_ring'], '' if ok else ' (incomplete)'))
    finally:
        c.stop()


def main():
    if not os.path.exists(EMIT):
        sys.exit('build first: %s missing' % EMIT)
    d = tempfile.mkdtemp(prefix='phiguard-bench-report-')
    try:
        spool_bench(d)
        collector_bench(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == '__main__':
    main()
