# SPDX-License-Identifier: GPL-2.0-or-later
"""Network namespaces for live-agent tests.

A client namespace (where phiguard runs) and a server namespace joined by a
veth pair, with addresses in 10.200.0.0/16 and fd00:200::/32 (unique local)
only; a test CA and one
certificate for every test name; dnsmasq resolving the test names to the
server; HTTPS and HTTP upload servers (servers.py). Names are unique per
run; everything is removed on exit, on failure and on SIGTERM.
"""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

TEST_NAMES = [
    "web.whatsapp.com",
    "mmg.whatsapp.net",
    "api.telegram.org",
    "teams.microsoft.com",
    "upload.example.test",
    "files.example.test",
]


# 401 023 2137 is a published NHS number test vector (valid check digit), not a patient.
PHI_BODY = (b"Referral for patient John Smith, NHS number 401 023 2137, "
            b"date of birth 01/02/1960, postcode SW1A 1AA. Diagnosis attached.\n")
CLEAN_BODY = (b"Quarterly stationery order: 40 boxes of gloves, 12 packs of paper, "
              b"3 printer cartridges. Deliver to loading bay 2.\n")


def skipped_without(tools=(), missing=None):
    """True, after printing TAP's skip plan, when a live test cannot run here:
    not root, one of @tools not installed, or @missing (a reason) given."""
    why = None
    if os.geteuid() != 0:
        why = "needs root (network namespaces)"
    for tool in tools:
        if not why and not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            why = "%s not installed" % tool
    why = why or missing
    if why:
        print("1..0 # SKIP " + why)
    return bool(why)


def run(cmd, check=True, timeout=30, **kw):
    return subprocess.run(cmd, check=check, timeout=timeout, capture_output=True, text=True, **kw)


