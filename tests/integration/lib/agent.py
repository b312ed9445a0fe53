# SPDX-License-Identifier: GPL-2.0-or-later
"""Start, query and stop `phiguard run` inside a test's client namespace."""
import json
import os
import signal
import subprocess
import time


class Agent:
    def __init__(self, topo, binary, policy=None, extra_config=""):
        self.topo = topo
        self.binary = binary
        self.socket = os.path.join(topo.dir, "control.sock")
        self.config = os.path.join(topo.dir, "agent.yaml")
        self.out = os.path.join(topo.dir, "events-%d.json" % time.time_ns())
        self.err = self.out + ".log"
        self.policy = policy
        with open(self.config, "w") as f:
            f.write("control:\n  socket: %s\n" % self.socket)
            f.write("report:\n  stdout: always\n  stdout_format: json\n")
            f.write("spool:\n  directory: %s\n" % os.path.join(topo.dir, "spool"))
            f.write(extra_config)
        self.proc = None

    def start(self, timeout=90):  # compiling a full policy takes long under sanitizers
        cmd = [self.binary, "run", "--config", self.config]
        if self.policy:
            cmd += ["--policy", self.policy]
        self.out = self.out + "x"
        self.err = self.out + ".log"
        self.proc = self.topo.spawn(self.topo.client, cmd, stdout=open(self.out, "w"),
                                    stderr=open(self.err, "w"))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited: " + self.log())
            if self.status(quiet=True):
                return self
            time.sleep(0.05)
        raise RuntimeError("agent did not come up: " + self.log())

    def log(self):
        try:
            return open(self.err).read()
        except OSError:
            return ""

    def status(self, quiet=False):
        r = subprocess.run(self.topo.ns(self.topo.client, [self.binary, "status", "--json",
                                                           "--socket", self.socket]),
                           capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            if quiet:
                return None
            raise RuntimeError("status failed: %s\nagent exit %s, log:\n%s"
                               % (r.stderr, self.proc.poll(), self.log()[-4000:]))
        return json.loads(r.stdout)

    def queued_packets(self):
        st = self.status()
        return sum(v for k, v in st.items() if k.startswith("queue.") and k.endswith(".packets"))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def events(self):
        out = []
        try:
            with open(self.out) as f:
                for line in f:
                    line = line.strip()
                    if line.startswith("{"):
                        try:
                            out.append(json.loads(line))
                        except ValueError:
                            pass
        except OSError:
            pass
        return out

    def wait_event(self, pred, timeout=3):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for ev in self.events():
                if pred(ev):
                    return ev
            time.sleep(0.05)
        return None


def upload_bypassed(topo, agent, url, extra=(), size=4 << 20):
    """POST @size random bytes to @url through @agent.

    Returns (arrived, queued): whether the server stored exactly those bytes,
    and how many packets the agent's queues took meanwhile."""
    big = os.path.join(topo.dir, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(size))
    time.sleep(0.4)  # counters of earlier traffic settle
    q0 = agent.queued_packets()
    n_uploads = len(topo.uploads())
    rc, code, secs = topo.curl(url, data=big, timeout=10, extra=extra)
    time.sleep(0.4)
    q1 = agent.queued_packets()
    ups = topo.uploads()
    arrived = (rc == 0 and code == "200" and len(ups) == n_uploads + 1 and
               ups[-1] == open(big, "rb").read())
    return arrived, q1 - q0


def field(ev, dotted):
    """An ECS field, whether the event is flat ("a.b": v) or nested ({"a": {"b": v}})."""
    if dotted in ev:
        return ev[dotted]
    cur = ev
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur
