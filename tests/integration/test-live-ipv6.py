#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`phiguard run` over IPv6: the same protections as over IPv4, since a
workstation with an IPv6 route reaches the messaging services (all of them
publish AAAA records) that way first. The server namespace answers only
on its IPv6 address; names resolve through dnsmasq to it (AAAA records
carried over IPv4, as on a dual-stack LAN). Real curl:
 - WhatsApp over IPv6 is flagged, the event names the IPv6 server;
 - a cleartext POST with PHI over IPv6 is blocked and never reaches the
   server; the same POST without PHI arrives byte-exact;
 - an upload to an unmonitored destination is bypassed after
   classification;
 - under the strict example policy WhatsApp over IPv6 is refused at once
   while Teams works.
Needs root; exits 77 otherwise."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from agent import Agent, field, upload_bypassed  # noqa: E402
from netns import CLEAN_BODY, PHI_BODY, Tap, Topology, skipped_without  # noqa: E402



def curl6(topo, url, data=None, timeout=5):
    return topo.curl(url, data=data, timeout=timeout, extra=("-6",))


def main():
    if skipped_without(("dnsmasq", "curl", "openssl", "ip6tables-nft-restore")):
        return 77
    binary = os.environ["PHIGUARD"]
    src = os.environ["PHIGUARD_SOURCE_ROOT"]
    t = Tap()
    topo = Topology("pg6").up()
    topo.make_ca()
    topo.start_dns(ipv6=True)
    topo.start_servers(address=topo.server_ip6)
    topo.wait_ipv6()
    agent = Agent(topo, binary).start()

    rc, code, secs = curl6(topo, "https://web.whatsapp.com/")
    ev = agent.wait_event(lambda e: field(e, "tls.client.server_name") == "web.whatsapp.com")
    t.ok(rc == 0 and code == "200", "WhatsApp over IPv6 still works (flag, not block)",
         (rc, code, agent.log()[-2000:]))
    t.ok(ev is not None and field(ev, "phiguard.verdict") == "flag" and
         field(ev, "destination.ip") == topo.server_ip6 and field(ev, "phiguard.app") == "whatsapp",
         "the flagged event names WhatsApp and the IPv6 server", ev)

    phi = os.path.join(topo.dir, "phi.txt")
    clean = os.path.join(topo.dir, "clean.txt")
    open(phi, "wb").write(PHI_BODY)
    open(clean, "wb").write(CLEAN_BODY)
    rc, code, secs = curl6(topo, "http://web.whatsapp.com/send", data=phi)
    leaked = any(b"023 2137" in u for u in topo.uploads())
    ev = agent.wait_event(lambda e: field(e, "phiguard.verdict") == "block")
    t.ok(rc != 0 and not leaked and ev is not None and
         field(ev, "destination.ip") == topo.server_ip6,
         "POST with an NHS number over IPv6 is blocked; the server never gets it",
         (rc, code, agent.events()[-3:]))
    rc, code, secs = curl6(topo, "http://web.whatsapp.com/send", data=clean)
    ups = topo.uploads()
    t.ok(rc == 0 and code == "200" and ups and ups[-1] == CLEAN_BODY,
         "the same POST without PHI arrives byte-exact over IPv6", (rc, code))

    # Resolved in curl: the lookup's own packets would count as the flow's.
    arrived, queued = upload_bypassed(topo, agent, "https://files.example.test/", extra=(
        "--resolve", "files.example.test:443:[%s]" % topo.server_ip6))
    t.ok(arrived, "4 MB upload over IPv6 to an unmonitored destination arrives byte-exact")
    t.ok(1 <= queued <= 12, "the agent classifies the IPv6 flow, then no longer sees it "
         "(%d packets queued)" % queued, agent.status())
    agent.stop()

    strict = os.path.join(src, "policy", "examples", "strict.yaml")
    agent = Agent(topo, binary, policy=strict).start()
    # The strict policy refuses the name's DNS lookups too: resolve it here
    # so that the refusal is the IPv6 connection's own.
    rc, code, secs = topo.curl("https://web.whatsapp.com/", extra=(
        "--resolve", "web.whatsapp.com:443:[%s]" % topo.server_ip6))
    ev = agent.wait_event(lambda e: field(e, "phiguard.verdict") == "block" and
                          field(e, "destination.ip") == topo.server_ip6)
    t.ok(rc != 0 and secs < 1.0 and ev is not None,
         "strict policy: WhatsApp over IPv6 refused at once (%.3f s)" % secs,
         (rc, code, agent.events()[-3:]))
    rc, code, secs = curl6(topo, "https://teams.microsoft.com/")
    t.ok(rc == 0 and code == "200", "strict policy: Teams over IPv6 works", (rc, code))
    agent.stop()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