class Topology:
    def __init__(self, tag="pg"):
        suffix = "%d%04d" % (os.getpid() % 100000, int(time.time() * 1000) % 10000)
        self.client = "%sc%s" % (tag, suffix)
        self.server = "%ss%s" % (tag, suffix)
        self.veth_c = "pgc%s" % suffix[-8:]
        self.veth_s = "pgs%s" % suffix[-8:]
        octet = 20 + os.getpid() % 200
        self.client_ip = "10.200.%d.1" % octet
        self.server_ip = "10.200.%d.2" % octet
        self.client_ip6 = "fd00:200:%d::1" % octet
        self.server_ip6 = "fd00:200:%d::2" % octet
        self.dir = tempfile.mkdtemp(prefix="phiguard-live-")
        self.upload_dir = os.path.join(self.dir, "uploads")
        os.mkdir(self.upload_dir)
        self.procs = []
        self.resolv_dir = "/etc/netns/%s" % self.client
        self.up_done = False
        atexit.register(self.cleanup)
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))

    # -- lifecycle

    def up(self):
        run(["ip", "netns", "add", self.client])
        run(["ip", "netns", "add", self.server])
        self.up_done = True
        run(["ip", "link", "add", self.veth_c, "netns", self.client, "type", "veth",
             "peer", "name", self.veth_s, "netns", self.server])
        run(["ip", "-n", self.client, "addr", "add", self.client_ip + "/24", "dev", self.veth_c])
        run(["ip", "-n", self.server, "addr", "add", self.server_ip + "/24", "dev", self.veth_s])
        # IPv6 too (no duplicate address detection: usable at once); names
        # resolve to it only for tests that ask (start_dns(ipv6=True)).
        run(["ip", "-n", self.client, "addr", "add", self.client_ip6 + "/64", "dev", self.veth_c,
             "nodad"])
        run(["ip", "-n", self.server, "addr", "add", self.server_ip6 + "/64", "dev", self.veth_s,
             "nodad"])
        for ns, dev in ((self.client, self.veth_c), (self.server, self.veth_s)):
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
        # `ip netns exec` bind-mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf.
        os.makedirs(self.resolv_dir, exist_ok=True)
        with open(os.path.join(self.resolv_dir, "resolv.conf"), "w") as f:
            f.write("nameserver %s\noptions timeout:1 attempts:2\n" % self.server_ip)
        return self

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    # A process that leads its own group (a browser) goes with its children.
                    if os.getpgid(p.pid) == p.pid:
                        os.killpg(p.pid, signal.SIGKILL)
                    else:
                        p.kill()
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self.procs = []
        if self.up_done:
            for ns in (self.client, self.server):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            self.up_done = False
        shutil.rmtree(self.resolv_dir, ignore_errors=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers

    def ns(self, name, cmd):
        return ["ip", "netns", "exec", name] + list(cmd)

    def client_run(self, cmd, timeout=15, check=False):
        return run(self.ns(self.client, cmd), check=check, timeout=timeout)

    def spawn(self, netns, cmd, stdout=None, stderr=None):
        p = subprocess.Popen(self.ns(netns, cmd), stdout=stdout or subprocess.DEVNULL,
                             stderr=stderr or subprocess.DEVNULL)
        self.procs.append(p)
        return p

    # -- services

    def make_ca(self, names=TEST_NAMES):
        d = self.dir
        self.ca = os.path.join(d, "ca.pem")
        self.cert = os.path.join(d, "server.pem")
        self.key = os.path.join(d, "server.key")
        ca_key = os.path.join(d, "ca.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", ca_key, "-out", self.ca, "-days", "2",
             "-subj", "/CN=phiguard test CA"])
        csr = os.path.join(d, "server.csr")
        run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", self.key, "-out", csr, "-subj", "/CN=" + names[0]])
        ext = os.path.join(d, "san.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=" + ",".join("DNS:" + n for n in names) + "\n")
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key,
             "-CAcreateserial", "-out", self.cert, "-days", "2", "-extfile", ext])

    def wait_ipv6(self, timeout=5):
        """Until the server's IPv6 address answers (a refused connection).

        For about a second after the link comes up, the first IPv6 packet
        waits for its neighbour to be found: a test timing its first
        connection would charge that to the agent."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.client_run(["curl", "-s", "--max-time", "0.2",
                                 "http://[%s]:9/" % self.server_ip6])
            if r.returncode == 7:  # connection refused: the neighbour answered
                return
        raise RuntimeError("no IPv6 path to %s" % self.server_ip6)

    def start_dns(self, names=TEST_NAMES, ipv6=False):
        cmd = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
               "--bind-interfaces", "--listen-address=" + self.server_ip,
               "--pid-file=" + os.path.join(self.dir, "dnsmasq.pid"), "--user=root"]
        cmd += ["--address=/%s/%s" % (n, self.server_ip) for n in names]
        if ipv6:
            cmd += ["--address=/%s/%s" % (n, self.server_ip6) for n in names]
        self.spawn(self.server, cmd)
        self.wait_port(self.server, self.server_ip, 53, udp=True)

    def start_servers(self, address=None):
        """HTTPS and HTTP on @address (the server's IPv4 address by default)."""
        p = self.spawn(self.server, ["/usr/bin/python3", os.path.join(HERE, "servers.py"),
                                     "--address", address or self.server_ip, "--cert", self.cert,
                                     "--key", self.key, "--upload-dir", self.upload_dir],
                       stdout=subprocess.PIPE)
        line = p.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError("test servers did not start")

    def wait_port(self, netns, ip, port, udp=False, timeout=5):
        deadline = time.time() + timeout
        flag = "-u" if udp else "-t"
        while time.time() < deadline:
            out = run(self.ns(netns, ["ss", "-lnH", flag]), check=False).stdout
            if "%s:%d " % (ip, port) in out:
                return
            time.sleep(0.05)
        raise RuntimeError("nothing listens on %s:%d" % (ip, port))

    def uploads(self, kind=""):
        """What reached the servers, in order: POST bodies and mails (@kind: "post", "mail")."""
        out = []
        for name in sorted(os.listdir(self.upload_dir)):
            if name.endswith(kind):
                with open(os.path.join(self.upload_dir, name), "rb") as f:
                    out.append(f.read())
        return out

    def curl(self, url, data=None, timeout=5, extra=()):
        cmd = ["curl", "-sS", "--max-time", str(timeout), "--cacert", self.ca, "-o", "/dev/null",
               "-w", "%{http_code}"]
        if data is not None:
            cmd += ["-X", "POST", "--data-binary", "@" + data]
        cmd += list(extra) + [url]
        t0 = time.time()
        r = self.client_run(cmd, timeout=timeout + 5)
        return r.returncode, r.stdout.strip(), time.time() - t0


class Tap:
    """TAP output: meson counts subtests."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag="", todo=None):
        """@todo: a known bug, named; meson counts an unexpected pass as a failure."""
        self.n += 1
        print("%s %d - %s%s" % ("ok" if cond else "not ok", self.n, name,
                                " # TODO " + todo if todo else ""), flush=True)
        if not cond and not todo:
            self.failed += 1
        if not cond:
            for line in str(diag).splitlines():
                print("# " + line[:2000], flush=True)
        return cond

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed else 0
