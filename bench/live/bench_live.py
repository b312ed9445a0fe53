#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark of `phiguard run` in a real packet path (not a test).

Two fresh namespaces (10.200.x.y), interleaved rounds; in every round each
configuration runs back to back and ratios are taken inside the round:

  none    no rules
  ct      conntrack on (one counting rule), nothing queued: what any stateful
          firewall costs, and the floor for flows the agent hands to the kernel
  acc     the agent's exact rules, answered by a minimal accept-all loop
  agent   phiguard run (attribution: events)
  attr    phiguard run, attribution: flows (every new connection's socket looked up)
  osd     opensnitchd (connections only), when installed
  scan    phiguard run with scan-policy.yaml: every cleartext flow scanned to its end

Measures: iperf3 throughput, sockperf TCP latency (p50/p99), sequential new
connections per second (bare connect()+close(), and with a one-line request
and answer), a cleartext upload scanned by the agent against the matcher's
own single-core rate on the same bytes, agent RSS at 100k flows, and the
per-connection cost with attribution from an empty socket table to ~100k
TIME_WAIT sockets.

Exact lookup vs dump: attrib_bench. Needs root.

usage: bench_live.py --build BUILDDIR [--rounds N] [--conns N] [--out FILE]
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Every client and server runs on CPU 0 (see the method notes in README.md).
PIN = ["taskset", "-c", "0"]
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "lib"))
from netns import Topology, run  # noqa: E402


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.join(args.build, "agent", "cli", "phiguard")
        self.tools = os.path.join(args.build, "bench", "live")
        self.topo = Topology("pgb").up()
        self.c, self.s = self.topo.client, self.topo.server
        self.sip = self.topo.server_ip
        self.port = 7000
        self.rules = None
        self.out = open(args.out, "a") if args.out else None
        for ns in (self.c, self.s):
            run(self.topo.ns(ns, ["sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1",
                                  "net.ipv4.ip_local_port_range=10000 65000"]))

    def record(self, rec):
        print(json.dumps(rec), flush=True)
        if self.out:
            self.out.write(json.dumps(rec) + "\n")
            self.out.flush()

    def cli(self, cmd, timeout=120):
        return run(self.topo.ns(self.c, cmd), check=False, timeout=timeout)

    # -- configurations

    def spin(self):
        """One SCHED_IDLE busy loop per vCPU: RTTs show path cost, not idle-exit cost."""
        for cpu in range(os.cpu_count() or 1):
            p = subprocess.Popen(["chrt", "-i", "0", "taskset", "-c", str(cpu), "sh", "-c",
                                  "while :; do :; done"])
            self.topo.procs.append(p)

    def agent_start(self, attribution="events", max_flows=65536, tcp="[0, 1]", policy=None):
        cfg = os.path.join(self.topo.dir, "agent.yaml")
        with open(cfg, "w") as f:
            f.write("control: { socket: %s/ctl.sock }\n" % self.topo.dir)
            f.write("queues: { max_flows: %d, tcp: %s }\n" % (max_flows, tcp))
            f.write("attribution: { mode: %s }\n" % attribution)
            f.write("report: { stdout: never }\nspool: { directory: %s/spool }\n" % self.topo.dir)
        cmd = [self.bin, "run", "--config", cfg] + (["--policy", policy] if policy else [])
        p = self.topo.spawn(self.c, cmd)
        for _ in range(200):
            if os.path.exists(os.path.join(self.topo.dir, "ctl.sock")):
                break
            time.sleep(0.02)
        time.sleep(0.3)
        return p

    def status(self):
        r = self.cli([self.bin, "status", "--json", "--socket", self.topo.dir + "/ctl.sock"])
        return json.loads(r.stdout) if r.returncode == 0 else {}

    def capture_rules(self):
        p = self.agent_start()
        self.rules = (self.cli(["iptables-nft-save", "-t", "filter"]).stdout,
                      self.cli(["ip6tables-nft-save", "-t", "filter"]).stdout)
        self.stop(p)

    def acc_start(self):
        run(self.topo.ns(self.c, ["iptables-nft-restore"]), input=self.rules[0])
        run(self.topo.ns(self.c, ["ip6tables-nft-restore"]), input=self.rules[1])
        p = self.topo.spawn(self.c, [os.path.join(self.tools, "accept_all"), "-u", "2", "0", "1"])
        time.sleep(0.3)
        return p

    def acc_stop(self, p):
        if p is not None:
            self.stop(p)
        for tool in ("iptables-nft", "ip6tables-nft"):
            self.cli([tool, "-F"])
            self.cli([tool, "-X"])

    def osd_start(self):
        rules = os.path.join(self.topo.dir, "os-rules")
        os.makedirs(rules, exist_ok=True)
        p = self.topo.spawn(self.c, ["opensnitchd", "-rules-path", rules, "-log-file",
                                     os.path.join(self.topo.dir, "osd.log"), "-important"])
        for _ in range(100):
            if "NFQUEUE" in self.cli(["iptables-nft", "-t", "mangle", "-S"]).stdout:
                break
            time.sleep(0.05)
        time.sleep(1.5)
        return p

    def stop(self, p, sig=signal.SIGTERM):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def with_config(self, name, fn):
        p = None
        if name == "acc":
            p = self.acc_start()
        elif name == "ct":
            self.cli(["iptables-nft", "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "INVALID"])
        elif name in ("agent", "attr"):
            p = self.agent_start("flows" if name == "attr" else "events")
        elif name == "scan":
            p = self.agent_start(policy=os.path.join(HERE, "scan-policy.yaml"))
        elif name == "agent1":
            p = self.agent_start(tcp="[0]")
        elif name == "osd":
            p = self.osd_start()
        try:
            return fn(p)
        finally:
            if name in ("acc", "ct"):
                self.acc_stop(p)
            elif p is not None:
                self.stop(p)

    # -- measurements

    def iperf(self, p):
        r = self.cli(PIN + ["iperf3", "-c", self.sip, "-t", str(self.args.secs), "-J"], timeout=60)
        try:
            return json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"] / 1e9
        except (ValueError, KeyError):
            return None

    def sockperf(self, p):
        r = self.cli(PIN + ["sockperf", "ping-pong", "-i", self.sip, "-p", "11112", "--tcp", "-t",
                      str(self.args.secs), "-m", "64", "--full-rtt"], timeout=60)
        pct = dict(re.findall(r"percentile\s+([\d.]+)\s*=\s*([\d.]+)", r.stdout))
        try:
            return float(pct["50.000"]), float(pct["99.000"])
        except KeyError:
            return None

    def conns(self, p, n=None, request=False):
        self.port += 1
        serve, connect = ("serve-request", "request") if request else ("serve", "connect")
        srv = self.topo.spawn(self.s, PIN + [os.path.join(self.tools, "conn_bench"), serve,
                                             self.sip, str(self.port)], stdout=subprocess.PIPE)
        srv.stdout.readline()
        cpu0 = self.cpu(p)
        r = self.cli(PIN + [os.path.join(self.tools, "conn_bench"), connect, self.sip,
                            str(self.port), str(n or self.args.conns)], timeout=300)
        cpu1 = self.cpu(p)
        srv.kill()
        srv.wait()
        try:
            rec = json.loads(r.stdout)
        except ValueError:
            return None
        if cpu0 is not None and cpu1 is not None:
            rec["cpu_us_per_conn"] = (cpu1 - cpu0) * 1e6 / max(rec["ok"], 1)
        return rec

    def conns_request(self, p):
        return self.conns(p, request=True)

    def scan_xfer(self, p):
        r = self.cli(PIN + ["/usr/bin/python3", os.path.join(HERE, "xfer.py"), "send", self.sip,
                      "7700", self.corpus], timeout=300)
        try:
            rec = json.loads(r.stdout)
        except ValueError:
            return None
        if p is not None:
            time.sleep(0.3)
            st = self.status()
            rec["bytes_scanned"] = sum(v for k, v in st.items() if k.endswith(".bytes_scanned"))
        return rec

    def scan_rate(self):
        r = run([os.path.join(self.tools, "scan_rate"), self.corpus, "65536", "3"], check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def cpu(self, p):
        if p is None:
            return None
        try:
            f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            return None

    def rss_kib(self, pid):
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return None

    def tw_sockets(self):
        total = 0
        for ns in (self.c, self.s):
            out = run(self.topo.ns(ns, ["cat", "/proc/net/sockstat"]), check=False).stdout
            m = re.search(r"TCP: inuse (\d+) orphan \d+ tw (\d+)", out)
            total += int(m.group(1)) + int(m.group(2)) if m else 0
        return total

    # -- the benchmark

    def rounds(self):
        configs = self.args.configs.split(",")
        if "osd" in configs and not shutil.which("opensnitchd"):
            configs.remove("osd")
        self.topo.spawn(self.s, PIN + ["iperf3", "-s", "-B", self.sip])
        # Client and server share CPU 0 (iperf3 too): left to the scheduler,
        # the round trip is bimodal (14 or 37 µs here, by whether they land
        # together) and the throughput varies by a fifth, which drowns what
        # is being measured.
        self.topo.spawn(self.s, PIN + ["sockperf", "server", "-i", self.sip, "-p", "11112", "--tcp"])
        if "scan" in self.args.only:
            # The bench-match corpus (clinical chat, chat, JSON, HTML, number tables).
            self.corpus = os.path.join(self.topo.dir, "corpus.txt")
            run([os.path.join(self.args.build, "bench", "match", "bench-match"),
                 str(self.args.scan_mib), "1", self.corpus])
            srv = self.topo.spawn(self.s, PIN + ["/usr/bin/python3", os.path.join(HERE, "xfer.py"),
                                                 "recv", self.sip, "7700"], stdout=subprocess.PIPE)
            srv.stdout.readline()
        time.sleep(0.5)
        # An empty socket table for the interleaved rounds; the scaling run fills it.
        for ns in (self.c, self.s):
            run(self.topo.ns(ns, ["sysctl", "-qw", "net.ipv4.tcp_max_tw_buckets=0"]))
        for rnd in range(self.args.rounds):
            order = configs[rnd % len(configs):] + configs[:rnd % len(configs)]
            for cfg in order:
                if cfg in ("none", "ct", "acc", "agent") and "throughput" in self.args.only:
                    gbps = self.with_config(cfg, self.iperf)
                    lat = self.with_config(cfg, self.sockperf)
                    self.record({"round": rnd, "config": cfg, "test": "iperf3", "gbps": gbps})
                    self.record({"round": rnd, "config": cfg, "test": "sockperf_tcp",
                                 "p50_us": lat and lat[0], "p99_us": lat and lat[1]})
                rec = self.with_config(cfg, self.conns)
                self.record({"round": rnd, "config": cfg, "test": "conns", **(rec or {})})
                if cfg in ("none", "acc", "agent") and "request" in self.args.only:
                    rec = self.with_config(cfg, self.conns_request)
                    self.record({"round": rnd, "config": cfg, "test": "conns_request",
                                 **(rec or {})})
            if "scan" in self.args.only:
                for cfg in ("none", "scan"):
                    rec = self.with_config(cfg, self.scan_xfer)
                    self.record({"round": rnd, "config": cfg, "test": "scan_xfer", **(rec or {})})
                    # Every message of an inspected flow goes through the agent.
                    lat = self.with_config(cfg, self.sockperf)
                    self.record({"round": rnd, "config": cfg, "test": "sockperf_scan",
                                 "p50_us": lat and lat[0], "p99_us": lat and lat[1]})
                self.record({"round": rnd, "config": "matcher", "test": "scan_xfer",
                             **(self.scan_rate() or {})})

    def rss_at_flows(self, n=100000):
        p = self.agent_start(max_flows=262144)
        rss0 = self.rss_kib(p.pid)
        code = ("import socket\n"
                "for i in range(%d):\n"
                "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "    s.bind(('0.0.0.0', 10000 + i // 2))\n" % n +
                "    s.sendto(b'x', ('%s', 9000 + i %% 2))\n" % self.sip +
                "    s.close()\n")
        self.cli(["python3", "-c", code], timeout=300)
        time.sleep(1.5)
        st = self.status()
        flows = sum(v for k, v in st.items() if k.endswith(".flows_active"))
        rss1 = self.rss_kib(p.pid)
        self.stop(p)
        self.record({"test": "rss", "flows_sent": n, "flows_active": flows, "rss_kib_start": rss0,
                     "rss_kib_at_flows": rss1})

    def tw_scaling(self):
        for ns in (self.c, self.s):
            run(self.topo.ns(ns, ["sysctl", "-qw", "net.ipv4.tcp_max_tw_buckets=400000"]))
        for fill in (0, 50000, 100000):
            deadline = time.time() + 40
            while fill and self.tw_sockets() < fill and time.time() < deadline:
                self.conns(None, n=min(20000, fill - self.tw_sockets()))
            before = self.tw_sockets()
            none = self.conns(None, n=5000)
            attr = self.with_config("attr", lambda p: self.conns(p, n=5000))
            self.record({"test": "tw_scaling", "sockets": before, "none": none, "attr": attr})

    def close(self):
        self.topo.cleanup()


def med(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return "%.3g (%.3g–%.3g)" % (statistics.median(xs), min(xs), max(xs))


def summarize(path):
    """Markdown tables; ratios are taken inside each round, then the median."""
    recs = [json.loads(line) for line in open(path) if line.strip()]
    by = {}
    for r in recs:
        if "round" in r:
            by.setdefault((r["round"], r["test"]), {})[r["config"]] = r
    rounds = sorted({k[0] for k in by})

    def series(test, cfg, key):
        return [by.get((n, test), {}).get(cfg, {}).get(key) for n in rounds]

    def ratio(test, cfg, base, key):
        out = []
        for n in rounds:
            a = by.get((n, test), {}).get(cfg, {}).get(key)
            b = by.get((n, test), {}).get(base, {}).get(key)
            out.append(a / b if a and b else None)
        return out

    def delta(test, cfg, key):
        out = []
        for n in rounds:
            a = by.get((n, test), {}).get(cfg, {}).get(key)
            b = by.get((n, test), {}).get("none", {}).get(key)
            out.append(a - b if a is not None and b is not None else None)
        return out

    def added_us(cfg, test="conns"):
        out = []
        for n in rounds:
            a = by.get((n, test), {}).get(cfg, {}).get("rate")
            b = by.get((n, test), {}).get("none", {}).get("rate")
            out.append(1e6 / a - 1e6 / b if a and b else None)
        return out

    print("| config | iperf3 Gbit/s | vs none | vs ct | p50 µs | p99 µs | p50 added | p99 added |")
    print("|---|---|---|---|---|---|---|---|")
    for cfg in ("none", "ct", "acc", "agent"):
        if not any(series("iperf3", cfg, "gbps")):
            continue
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            cfg, med(series("iperf3", cfg, "gbps")), med(ratio("iperf3", cfg, "none", "gbps")),
            med(ratio("iperf3", cfg, "ct", "gbps")),
            med(series("sockperf_tcp", cfg, "p50_us")), med(series("sockperf_tcp", cfg, "p99_us")),
            med(delta("sockperf_tcp", cfg, "p50_us")), med(delta("sockperf_tcp", cfg, "p99_us"))))
    print()
    for test in ("conns", "conns_request"):
        print("%s:\n" % test)
        print("| config | conn/s | vs none | vs acc | added µs/conn vs none | agent CPU µs/conn |")
        print("|---|---|---|---|---|---|")
        for cfg in ("none", "acc", "agent", "agent1", "attr", "osd"):
            if not any(series(test, cfg, "rate")):
                continue
            print("| %s | %s | %s | %s | %s | %s |" % (
                cfg, med(series(test, cfg, "rate")), med(ratio(test, cfg, "none", "rate")),
                med(ratio(test, cfg, "acc", "rate")), med(added_us(cfg, test)),
                med(series(test, cfg, "cpu_us_per_conn"))))
        print()
    if any(series("sockperf_scan", "scan", "p50_us")):
        print("| inspected flow (scan-policy.yaml) | p50 µs | p99 µs | p50 added | p99 added |")
        print("|---|---|---|---|---|")
        for cfg in ("none", "scan"):
            print("| %s | %s | %s | %s | %s |" % (
                cfg, med(series("sockperf_scan", cfg, "p50_us")),
                med(series("sockperf_scan", cfg, "p99_us")),
                med(delta("sockperf_scan", cfg, "p50_us")),
                med(delta("sockperf_scan", cfg, "p99_us"))))
        print()
    if any(series("scan_xfer", "scan", "mbps")):
        scanned = [a / b if a and b else None for a, b in
                   zip(series("scan_xfer", "scan", "bytes_scanned"),
                       series("scan_xfer", "scan", "bytes"))]
        print("| scanned upload MB/s | no queue MB/s | matcher alone MB/s (1 core) |"
              " scanned vs matcher | bytes scanned / sent |")
        print("|---|---|---|---|---|")
        print("| %s | %s | %s | %s | %s |" % (
            med(series("scan_xfer", "scan", "mbps")), med(series("scan_xfer", "none", "mbps")),
            med(series("scan_xfer", "matcher", "mbps")),
            med(ratio("scan_xfer", "scan", "matcher", "mbps")), med(scanned)))
        print()
    for r in recs:
        if r.get("test") in ("rss", "tw_scaling"):
            print("    " + json.dumps(r))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--summarize":
        summarize(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--secs", type=int, default=4)
    ap.add_argument("--out")
    ap.add_argument("--only", default="rounds,throughput,request,scan,rss,tw")
    ap.add_argument("--scan-mib", type=int, default=32)
    ap.add_argument("--configs", default="none,ct,acc,agent,attr,osd")
    ap.add_argument("--no-spin", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root", file=sys.stderr)
        return 77
    b = Bench(args)
    try:
        b.capture_rules()
        if not args.no_spin:
            b.spin()
        only = args.only.split(",")
        if "rounds" in only:
            b.rounds()
        if "rss" in only:
            b.rss_at_flows()
        if "tw" in only:
            b.tw_scaling()
    finally:
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
