#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the replay test captures in this folder, byte for byte the same on
every run (fixed addresses, ports, sequence numbers and timestamps).

    /usr/bin/python3 tests/data/pcap/make-captures.py [OUTDIR]

Needs Debian's python3-scapy. Every capture is a cleartext HTTP POST from a
client (10.200.0.2) to a test server (203.0.113.10:80, or 10.200.0.1:80 for the
internal case); the body carries a
labelled NHS number (synthetic: a valid checksum, no real patient).
"""
import os
import sys

from scapy.all import IP, IPv6, IPv6ExtHdrHopByHop, TCP, Ether, wrpcap  # noqa: E402
from scapy.utils import PcapNgWriter  # noqa: E402

# The server sits in documentation ranges (RFC 5737, RFC 3849): "outside the
# hospital network" to a policy, never routed anywhere. INTERNAL is a private
# address, inside it.
CLIENT, SERVER, INTERNAL = "10.200.0.2", "203.0.113.10", "10.200.0.1"
CLIENT6, SERVER6 = "fd00:200::2", "2001:db8::10"
MAC_C, MAC_S = "02:00:00:00:00:02", "02:00:00:00:00:01"
T0 = 1732838400.0  # 2024-11-29T00:00:00Z
PHI = b"Patient NHS no 401 023 2137, DOB 01/02/1960"
BENIGN = b"Ward round notes: bed 4 needs a new chair. No patient details."


class Conv:
    """One TCP conversation with explicit sequence numbers."""

    def __init__(self, sport, v6=False, isn_c=1000, isn_s=5000, server=SERVER):
        self.sport, self.v6, self.server = sport, v6, server
        self.isn_c, self.isn_s = isn_c, isn_s
        self.t = T0
        self.pkts = []

    def _ip(self, to_server, ext=False):
        if self.v6:
            src, dst = (CLIENT6, SERVER6) if to_server else (SERVER6, CLIENT6)
            ip = IPv6(src=src, dst=dst)
            if ext:
                ip = ip / IPv6ExtHdrHopByHop()
            return ip
        src, dst = (CLIENT, self.server) if to_server else (self.server, CLIENT)
        return IP(src=src, dst=dst, id=len(self.pkts) + 1, flags="DF")

    def add(self, to_server, flags, seq, ack, payload=b"", ext=False):
        macs = (MAC_C, MAC_S) if to_server else (MAC_S, MAC_C)
        sport, dport = (self.sport, 80) if to_server else (80, self.sport)
        p = (Ether(src=macs[0], dst=macs[1]) / self._ip(to_server, ext) /
             TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240))
        if payload:
            p = p / payload
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)

    def handshake(self):
        self.add(True, "S", self.isn_c, 0)
        self.add(False, "SA", self.isn_s, self.isn_c + 1)
        self.add(True, "A", self.isn_c + 1, self.isn_s + 1)

    def close(self, sent):
        c, s = self.isn_c + 1 + sent, self.isn_s + 1
        resp = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
        self.add(False, "PA", s, c, resp)
        self.add(False, "FA", s + len(resp), c)
        self.add(True, "FA", c, s + len(resp) + 1)
        self.add(False, "A", s + len(resp) + 1, c + 1)


def request(host, body):
    return (b"POST /upload HTTP/1.1\r\nHost: " + host.encode() +
            b"\r\nUser-Agent: curl/7.88.1\r\nContent-Type: text/plain\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def in_order(host, body, sport, v6=False, server=SERVER):
    c = Conv(sport, v6=v6, server=server)
    c.handshake()
    data = request(host, body)
    c.add(True, "PA", c.isn_c + 1, c.isn_s + 1, data, ext=v6)
    c.close(len(data))
    return c.pkts


def split_out_of_order(host, body, sport):
    """The identifier cut across three segments, sent 3, 1, 2."""
    c = Conv(sport)
    c.handshake()
    data = request(host, body)
    at = data.index(b"401 023 2137")
    cuts = [0, at + 4, at + 9, len(data)]  # "401 " | "023 2" | "137, ..."
    seg = [(c.isn_c + 1 + cuts[i], data[cuts[i]:cuts[i + 1]]) for i in range(3)]
    for i in (2, 0, 1):
        c.add(True, "PA", seg[i][0], c.isn_s + 1, seg[i][1])
    c.close(len(data))
    return c.pkts


def overlap(host, first, second, sport):
    """Two copies of the same bytes with different content: which one is scanned?"""
    c = Conv(sport)
    c.handshake()
    a, b = request(host, first), request(host, second)
    assert len(a) == len(b)
    c.add(True, "PA", c.isn_c + 1, c.isn_s + 1, a)
    c.add(True, "PA", c.isn_c + 1, c.isn_s + 1, b)
    c.close(len(a))
    return c.pkts


def overlap_ooo(host, body, sport):
    """Held out-of-order bytes, then an overlapping copy with other bytes, then the hole."""
    c = Conv(sport)
    c.handshake()
    data = request(host, body)
    cut = data.index(b"401 023 2137")
    tail = data[cut:]
    fake = b"X" * len(tail)
    c.add(True, "PA", c.isn_c + 1 + cut, c.isn_s + 1, tail)
    c.add(True, "PA", c.isn_c + 1 + cut, c.isn_s + 1, fake)
    c.add(True, "PA", c.isn_c + 1, c.isn_s + 1, data[:cut])
    c.close(len(data))
    return c.pkts


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    benign_same_len = BENIGN[:len(PHI)].ljust(len(PHI), b".")
    caps = {
        "http-post-phi-whatsapp.pcap": in_order("web.whatsapp.com", PHI, 40001),
        "http-post-phi-other.pcap": in_order("records.example.org", PHI, 40002),
        "http-post-benign-other.pcap": in_order("records.example.org", BENIGN, 40003),
        "http-post-phi-internal.pcap": in_order("records.example.org", PHI, 40009,
                                                server=INTERNAL),
        "http-post-phi-split-ooo.pcap": split_out_of_order("records.example.org", PHI, 40004),
        "http-post-phi-overlap-first.pcap": overlap("records.example.org", PHI,
                                                    benign_same_len, 40005),
        "http-post-phi-overlap-second.pcap": overlap("records.example.org",
                                                     benign_same_len, PHI, 40006),
        "http-post-phi-overlap-ooo.pcap": overlap_ooo("records.example.org", PHI, 40007),
    }
    for name, pkts in caps.items():
        wrpcap(os.path.join(out, name), pkts)
    # pcapng, IPv6 with a hop-by-hop extension header on the request.
    w = PcapNgWriter(os.path.join(out, "http-post-phi-ipv6.pcapng"))
    for p in in_order("web.whatsapp.com", PHI, 40008, v6=True):
        w.write(p)
    w.close()


if __name__ == "__main__":
    main()
