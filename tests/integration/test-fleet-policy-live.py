#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Policy distribution through the live agent, as a hospital runs it: the
agent in a client namespace pulls a signed policy bundle over HTTPS with a
client certificate (mutual TLS) from a plain web server in the server
namespace, enforces it (WhatsApp, flagged under the first policy, is blocked
under the second), refuses a tampered bundle and one whose embedded tests
fail while keeping the last good policy, picks up a signed policy.d drop-in
without a restart, reports the version it enforces in its heartbeats, and
after a restart with the policy server gone enforces the last good policy at
once. Needs root; exits 77 otherwise."""
import base64
import hashlib
import os
import re
import signal
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from agent import Agent, field  # noqa: E402
from netns import TEST_NAMES, Tap, Topology, skipped_without, run  # noqa: E402

POLICY_NAME = "policy.example.test"


def with_version(path, version):
    text = open(path).read()
    return re.sub(r"^version:.*$", 'version: "%s"' % version, text, count=1, flags=re.M)


def sign(key, text):
    """Ed25519 over the exact bytes (what `phiguard policy sign` makes, raw here)."""
    path = key + ".msg"
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", path],
                       capture_output=True, check=True)
    return r.stdout


def publish(www, name, text, sig):
    """A bundle: tar of NAME.yaml and NAME.yaml.sig, replaced atomically."""
    stage = os.path.join(www, ".stage")
    os.makedirs(stage, exist_ok=True)
    with open(os.path.join(stage, name), "w") as f:
        f.write(text)
    with open(os.path.join(stage, name + ".sig"), "wb") as f:
        f.write(sig)
    tmp = os.path.join(www, ".estate.bundle")
    with tarfile.open(tmp, "w") as t:
        t.add(os.path.join(stage, name), arcname=name)
        t.add(os.path.join(stage, name + ".sig"), arcname=name + ".sig")
    os.rename(tmp, os.path.join(www, "estate.bundle"))


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def whatsapp(topo):
    rc, code, _ = topo.curl("https://web.whatsapp.com/", timeout=4)
    return rc == 0 and code == "200"


def wait(pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    return None


class FleetAgent(Agent):
    """The live harness's agent, with the fleet settings in its configuration."""

    def __init__(self, topo, binary, policy_cfg, state):
        super().__init__(topo, binary)
        with open(self.config, "w") as f:
            f.write("control:\n  socket: %s\n" % self.socket)
            f.write("report:\n  stdout: always\n  stdout_format: json\n  heartbeat_interval: 1\n")
            f.write("spool:\n  directory: %s\n" % os.path.join(topo.dir, "spool"))
            f.write("identity:\n  labels: { site: st-marys, ward: ward-7b }\n")
            f.write("policy:\n  state_directory: %s\n%s" % (state, policy_cfg))

    def start(self, timeout=90):
        # Compiling a policy takes seconds on a busy 2-core machine.
        return super().start(timeout=timeout)


