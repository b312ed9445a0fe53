#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""phiguard run in a real packet path: a client namespace runs the agent, a
server namespace runs dnsmasq, HTTPS and HTTP upload servers. Real curl.
Checks what a user or an administrator would notice: rules in and out,
traffic flowing, flows bypassed, apps flagged or refused, PHI stopped,
reload, kill -9 and restart. Needs root; exits 77 otherwise."""
import gzip
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from agent import Agent, field, upload_bypassed  # noqa: E402
import office  # noqa: E402
from netns import (CLEAN_BODY, PHI_BODY, Tap, Topology, skipped_without,  # noqa: E402
                   run)



def jumps(topo, tool):
    out = topo.client_run([tool, "-w", "-S", "OUTPUT"]).stdout
    return sum(1 for line in out.splitlines() if line.strip() == "-A OUTPUT -j PHIGUARD-OUT")


def snapshot(topo):
    return (topo.client_run(["iptables-nft", "-w", "-S"]).stdout,
            topo.client_run(["ip6tables-nft", "-w", "-S"]).stdout)


def have_inspection(build):
    """The pipeline inspects only when classify, policy and match are built in."""
    return os.path.exists(os.path.join(build, "compile_commands.json"))


def policy_with_version(src, path, version):
    base = os.path.join(src, "policy", "default.yaml")
    text = open(base).read() if os.path.exists(base) else "version: x\n"
    if re.search(r"^version:.*$", text, re.M):
        text = re.sub(r"^version:.*$", 'version: "%s"' % version, text, count=1, flags=re.M)
    else:
        text = 'version: "%s"\n' % version + text
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def strict_policy(src):
    d = os.path.join(src, "policy", "examples")
    if not os.path.isdir(d):
        return None
    for name in sorted(os.listdir(d)):
        if "strict" in name and name.endswith(".yaml"):
            return os.path.join(d, name)
    return None


TELEGRAM_IP = "149.154.167.91"


# Half an HTTP upload, then (on a line from stdin) the other half; prints the status line.
UPLOAD_IN_HALVES = r"""
import socket, sys
s = socket.create_connection(("web.whatsapp.com", 80), timeout=120)
head = b"POST /send HTTP/1.1\r\nHost: web.whatsapp.com\r\nContent-Length: 16000\r\n"
s.sendall(head + b"Connection: close\r\n\r\n" + b"a" * 8000)
print("first", flush=True)
sys.stdin.readline()
s.sendall(b"b" * 8000)
print("second", flush=True)
answer = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
except OSError as e:
    answer = ("error " + type(e).__name__).encode()
