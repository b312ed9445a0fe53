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


def run(name, *extra):
    rc, out, err = replay("--format", "json", *extra, os.path.join(OWN, name))
    return rc, out, err


ORDER = {"allow": 0, "flag": 1, "block": 2}


def expect(name, verdict, app=None, domain=None):
    """One alert per rise of the flow's verdict; the last one is @verdict, for the NHS number."""
    rc, out, err = run(name)
    evs = alerts(out)
    if verdict is None:
        check(rc == 0 and not evs, "%s: no event, exit 0" % name, "rc %d\n%s\n%s" % (rc, out, err))
        return None
    levels = [ORDER.get(field(e, "phiguard.verdict"), -1) for e in evs]
    ok = rc == 1 and len(evs) >= 1 and levels == sorted(set(levels)) and levels[0] > 0
    ev = evs[-1] if evs else {}
    ok = ok and field(ev, "phiguard.verdict") == verdict
    ok = ok and "nhs_number" in detectors(ev)
    if app is not None:
        ok = ok and field(ev, "phiguard.app") == app
    if domain is not None:
        ok = ok and field(ev, "destination.domain") == domain
    check(ok, "%s: %s with nhs_number, one event per verdict change, exit 1" % (name, verdict),
          "rc %d\n%s\n%s" % (rc, out, err))
    check(not any(r in out for r in RAW), "%s: no raw identifier in the output" % name, out)
    return ev


def main():
    ok, err = json_available()
    if not check(ok, "replay --format json works", err):
        done()
    ev = expect("http-post-phi-whatsapp.pcap", "block", app="whatsapp", domain="web.whatsapp.com")
    if ev:
        check(bool(field(ev, "rule.name")), "the block names its rule", ev)
        check(field(ev, "network.protocol") == "http" and field(ev, "destination.port") == 80,
              "http on port 80", ev)
        check(field(ev, "source.ip") == "10.200.0.2", "source is the client", ev)
        again = {field(e, "event.id") for e in alerts(run("http-post-phi-whatsapp.pcap")[1])}
        check(len(field(ev, "event.id") or "") == 36 and field(ev, "event.id") not in again,
              "event.id is a UUID, new per event", again)
    expect("http-post-phi-ipv6.pcapng", "block", app="whatsapp", domain="web.whatsapp.com")
    expect("http-post-phi-other.pcap", "flag", domain="records.example.org")
    # The default policy flags cleartext PHI leaving the hospital network, not inside it.
    expect("http-post-phi-internal.pcap", None)
    expect("http-post-benign-other.pcap", None)
    # Evasions.
    expect("http-post-phi-split-ooo.pcap", "flag")
    expect("http-post-phi-overlap-first.pcap", "flag")
    expect("http-post-phi-overlap-ooo.pcap", "flag")
    # First-wins: the first copy (benign) is what the server's stack kept and what was scanned.
    expect("http-post-phi-overlap-second.pcap", None)

    # --all: one record per flow, with its verdict.
    rc, out, err = run("http-post-phi-whatsapp.pcap", "--all")
    recs = [e for e in events(out) if is_flow_record(e)]
    check(rc == 1 and len(recs) == 1 and field(recs[0], "phiguard.verdict") == "block",
          "--all adds the flow record with the final verdict", out + err)

    # Classification on real captures: SNI across two TCP segments.
    rc, out, err = replay("--format", "json", "--all", os.path.join(NDPI, "tls_2_reasms.pcapng"))
    recs = [e for e in events(out) if is_flow_record(e)]
    check(len(recs) == 1 and field(recs[0], "tls.client.server_name") == "i.instagram.com",
          "tls_2_reasms: SNI from a ClientHello split across segments", out + err)
    rc, out, err = replay("--format", "json", "--all", os.path.join(NDPI, "whatsappfiles.pcap"))
    recs = [e for e in events(out) if is_flow_record(e)]
    check(len(recs) == 2 and all(field(r, "phiguard.app") == "whatsapp" for r in recs),
          "whatsappfiles: both flows are whatsapp", out + err)
    done()


if __name__ == "__main__":
    main()