def main():
    if skipped_without(("dnsmasq", "curl", "openssl", "iptables-nft-restore")):
        return 77
    binary = os.environ["PHIGUARD"]
    src = os.environ["PHIGUARD_SOURCE_ROOT"]
    default_policy = os.path.join(src, "policy", "default.yaml")
    strict_policy = os.path.join(src, "policy", "examples", "strict.yaml")
    if not (os.path.exists(default_policy) and os.path.exists(strict_policy)):
        print("1..0 # SKIP policy/default.yaml or policy/examples/strict.yaml missing")
        return 77

    t = Tap()
    names = TEST_NAMES + [POLICY_NAME]
    topo = Topology("pgf").up()
    topo.make_ca(names)
    os.chmod(topo.dir, 0o755)
    topo.start_dns(names)
    topo.start_servers()
    d = topo.dir
    # This host's client certificate, from the test CA; the policy signing key.
    client_key, client_cert = os.path.join(d, "client.key"), os.path.join(d, "client.pem")
    run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", client_key, "-out", client_key + ".csr", "-subj", "/CN=ws-7b-001"])
    run(["openssl", "x509", "-req", "-in", client_key + ".csr", "-CA", topo.ca, "-CAkey",
         os.path.join(d, "ca.key"), "-CAcreateserial", "-out", client_cert, "-days", "2"])
    sign_key, sign_pub = os.path.join(d, "infosec.pem"), os.path.join(d, "infosec.pub.pem")
    run(["openssl", "genpkey", "-algorithm", "ED25519", "-out", sign_key])
    run(["openssl", "pkey", "-in", sign_key, "-pubout", "-out", sign_pub])

    www = os.path.join(d, "www")
    os.makedirs(www)
    log = os.path.join(d, "requests.log")
    v1 = with_version(default_policy, "fleet-1")
    v2 = with_version(strict_policy, "fleet-2")
    publish(www, "estate.yaml", v1, sign(sign_key, v1))
    server = topo.spawn(topo.server, ["/usr/bin/python3", os.path.join(HERE, "policy-server.py"),
                                      topo.server_ip, "8443", www, topo.cert, topo.key, topo.ca,
                                      log], stdout=subprocess.PIPE)
    if b"listening" not in server.stdout.readline():
        print("1..0 # SKIP policy server did not start")
        return 1

    dropins = os.path.join(d, "policy.d")
    os.makedirs(dropins)
    state = os.path.join(d, "state")
    policy_cfg = ("  directory: %s\n  require_signature: true\n  trusted_keys: [%s]\n"
                  "  url: https://%s:8443/estate.bundle\n  pull_interval: 10\n"
                  "  tls: { ca: %s, cert: %s, key: %s }\n"
                  % (dropins, sign_pub, POLICY_NAME, topo.ca, client_cert, client_key))
    # Counts the pull's packets that carry the agent's own mark (SO_MARK 0x800000).
    topo.client_run(["iptables-nft", "-A", "OUTPUT", "-p", "tcp", "--dport", "8443", "-m", "mark",
                     "--mark", "0x800000/0x800000"], check=True)
    agent = FleetAgent(topo, binary, policy_cfg, state).start()

    st = wait(lambda: (lambda s: s if s.get("policy.version") == "fleet-1" else None)(agent.status()))
    t.ok(st is not None, "signed bundle pulled over mutual TLS at start: fleet-1 in force",
         agent.status())
    t.ok(whatsapp(topo), "under fleet-1 WhatsApp is flagged, the connection works", agent.log()[-2000:])
    reqs = open(log).read()
    t.ok("ws-7b-001" in reqs, "the policy server saw the host's client certificate", reqs[-500:])

    publish(www, "estate.yaml", v2, sign(sign_key, v2))
    # The next pull comes by itself after pull_interval (10 s, +-10 % jitter).
    st = wait(lambda: (lambda s: s if s.get("policy.version") == "fleet-2" else None)(agent.status()),
              timeout=40)
    t.ok(st is not None and st.get("policy.hash", "").startswith(sha256(v2)[:12]),
         "fleet-2 pulled on the interval, in force without a restart; status shows its SHA-256",
         agent.status())
    t.ok(wait(lambda: not whatsapp(topo), timeout=15), "under fleet-2 WhatsApp is blocked",
         agent.events()[-3:])
    rules = lambda: topo.client_run(["iptables-nft", "-S", "PHIGUARD-OUT"]).stdout  # noqa: E731
    t.ok(wait(lambda: "-d 149.154.160.0/20 -j PHIGUARD-CLOSED" in rules(), timeout=15),
         "fleet-2 closes consumer messaging (fail_mode closed): its prefixes are held in the "
         "kernel without a restart", rules())
    hb = wait(lambda: [e for e in agent.events() if field(e, "event.action") == "heartbeat" and
                       field(e, "phiguard.policy_version") == "fleet-2"])
    t.ok(hb, "the heartbeat reports fleet-2", agent.events()[-3:])
    if hb:
        e = hb[-1]
        t.ok(field(e, "host.name") and field(e, "host.id") and
             str(field(e, "labels.ward") or field(e, "labels") or "").find("ward-7b") >= 0,
             "the heartbeat carries host name, host id and the ward label", e)
    else:
        t.ok(False, "the heartbeat carries host name, host id and the ward label")
    agent.send_signal(signal.SIGHUP)
    t.ok(wait(lambda: '"status": 304' in open(log).read(), timeout=15),
         "unchanged bundle revalidated with If-None-Match: 304")
    counted = topo.client_run(["iptables-nft", "-L", "OUTPUT", "-v", "-n", "-x"]).stdout
    marked = [line.split()[0] for line in counted.splitlines() if "mark match 0x800000" in line]
    t.ok(marked and int(marked[0]) > 0,
         "the pull's packets carry the agent's mark, so its own rules never queue them", counted)

    # Tampered: fleet-2's signature over different bytes.
    tampered = v2.replace("block-consumer-messaging", "block-consumer-messaging-x", 1) + "\n# x\n"
    publish(www, "estate.yaml", tampered, sign(sign_key, v2))
    agent.send_signal(signal.SIGHUP)  # systemctl reload: look at the sources now
    ev = agent.wait_event(lambda e: field(e, "event.action") == "policy-refused" and
                          "bad-signature" in str(field(e, "message")), timeout=30)
    t.ok(ev is not None, "tampered bundle refused: policy-refused event (bad-signature)",
         agent.events()[-3:])
    st = agent.status()
    t.ok(st.get("policy.version") == "fleet-2" and not whatsapp(topo),
         "the last good policy (fleet-2) stays in force", st)

    # Signed, but its own embedded tests fail: refused after compile.
    v3 = with_version(strict_policy, "fleet-3").replace("expect: block", "expect: allow", 1)
    publish(www, "estate.yaml", v3, sign(sign_key, v3))
    agent.send_signal(signal.SIGHUP)
    ev = agent.wait_event(lambda e: field(e, "event.action") == "policy-refused" and
                          "tests-failed" in str(field(e, "message")), timeout=30)
    t.ok(ev is not None, "a signed policy whose embedded tests fail is refused (tests-failed)",
         agent.events()[-3:])
    t.ok(agent.status().get("policy.version") == "fleet-2", "fleet-2 still in force")

    # A signed drop-in from configuration management, no restart.
    v4 = with_version(default_policy, "fleet-4")
    with open(os.path.join(dropins, "estate.yaml.sig"), "w") as f:
        f.write(base64.b64encode(sign(sign_key, v4)).decode() + "\n")  # phiguard policy sign's format
    with open(os.path.join(dropins, "estate.yaml"), "w") as f:
        f.write(v4)
    st = wait(lambda: (lambda s: s if s.get("policy.version") == "fleet-4" else None)(agent.status()),
              timeout=30)
    t.ok(st is not None, "signed policy.d drop-in picked up without a restart: fleet-4",
         agent.status())

    # Restart with the policy server gone: the last good policy is enforced at once.
    server.kill()
    agent.stop()
    t.ok(os.path.exists(os.path.join(state, "policy", "current.yaml")) and
         open(os.path.join(state, "policy", "current.yaml")).read() == v4,
         "the last good policy is kept in the state directory")
    agent = FleetAgent(topo, binary, policy_cfg, state).start()
    t.ok(agent.status().get("policy.version") == "fleet-4",
         "after a restart, with the policy server down, fleet-4 is in force at once",
         agent.status())
    agent.stop()
    left = topo.client_run(["iptables-nft", "-w", "-S"]).stdout
    t.ok("PHIGUARD" not in left, "rules removed on stop")
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