print(answer.split(b"\r\n")[0].decode(errors="replace") or "empty", flush=True)
"""


def cpu_seconds(pid):
    """User and system CPU time of @pid so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wakeups(pid):
    """Context switches of every thread of @pid so far (each is a wakeup)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            total += sum(int(line.split()[1]) for line in f
                         if line.startswith(("voluntary_ctxt_switches",
                                             "nonvoluntary_ctxt_switches")))
    return total


def syn_answer(topo, ip, port=443):
    """'connected', 'refused' (a reset came back) or 'timeout' (the SYN was dropped)."""
    code = ("import socket\n"
            "s = socket.socket(); s.settimeout(1.5)\n"
            "try:\n    s.connect((%r, %d)); print('connected')\n"
            "except socket.timeout:\n    print('timeout')\n"
            "except OSError:\n    print('refused')\n" % (ip, port))
    r = topo.client_run(["/usr/bin/python3", "-c", code], timeout=10)
    return r.stdout.strip()


def main():
    if skipped_without(("dnsmasq", "curl", "openssl", "iptables-nft-restore", "setpriv")):
        return 77
    binary = os.environ["PHIGUARD"]
    src = os.environ["PHIGUARD_SOURCE_ROOT"]
    pipeline = have_inspection(os.environ.get("PHIGUARD_BUILD_ROOT", ""))
    t = Tap()
    topo = Topology("pgl").up()
    topo.make_ca()
    os.chmod(topo.dir, 0o755)
    os.chmod(topo.ca, 0o644)
    topo.start_dns()
    topo.start_servers()

    # Another program's rules: they must survive us.
    topo.client_run(["iptables-nft", "-w", "-N", "OTHER-OUT"], check=True)
    topo.client_run(["iptables-nft", "-w", "-A", "OUTPUT", "-p", "tcp", "--dport", "5999", "-j",
                     "OTHER-OUT"], check=True)
    topo.client_run(["iptables-nft", "-w", "-A", "OTHER-OUT", "-j", "RETURN"], check=True)
    before = snapshot(topo)

    policy = os.path.join(topo.dir, "policy.yaml")
    policy_with_version(src, policy, "test-1")
    agent = Agent(topo, binary, policy=policy).start()

    st = agent.status()
    t.ok(st.get("policy.version") == "test-1", "status reports the policy version", st)
    hb = agent.wait_event(lambda e: field(e, "event.action") == "heartbeat")
    t.ok(hb is not None and field(hb, "phiguard.policy_version") == "test-1",
         "the first heartbeat, sent at start, already names the policy in force", hb)
    t.ok(jumps(topo, "iptables-nft") == 1 and jumps(topo, "ip6tables-nft") == 1,
         "one jump to PHIGUARD-OUT in IPv4 and IPv6 OUTPUT")
    t.ok("-N OTHER-OUT" in snapshot(topo)[0], "other software's chain left alone")

    # A workstation agent with nothing to inspect must not keep the CPU
    # awake (battery, powertop): count its threads' wakeups over 3 s idle.
    w0 = wakeups(agent.proc.pid)
    time.sleep(3)
    per_second = (wakeups(agent.proc.pid) - w0) / 3
    t.ok(0 < per_second < 8, "an idle agent wakes %.0f times a second (workers "
         "polling every 250 ms would make it over 12, a 10 ms timer over 100)" % per_second)
    names = sorted(open("/proc/%d/task/%s/comm" % (agent.proc.pid, tid)).read().strip()
                   for tid in os.listdir("/proc/%d/task" % agent.proc.pid))
    t.ok({"phiguard-q0", "phiguard-report"} <= set(names),
         "threads are named for what they do (top -H)", names)

    rc, code, secs = topo.curl("https://teams.microsoft.com/")
    t.ok(rc == 0 and code == "200", "Teams (approved) is allowed", (rc, code, agent.log()))

    # Bypass: a 4 MB upload to an unmonitored destination is carried by the kernel.
    arrived, queued = upload_bypassed(topo, agent, "https://files.example.test/")
    t.ok(arrived, "4 MB upload to an unmonitored destination arrives byte-exact")
    t.ok(queued <= 12, "after classification the agent no longer sees the flow (%d packets queued)"
         % queued, agent.status())

    if pipeline:
        # A messaging client keeps its connection open, as this one does for
        # two seconds. (A client that exits milliseconds after its first
        # bytes can be gone before /proc is read: its event then names the
        # user but no process.)
        held = subprocess.Popen(
            topo.ns(topo.client, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  "sh", "-c", "sleep 2 | openssl s_client -quiet -no_ign_eof -connect "
                                  "web.whatsapp.com:443 -servername web.whatsapp.com -CAfile "
                                  + topo.ca]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ev = agent.wait_event(lambda e: field(e, "tls.client.server_name") == "web.whatsapp.com",
                              timeout=5)
        held.wait(timeout=15)
        t.ok(ev is not None and field(ev, "phiguard.verdict") == "flag" and
             field(ev, "phiguard.app") == "whatsapp" and str(field(ev, "user.id")) == "65534" and
             (field(ev, "process.pid") or 0) > 0 and
             str(field(ev, "process.executable") or "").endswith("openssl"),
             "WhatsApp flagged: event with SNI, app, uid, pid, executable", ev or agent.events())
        def is_whatsapp(e):
            return field(e, "tls.client.server_name") == "web.whatsapp.com"

        def count_whatsapp():
            return len([e for e in agent.events() if is_whatsapp(e)])

        seen = count_whatsapp()
        r = topo.client_run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             "curl", "-sS", "--max-time", "5", "--cacert", topo.ca, "-o",
                             "/dev/null", "-w", "%{http_code}", "https://web.whatsapp.com/"])
        t.ok(r.returncode == 0, "a flagged WhatsApp connection still works", r.stderr)

        # Connections opened together: /proc is walked at most every 50 ms,
        # and an event waits for the next walk instead of losing its process.
        deadline = time.time() + 5
        while count_whatsapp() <= seen and time.time() < deadline:
            time.sleep(0.05)  # curl's own event first
        seen = count_whatsapp()
        together = []
        for _ in range(4):
            together.append(subprocess.Popen(
                topo.ns(topo.client, ["setpriv", "--reuid=65534", "--regid=65534",
                                      "--clear-groups", "sh", "-c", "sleep 2 | openssl s_client "
                                      "-quiet -no_ign_eof -connect web.whatsapp.com:443 "
                                      "-servername web.whatsapp.com -CAfile " + topo.ca]),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.02)
        deadline = time.time() + 8
        while time.time() < deadline:
            evs = [e for e in agent.events() if is_whatsapp(e)][seen:]
            if len(evs) >= 4:
                break
            time.sleep(0.1)
        for p in together:
            p.wait(timeout=15)
        pids = set(field(e, "process.pid") for e in evs)
        t.ok(len(evs) == 4 and None not in pids and len(pids) == 4 and
             all(str(field(e, "process.executable") or "").endswith("openssl") for e in evs),
             "four connections opened 20 ms apart: each event names its own process",
             [(field(e, "source.port"), field(e, "process.pid")) for e in evs])

        phi = os.path.join(topo.dir, "phi.txt")
        clean = os.path.join(topo.dir, "clean.txt")
        open(phi, "wb").write(PHI_BODY)
        open(clean, "wb").write(CLEAN_BODY)
        # Cleartext to a monitored destination (a consumer messenger over plain HTTP).
        rc, code, secs = topo.curl("http://web.whatsapp.com/send", data=phi)
        leaked = any(b"023 2137" in u for u in topo.uploads())
        ev = agent.wait_event(lambda e: field(e, "phiguard.verdict") == "block")
        t.ok(rc != 0 and not leaked and ev is not None,
             "POST with an NHS number is blocked; the server never gets it",
             (rc, code, agent.events()[-3:]))
        rc, code, secs = topo.curl("http://web.whatsapp.com/send", data=clean)
        ups = topo.uploads()
        t.ok(rc == 0 and code == "200" and ups and ups[-1] == CLEAN_BODY,
             "the same POST without PHI arrives byte-exact", (rc, code))
        # An API call whose body ends with the identifier: no byte follows it
        # to settle the match, yet the server must not get the request.
        api = os.path.join(topo.dir, "api.json")
        open(api, "wb").write(b'{"patient":{"nhs":"4010232137"}}')
        rc, code, secs = topo.curl("http://web.whatsapp.com/send", data=api,
                                   extra=("-H", "Content-Type: application/json"))
        t.ok(rc != 0 and not any(b"4010232137" in u for u in topo.uploads()),
             "a JSON POST ending in an NHS number is blocked; the server never gets it",
             (rc, code, agent.events()[-2:]))
        # The same referral gzip-compressed, as an API client may send it:
        # the agent reads it decoded; the server gets nothing. Clean, it
        # arrives byte-exact, still compressed.
        phi_gz, clean_gz = phi + ".gz", clean + ".gz"
        open(phi_gz, "wb").write(gzip.compress(PHI_BODY))
        open(clean_gz, "wb").write(gzip.compress(CLEAN_BODY))
        gz = ("-H", "Content-Encoding: gzip")
        n_up = len(topo.uploads())
        rc, code, secs = topo.curl("http://web.whatsapp.com/send", data=phi_gz, extra=gz)
        t.ok(rc != 0 and len(topo.uploads()) == n_up,
             "a gzip-compressed POST with an NHS number is blocked; the server never gets it",
             (rc, code, agent.events()[-2:]))
        rc, code, secs = topo.curl("http://web.whatsapp.com/send", data=clean_gz, extra=gz)
        ups = topo.uploads()
        t.ok(rc == 0 and code == "200" and ups and ups[-1] == open(clean_gz, "rb").read(),
             "the same compressed POST without PHI arrives byte-exact", (rc, code))
        st = agent.status()
        decoded = sum(v for k, v in st.items() if k.endswith(".bodies_decoded"))
        t.ok(decoded >= 2, "status counts the decoded bodies (%s)" % decoded)
        def upload_pair(bad, clean, what, decoded):
            """@bad blocked, the server never gets it, the alert says what was decoded
            (@decoded); @clean arrives whole (curl -F)."""
            n_up = len(topo.uploads())
            rc, code, secs = topo.curl("http://web.whatsapp.com/send",
                                       extra=("-F", "file=@" + bad))
            t.ok(rc != 0 and len(topo.uploads()) == n_up,
                 "%s of patients uploaded through a form is blocked; the server never gets it"
                 % what, (rc, code, agent.events()[-2:]))
            def says(e):
                return e.get("phiguard", {}).get("verdict") == "block" and any(
                    f.get("decoded") == [decoded] for f in e["phiguard"].get("findings", [])
                    if f["detector"] == "nhs_number")
            t.ok(agent.wait_event(says) is not None,
                 "its alert says the NHS numbers were read in a %s" % decoded,
                 agent.events()[-2:])
            rc, code, secs = topo.curl("http://web.whatsapp.com/send",
                                       extra=("-F", "file=@" + clean))
            ups = topo.uploads()
            t.ok(rc == 0 and code == "200" and ups and open(clean, "rb").read() in ups[-1],
                 "a clean %s uploaded the same way arrives whole" % what.split(" ", 1)[1],
                 (rc, code))

        # A spreadsheet export of patients uploaded through a form (curl -F, as
        # a browser sends a file): a zip of XML, compressed on the wire.
        sheet = os.path.join(topo.dir, "list.xlsx")
        clean_sheet = os.path.join(topo.dir, "stock.xlsx")
        open(sheet, "wb").write(office.xlsx(office.PATIENT_ROWS))
        open(clean_sheet, "wb").write(office.xlsx(office.CLEAN_ROWS))
        upload_pair(sheet, clean_sheet, "a spreadsheet", "zip")
        # The same list as a gzip-compressed CSV export.
        csv_gz = os.path.join(topo.dir, "list.csv.gz")
        clean_gz = os.path.join(topo.dir, "stock.csv.gz")
        for path, rows in ((csv_gz, office.PATIENT_ROWS), (clean_gz, office.CLEAN_ROWS)):
            text = "".join(",".join(row) + "\n" for row in rows).encode()
            open(path, "wb").write(gzip.compress(text))
        upload_pair(csv_gz, clean_gz, "a .csv.gz", "gzip")
        # A photo is raw bytes to the matcher: value-shaped runs in it are chance,
        # and the strict rule (any finding at high) must not stop it.
        photo = os.path.join(topo.dir, "wound.jpg")
        rng = random.Random(20261129)
        open(photo, "wb").write(bytes(rng.getrandbits(8) for _ in range(4 << 20)))
        rc, code, secs = topo.curl("http://web.whatsapp.com/send",
                                   extra=("-F", "file=@" + photo))
        ups = topo.uploads()
        t.ok(rc == 0 and code == "200" and ups and open(photo, "rb").read() in ups[-1],
             "a 4 MiB photo (raw bytes) uploaded through a form arrives whole",
             (rc, code, agent.events()[-2:]))
        st = agent.status()
        gz_files = sum(v for k, v in st.items() if k.endswith(".gzip_files_decoded"))
        t.ok(gz_files >= 2, "status counts the gzip files read (%s)" % gz_files)
    else:
        for name in ("a flagged WhatsApp connection still works", "WhatsApp flagged event",
                     "POST with PHI blocked", "POST without PHI arrives",
                     "JSON POST ending in PHI blocked", "gzip POST with PHI blocked",
                     "gzip POST without PHI arrives", "decoded bodies counted",
                     "spreadsheet upload with PHI blocked", "its alert says zip",
                     "clean spreadsheet arrives", ".csv.gz upload with PHI blocked",
                     "its alert says gzip", "clean .csv.gz arrives", "a photo arrives",
                     "gzip files counted"):
            t.skip(name, "no inspecting pipeline in this build")

    # Reload: a broken policy is refused, the old one stays; a good one is taken.
    with open(policy + ".tmp", "w") as f:
        f.write("version: [unclosed\n  rules: {\n")
    os.rename(policy + ".tmp", policy)
    agent.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and agent.status().get("policy.reloads_refused", 0) < 1:
        time.sleep(0.1)
    st = agent.status()
    t.ok(st.get("policy.version") == "test-1" and st.get("policy.reloads_refused", 0) >= 1,
         "a broken policy is refused and the old one stays", st)
    t.ok(agent.wait_event(lambda e: field(e, "event.action") == "policy-refused") is not None,
         "an event says the policy was refused", agent.events())
    policy_with_version(src, policy, "test-2")
    deadline = time.time() + 60  # compiling a full policy takes seconds (more under ASan)
    while time.time() < deadline and agent.status().get("policy.version") != "test-2":
        time.sleep(0.1)
    t.ok(agent.status().get("policy.version") == "test-2",
         "a changed policy file is loaded without a signal")
    # The new policy woke every worker; one that did not consume its
    # wake-up would spin (thousands a second) instead of sleeping again.
    w0, c0 = wakeups(agent.proc.pid), cpu_seconds(agent.proc.pid)
    time.sleep(2)
    per_second = (wakeups(agent.proc.pid) - w0) / 2
    busy = (cpu_seconds(agent.proc.pid) - c0) / 2
    t.ok(per_second < 40 and busy < 0.2, "after a reload the agent sleeps again "
         "(%.0f wakeups a second, %.0f%% of a CPU)" % (per_second, 100 * busy))

    # One of Telegram's prefixes (strict.yaml closes them), given to the server
    # namespace this test created so that nothing outside it is ever reached.
    topo_run = lambda ns, cmd: run(topo.ns(ns, cmd))  # noqa: E731
    topo_run(topo.server, ["ip", "addr", "add", TELEGRAM_IP + "/32", "dev", topo.veth_s])
    topo_run(topo.client, ["ip", "route", "add", TELEGRAM_IP + "/32", "dev", topo.veth_c])

    # kill -9: traffic keeps flowing (fail-open); a restart puts the rules back once.
    agent.stop(signal.SIGKILL)
    rc, code, secs = topo.curl("https://teams.microsoft.com/")
    t.ok(rc == 0 and code == "200", "after kill -9 connections still work (fail-open)", (rc, code))
    t.ok(syn_answer(topo, TELEGRAM_IP) != "timeout",
         "default policy (fail_mode open): Telegram's prefix still answers with the agent down")
    agent2 = Agent(topo, binary, policy=policy,
                   extra_config="attribution:\n  mode: flows\n").start()
    t.ok(jumps(topo, "iptables-nft") == 1 and jumps(topo, "ip6tables-nft") == 1,
         "restart restores the rules without duplicates")
    t.ok(agent2.wait_event(lambda e: field(e, "event.action") == "inspection-gap") is not None,
         "the period without inspection is reported", agent2.events())
    rc, code, secs = topo.curl("https://teams.microsoft.com/")
    t.ok(rc == 0 and code == "200", "traffic flows through the restarted agent", (rc, code))
    found = 0
    deadline = time.time() + 5  # counters are published about once a second
    while time.time() < deadline and found == 0:
        time.sleep(0.2)
        found = sum(v for k, v in agent2.status().items()
                    if k.endswith(".sockets_found") and isinstance(v, int))
    t.ok(found >= 1, "attribution: flows finds a new connection's socket at its first data "
         "(%d found)" % found, agent2.status())

    sp = strict_policy(src)
    if pipeline and sp:
        agent2.stop(signal.SIGTERM)
        agent3 = Agent(topo, binary, policy=sp).start()
        rc, code, secs = topo.curl("https://web.whatsapp.com/")
        t.ok(rc != 0 and secs < 1.0, "strict policy: WhatsApp refused at once (%.3f s)" % secs,
             (rc, code, agent3.events()[-3:]))
        t.ok(syn_answer(topo, TELEGRAM_IP) != "timeout",
             "strict policy, agent running: Telegram's prefix is answered (reset or refused)")
        agent3.stop(signal.SIGKILL)
        answer = syn_answer(topo, TELEGRAM_IP)
        rc, code, secs = topo.curl("https://teams.microsoft.com/")
        t.ok(answer == "timeout" and rc == 0 and code == "200",
             "strict policy (fail_mode closed), agent killed: the kernel drops Telegram's "
             "prefix, Teams still works", (answer, rc, code))
        agent2 = Agent(topo, binary, policy=sp).start()
    else:
        for name in ("strict policy refuses WhatsApp at once",
                     "strict policy, agent running: Telegram's prefix is answered",
                     "strict policy, agent killed: Telegram's prefix dropped"):
            t.skip(name, "no pipeline or strict example")

    if pipeline:
        # queues.fail_open: false: nothing passes uninspected while the agent
        # is down, yet an upload under inspection survives a crash and restart:
        # its packets are dropped, and TCP retransmits them into the new agent.
        agent2.stop(signal.SIGTERM)
        closed = "queues:\n  fail_open: false\n"
        agent4 = Agent(topo, binary, policy=policy, extra_config=closed).start()
        upload = subprocess.Popen(topo.ns(topo.client, ["/usr/bin/python3", "-c", UPLOAD_IN_HALVES]),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = upload.stdout.readline().strip()
        time.sleep(0.3)
        agent4.stop(signal.SIGKILL)
        upload.stdin.write("go\n")
        upload.stdin.flush()
        second = upload.stdout.readline().strip()
        n_before = len(topo.uploads())
        rc, code, secs = topo.curl("http://web.whatsapp.com/send", data=clean, timeout=2)
        t.ok(rc != 0 and len(topo.uploads()) == n_before,
             "fail_open: false, agent killed: a new upload does not get through", (rc, code))
        agent2 = Agent(topo, binary, policy=policy, extra_config=closed).start()
        try:
            status = upload.communicate(timeout=90)[0].strip()
        except subprocess.TimeoutExpired:
            upload.kill()
            status = "no answer"
        ups = topo.uploads()
        t.ok(first == "first" and second == "second" and " 200 " in status and
             b"a" * 8000 + b"b" * 8000 in ups,
             "fail_open: false: an upload under inspection survives kill -9 and a restart "
             "(dropped and retransmitted, not reset)", (first, second, status))
    else:
        for name in ("fail_open: false: nothing gets through", "an upload survives a restart"):
            t.skip(name, "no pipeline")

    rc = agent2.stop(signal.SIGINT)
    t.ok(rc == 0, "Ctrl-C stops the agent cleanly", agent2.log())
    t.ok(snapshot(topo) == before, "the firewall is left as it was found", snapshot(topo))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
