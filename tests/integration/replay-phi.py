#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The whole pipeline over captures, under the shipped default policy:
patient data in a cleartext HTTP POST is blocked toward a messaging app and
flagged elsewhere, also when the identifier is split across segments sent
out of order, and overlapping copies are resolved first-wins. The events
are the ECS JSON the live agent sends, with findings redacted."""
import os

from replay_common import (NDPI, OWN, check, done, events, field, is_flow_record,
                           json_available, replay)

RAW = ["401 023 2137", "4010232137", "01/02/1960"]


def alerts(out):
    return [e for e in events(out) if not is_flow_record(e)]


def detectors(ev):
    return [f.get("detector") for f in (field(ev, "phiguard.findings") or [])]


ORDER = {"allow": 0, "flag": 1, "block": 2}

OWN_CAPS = {
    # source port in the capture -> (file, verdict or None, app, domain)
    40001: ("http-post-phi-whatsapp.pcap", "block", "whatsapp", "web.whatsapp.com"),
    40002: ("http-post-phi-other.pcap", "flag", None, "records.example.org"),
    40003: ("http-post-benign-other.pcap", None, None, None),
    40004: ("http-post-phi-split-ooo.pcap", "flag", None, None),
    40005: ("http-post-phi-overlap-first.pcap", "flag", None, None),
    # First-wins: the first copy (benign) is what the server's stack kept and what was scanned.
    40006: ("http-post-phi-overlap-second.pcap", None, None, None),
    40007: ("http-post-phi-overlap-ooo.pcap", "flag", None, None),
    40008: ("http-post-phi-ipv6.pcapng", "block", "whatsapp", "web.whatsapp.com"),
    # The default policy flags cleartext PHI leaving the hospital network, not inside it.
    40009: ("http-post-phi-internal.pcap", None, None, None),
}


def expect(name, evs, verdict, app, domain):
    """One alert per rise of the flow's verdict; the last one is @verdict, for the NHS number."""
    if verdict is None:
        check(not evs, "%s: no event" % name, evs)
        return
    levels = [ORDER.get(field(e, "phiguard.verdict"), -1) for e in evs]
    ok = len(evs) >= 1 and levels == sorted(set(levels)) and levels[0] > 0
    ev = evs[-1] if evs else {}
    ok = ok and field(ev, "phiguard.verdict") == verdict and "nhs_number" in detectors(ev)
    if app is not None:
        ok = ok and field(ev, "phiguard.app") == app
    if domain is not None:
        ok = ok and field(ev, "destination.domain") == domain
    check(ok, "%s: %s with nhs_number, one event per verdict change" % (name, verdict), evs)


def main():
    ok, err = json_available()
    if not check(ok, "replay --format json works", err):
        done()
    # One run over all our captures (the policy compiles once); flows are told apart by port.
    files = [os.path.join(OWN, v[0]) for v in OWN_CAPS.values()]
    rc, out, err = replay("--format", "json", "--all", *files)
    check(rc == 1, "events found: exit 1", err)
    check(not any(r in out for r in RAW), "no raw identifier anywhere in the output", out)
    evs = events(out)
    for port, (name, verdict, app, domain) in OWN_CAPS.items():
        mine = [e for e in evs if field(e, "source.port") == port]
        recs = [e for e in mine if is_flow_record(e)]
        expect(name, [e for e in mine if not is_flow_record(e)], verdict, app, domain)
        check(len(recs) == 1 and field(recs[0], "phiguard.verdict") == (verdict or "allow"),
              "%s: --all adds one flow record with the final verdict" % name, recs)
    block = [e for e in alerts(out) if field(e, "source.port") == 40001][-1:]
    if block:
        ev = block[0]
        check(bool(field(ev, "rule.name")), "the block names its rule", ev)
        check(field(ev, "network.protocol") == "http" and field(ev, "destination.port") == 80,
              "http on port 80", ev)
        check(field(ev, "source.ip") == "10.200.0.2", "source is the client", ev)
    ids = [field(e, "event.id") for e in evs]
    check(all(len(i or "") == 36 and i[14] == "4" for i in ids) and len(set(ids)) == len(ids),
          "event.id: a version 4 UUID, unique per event", ids)

    rc, _, err = replay("--format", "json", os.path.join(OWN, "http-post-benign-other.pcap"),
                        os.path.join(OWN, "http-post-phi-internal.pcap"))
    check(rc == 0, "no event: exit 0", err)

    # Classification on real captures: SNI across two TCP segments; app by SNI.
    rc, out, err = replay("--format", "json", "--all", os.path.join(NDPI, "tls_2_reasms.pcapng"),
                          os.path.join(NDPI, "whatsappfiles.pcap"))
    recs = [e for e in events(out) if is_flow_record(e)]
    sni = [field(r, "tls.client.server_name") for r in recs]
    check("i.instagram.com" in sni, "tls_2_reasms: SNI from a ClientHello split across segments",
          out + err)
    wa = [r for r in recs if (field(r, "tls.client.server_name") or "").endswith("whatsapp.net")]
    check(len(wa) == 2 and all(field(r, "phiguard.app") == "whatsapp" for r in wa),
          "whatsappfiles: both flows are whatsapp", out + err)
    done()


if __name__ == "__main__":
    main()
