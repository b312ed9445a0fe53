#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A real browser through `phiguard run`: Chromium (the headless shell)
loads pages over HTTP/3 from caddy in a server namespace. The browser maps
the test names to the server itself, as it does with DNS over HTTPS, so
the agent sees no DNS answer and the QUIC Initial is all it has to go on.
Checks that a browser's QUIC is not a way around the policy:
 - default policy: WhatsApp Web over QUIC loads and is flagged; the event
   names the server, the app, QUIC, the user and the browser; over TCP
   (HTTP/2) the same;
 - strict policy: it is refused at once over QUIC and over TCP (the page
   fails within seconds and the server never gets the request), over
   IPv6 too, while Teams over QUIC still loads.
Needs root, chromium-headless-shell and caddy (unpacked by
scripts/fetch-test-daemons.sh); exits 77 otherwise."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from agent import Agent, field  # noqa: E402
from netns import Tap, Topology, skipped_without, run  # noqa: E402

CHROMIUM = "chromium-headless-shell"
CADDY_PATHS = (os.environ.get("PHIGUARD_CADDY", ""),
               "/var/cache/phiguard-test/caddy/usr/bin/caddy", shutil.which("caddy") or "")
MARKER = "phiguard-quic-page"
NOBODY = 65534


def find_caddy():
    for path in CADDY_PATHS:
        if path and os.access(path, os.X_OK):
            return path
    return None


class Caddy:
    """HTTPS and HTTP/3 for the test names, one JSON access log line per request."""

    def __init__(self, topo, binary, names):
        self.log = os.path.join(topo.dir, "access.log")
        site = os.path.join(topo.dir, "site")
        os.mkdir(site)
        with open(os.path.join(site, "index.html"), "w") as f:
            f.write("<html><body>%s</body></html>\n" % MARKER)
        conf = os.path.join(topo.dir, "Caddyfile")
        with open(conf, "w") as f:
            f.write("{\n\tadmin off\n\tauto_https disable_redirects\n"
                    "\tstorage file_system %s/caddy\n"
                    "\tservers {\n\t\tprotocols h1 h2 h3\n\t}\n}\n" % topo.dir)
            f.write("%s {\n\tbind %s %s\n\ttls %s %s\n\troot * %s\n\tfile_server\n"
                    "\tlog {\n\t\toutput file %s\n\t\tformat json\n\t}\n}\n"
                    % (", ".join("https://" + n for n in names), topo.server_ip,
                       topo.server_ip6, topo.cert, topo.key, site, self.log))
        # Its state (and nothing else) goes under the test's directory.
        env = dict(os.environ, HOME=topo.dir, XDG_DATA_HOME=topo.dir,
                   XDG_CONFIG_HOME=topo.dir)
        out = open(os.path.join(topo.dir, "caddy.out"), "w")
        topo.procs.append(subprocess.Popen(
            topo.ns(topo.server, [binary, "run", "--config", conf, "--adapter", "caddyfile"]),
            stdout=out, stderr=subprocess.STDOUT, env=env))
        topo.wait_port(topo.server, topo.server_ip, 443, timeout=15)
        topo.wait_port(topo.server, topo.server_ip, 443, udp=True, timeout=15)

    def requests(self, host):
        """(protocol, status) of each request for @host so far."""
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    req = json.loads(line).get("request", {})
                    if req.get("host") == host:
                        out.append((req.get("proto"), json.loads(line).get("status")))
        except FileNotFoundError:
            pass
        return out


