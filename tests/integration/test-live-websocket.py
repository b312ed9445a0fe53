#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A cleartext WebSocket chat through `phiguard run` (default policy):
Debian's python3-websockets as client and server, permessage-deflate on as
in browsers, so every message the client sends is masked and compressed.
Checks what the users would notice:
 - a chat message to WhatsApp's name over ws:// is echoed (the agent does
   not break the chat) and the connection is flagged as consumer messaging;
 - a message carrying an NHS number is blocked: the server never receives
   it and the client's connection fails;
 - the agent read the messages (status counts them).
Needs root; exits 77 otherwise."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from agent import Agent, field  # noqa: E402
from netns import HERE, Tap, Topology, skipped_without  # noqa: E402

PORT = 8765
PEER = os.path.join(HERE, "ws_peer.py")


def have_websockets():
    return subprocess.run(["/usr/bin/python3", "-c", "import websockets"],
                          capture_output=True).returncode == 0


def received(log):
    if not os.path.exists(log):
        return []
    with open(log) as f:
        return [json.loads(line) for line in f]


def main():
    if skipped_without(("dnsmasq", "iptables-nft-restore")) or not have_websockets():
        return 77
    binary = os.environ["PHIGUARD"]
    t = Tap()
    topo = Topology("pgw").up()
    topo.make_ca()
    topo.start_dns()
    log = os.path.join(topo.dir, "ws.log")
    p = topo.spawn(topo.server, ["/usr/bin/python3", PEER, "serve", topo.server_ip, str(PORT),
                                 log], stdout=subprocess.PIPE)
    if b"ready" not in p.stdout.readline():
        raise RuntimeError("websocket server did not start")
    agent = Agent(topo, binary).start()
    url = "ws://web.whatsapp.com:%d/chat" % PORT

    def send(*texts):
        r = topo.client_run(["/usr/bin/python3", PEER, "send", url] + list(texts), timeout=30)
        return json.loads(r.stdout.strip().splitlines()[-1])

    clean = '{"to":"ward7","text":"can someone bring a commode to bay 3"}'
    out = send(clean)
    got = received(log)
    t.ok(out["error"] is None and out["echoed"] == [clean] and got and got[-1]["text"] == clean,
         "a chat message over ws:// is echoed: the agent does not break the chat", out)
    t.ok(got and got[-1]["extensions"] == ["permessage-deflate"],
         "the chat compresses its messages (permessage-deflate), as browsers do", got[-1:])
    ev = agent.wait_event(lambda e: field(e, "destination.domain") == "web.whatsapp.com")
    t.ok(ev is not None and field(ev, "phiguard.verdict") == "flag" and
         field(ev, "phiguard.app") == "whatsapp",
         "the connection is flagged as consumer messaging", agent.events()[-2:])

    phi = '{"to":"ward7","text":"Mrs Jane Smith bed 4, NHS no 401 023 2137, please review"}'
    n = len(received(log))
    t0 = time.time()
    out = send(clean, phi)
    got = received(log)
    t.ok(out["error"] is not None and len(got) == n + 1 and got[-1]["text"] == clean and
         not any("2137" in g["text"] for g in got),
         "a message with an NHS number is blocked: the server never receives it, the "
         "connection fails (%.1f s)" % (time.time() - t0), (out, got[-2:]))
    ev = agent.wait_event(lambda e: field(e, "phiguard.verdict") == "block")
    t.ok(ev is not None and field(ev, "rule.name") == "block-phi-to-consumer-messaging",
         "the block event names the rule", agent.events()[-2:])
    st = agent.status()
    msgs = sum(v for k, v in st.items() if k.endswith(".websocket_messages"))
    t.ok(msgs >= 3, "status counts the messages read (%d)" % msgs)
    agent.stop()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
