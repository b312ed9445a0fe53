#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`phiguard replay --all` over the shared nDPI captures: every TCP/UDP
conversation nDPI lists is a flow record here (VLAN, QinQ, PPPoE, IPv6,
pcapng, SYN-less captures), and the exit codes follow the scan convention."""
import ipaddress
import os
import re
import shutil
import tempfile

from replay_common import (NDPI, OWN, check, done, events, field, is_flow_record,
                           json_available, replay)

LINE = re.compile(r"^\s+\d+\s+(TCP|UDP) (\S+) <?-> (\S+) ")


def endpoint(text):
    host, _, port = text.rpartition(":")
    return str(ipaddress.ip_address(host.strip("[]"))), int(port)


def ndpi_tuples(out_path):
    tuples = set()
    with open(out_path) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                a, b = endpoint(m.group(2)), endpoint(m.group(3))
                tuples.add((m.group(1).lower(), frozenset([a, b])))
    return tuples


def our_tuples(stdout, use_json):
    tuples = set()
    if use_json:
        for ev in events(stdout):
            if not is_flow_record(ev):
                continue
            a = (str(ipaddress.ip_address(field(ev, "source.ip"))), field(ev, "source.port"))
            b = (str(ipaddress.ip_address(field(ev, "destination.ip"))),
                 field(ev, "destination.port"))
            tuples.add((field(ev, "network.transport"), frozenset([a, b])))
        return tuples
    for line in stdout.splitlines():
        m = re.match(r"^flow (tcp|udp) (\S+) -> (\S+) ", line)
        if m:
            tuples.add((m.group(1), frozenset([endpoint(m.group(2)), endpoint(m.group(3))])))
    return tuples


def main():
    use_json, _ = json_available()
    fmt = ["--format", "json"] if use_json else []
    caps = sorted(f for f in os.listdir(NDPI) if f.endswith((".pcap", ".pcapng")))
    check(len(caps) >= 30, "shared nDPI captures found (%d)" % len(caps))
    # One run over every capture (the policy compiles once); each file's flows end with it.
    rc, out, err = replay("--all", *fmt, *[os.path.join(NDPI, c) for c in caps])
    got = our_tuples(out, use_json)
    want_all = set()
    for cap in caps:
        want = ndpi_tuples(os.path.join(NDPI, cap + ".ndpi.out"))
        want_all |= want
        check(want <= got, "%s: the %d TCP/UDP conversations nDPI lists" % (cap, len(want)),
              "missing %s" % sorted(map(str, want - got))[:5])
    check(rc in (0, 1) and got == want_all, "no conversation nDPI does not list (rc %d)" % rc,
          "extra %s\n%s" % (sorted(map(str, got - want_all))[:5], err))

    rc, out, err = replay(os.path.join(OWN, "http-post-benign-other.pcap"))
    check(rc == 0, "nothing to report: exit 0", err)
    rc, _, err = replay("/nonexistent/capture.pcap")
    check(rc == 2 and "nonexistent" in err, "missing file: exit 2 with its name", err)
    rc, _, err = replay(os.path.join(OWN, "make-captures.py"))
    check(rc == 2, "not a capture: exit 2", err)
    rc, _, err = replay("--format", "yaml", os.path.join(OWN, "http-post-benign-other.pcap"))
    check(rc == 2, "unknown format: exit 2", err)

    # A capture cut mid-packet (tcpdump killed): the complete packets are still replayed.
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(NDPI, "whatsapp.pcap")
        cut = os.path.join(tmp, "cut.pcap")
        with open(src, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:len(data) // 2 + 7])
        rc, out, err = replay("--all", *fmt, cut)
        got = our_tuples(out, use_json)
        check(rc == 2 and 0 < len(got) < 86, "truncated capture: flows before the cut, exit 2",
              "rc %d, %d flows\n%s" % (rc, len(got), err))
        # The table stays bounded: teams.pcap's conversations through a 4-flow table.
        src = os.path.join(NDPI, "teams.pcap")
        want = ndpi_tuples(src + ".ndpi.out")
        rc, out, err = replay("--all", "--stats", "--max-flows", "4", *fmt, src)
        got = our_tuples(out, use_json)
        m = re.search(r"evicted=(\d+)", err)
        check(got == want and m is not None and int(m.group(1)) > 0,
              "bounded table: every flow still recorded, evictions counted",
              "%d flows\n%s" % (len(got), err))
    finally:
        shutil.rmtree(tmp)
    done()


if __name__ == "__main__":
    main()