class Browser:
    """Chromium as `nobody`, forced to QUIC for @host, trusting only the test CA's server key."""

    def __init__(self, topo):
        self.topo = topo
        self.home = os.path.join(topo.dir, "browser")
        os.mkdir(self.home)
        os.chown(self.home, NOBODY, NOBODY)
        os.chmod(topo.dir, 0o755)
        self.spki = run(["sh", "-c", "openssl x509 -in '%s' -pubkey -noout | openssl pkey "
                         "-pubin -outform der | openssl dgst -sha256 -binary | base64"
                         % topo.cert]).stdout.strip()
        self.n = 0

    def command(self, host, quic, ipv6, *extra):
        self.n += 1
        profile = os.path.join(self.home, "profile-%d" % self.n)
        transport = "--origin-to-force-quic-on=%s:443" % host if quic else "--disable-quic"
        server = "[%s]" % self.topo.server_ip6 if ipv6 else self.topo.server_ip
        return self.topo.ns(self.topo.client, [
            "setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
            "env", "HOME=" + self.home, CHROMIUM, "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + profile,
            "--host-resolver-rules=MAP * %s" % server, transport,
            "--ignore-certificate-errors-spki-list=" + self.spki] + list(extra) +
            ["https://%s/" % host])

    def load(self, host, quic=True, ipv6=False, timeout_ms=8000):
        """The page's DOM (or the error), and how long it took."""
        t0 = time.time()
        r = run(self.command(host, quic, ipv6, "--timeout=%d" % timeout_ms, "--dump-dom"),
                check=False, timeout=timeout_ms / 1000 + 30)
        return r.returncode, r.stdout + r.stderr[-600:], time.time() - t0

    def open(self, host):
        """A browser that keeps the page open over QUIC (and its processes alive): close() it."""
        page = subprocess.Popen(self.command(host, True, False, "--remote-debugging-port=0"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        self.topo.procs.append(page)  # killed with the namespaces if the test stops early
        return page

    @staticmethod
    def close(page):
        """The browser and every process it started (zygotes, GPU, network service)."""
        try:
            os.killpg(page.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        page.wait(timeout=10)


def browser_event(agent, host, verdict, protocol="quic", timeout=5):
    return agent.wait_event(lambda e: field(e, "network.protocol") == protocol and
                            field(e, "tls.client.server_name") == host and
                            field(e, "phiguard.verdict") == verdict, timeout=timeout)


def main():
    caddy = find_caddy()
    if skipped_without(("dnsmasq", "openssl", "iptables-nft-restore", "setpriv", CHROMIUM),
                       None if caddy else "caddy not unpacked (scripts/fetch-test-daemons.sh)"):
        return 77
    binary = os.environ["PHIGUARD"]
    src = os.environ["PHIGUARD_SOURCE_ROOT"]
    t = Tap()
    topo = Topology("pgb").up()
    topo.make_ca()
    server = Caddy(topo, caddy, ["web.whatsapp.com", "teams.microsoft.com"])
    topo.wait_ipv6()
    browser = Browser(topo)

    # Default policy: WhatsApp is flagged, not blocked.
    agent = Agent(topo, binary).start()
    page = browser.open("web.whatsapp.com")
    ev = browser_event(agent, "web.whatsapp.com", "flag", timeout=15)
    deadline = time.time() + 10
    while time.time() < deadline and ("HTTP/3.0", 200) not in server.requests("web.whatsapp.com"):
        time.sleep(0.1)
    browser.close(page)
    t.ok(("HTTP/3.0", 200) in server.requests("web.whatsapp.com"),
         "default policy: Chromium loads WhatsApp Web over HTTP/3 (flagged, not blocked)",
         (server.requests("web.whatsapp.com"), agent.log()))
    t.ok(ev is not None and field(ev, "phiguard.app") == "whatsapp" and
         field(ev, "network.transport") == "udp",
         "the QUIC connection is flagged as WhatsApp from its Initial alone (no DNS seen)",
         agent.events()[-4:])
    t.ok(ev is not None and str(field(ev, "user.id")) == str(NOBODY) and
         str(field(ev, "process.executable") or "").endswith("/" + CHROMIUM),
         "the event names the browser's user and executable",
         ev and (field(ev, "user.id"), field(ev, "process.executable")))
    # The same browser over TCP and TLS: a 1.8 KB ClientHello (post-quantum
    # key share, GREASE), more than one segment on the wire.
    rc, out, secs = browser.load("web.whatsapp.com", quic=False)
    t.ok(rc == 0 and MARKER in out and
         browser_event(agent, "web.whatsapp.com", "flag", protocol="tls") is not None,
         "default policy: over TCP (HTTP/2) it loads and is flagged too",
         (rc, out[-400:], agent.events()[-3:]))
    agent.stop()

    # Strict policy: refused at once; Teams still works over QUIC.
    strict = os.path.join(src, "policy", "examples", "strict.yaml")
    agent = Agent(topo, binary, policy=strict).start()
    before = len(server.requests("web.whatsapp.com"))
    rc, out, secs = browser.load("web.whatsapp.com")
    t.ok(MARKER not in out and secs < 5,
         "strict policy: WhatsApp Web over QUIC fails at once (%.1f s)" % secs, out[-400:])
    t.ok(len(server.requests("web.whatsapp.com")) == before,
         "the server never gets the request", server.requests("web.whatsapp.com"))
    t.ok(browser_event(agent, "web.whatsapp.com", "block") is not None,
         "a block event names WhatsApp's server and QUIC", agent.events()[-4:])
    before = len(server.requests("web.whatsapp.com"))
    rc, out, secs = browser.load("web.whatsapp.com", quic=False)
    t.ok(MARKER not in out and secs < 5 and
         len(server.requests("web.whatsapp.com")) == before and
         browser_event(agent, "web.whatsapp.com", "block", protocol="tls") is not None,
         "strict policy: over TCP it is refused at once too (%.1f s), the server gets nothing"
         % secs, (out[-400:], server.requests("web.whatsapp.com")))
    before = len(server.requests("web.whatsapp.com"))
    rc, out, secs = browser.load("web.whatsapp.com", ipv6=True)
    t.ok(MARKER not in out and secs < 5 and
         len(server.requests("web.whatsapp.com")) == before and
         agent.wait_event(lambda e: field(e, "network.protocol") == "quic" and
                          field(e, "destination.ip") == topo.server_ip6 and
                          field(e, "phiguard.verdict") == "block") is not None,
         "strict policy: over IPv6 QUIC is refused at once too (%.1f s)" % secs,
         (out[-400:], agent.events()[-3:]))
    rc, out, secs = browser.load("teams.microsoft.com")
    t.ok(rc == 0 and MARKER in out and ("HTTP/3.0", 200) in server.requests("teams.microsoft.com"),
         "strict policy: Teams (approved) loads over HTTP/3", (rc, out[-400:]))
    agent.stop()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
