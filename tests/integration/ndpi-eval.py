#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Classification accuracy against nDPI's expected results.

For every capture in $PHIGUARD_SHARED/pcap/ndpi, the expected flows are the
ones its .ndpi.out file attributes to a messaging app with DPI confidence
("DPI", "DPI (partial)", "DPI (cache)"): by hostname/SNI, QUIC, addresses
learned from DNS, or the app's own wire protocol. The DNS look-up flows
themselves are left out. `$PHIGUARD replay --all --format json` is run on the
capture and each expected flow is looked up by its 5-tuple; the flow counts
as found when replay names the same app (names as in DESIGN.md).

Fails (exit 1) under 99% found or when any Teams flow is given another app.
Skips (exit 77) only while the binary has no replay subcommand.

Options: --expected (print the expected flows, run nothing),
         --markdown FILE (write the per-capture table), -v (list misses).
"""
import argparse
import collections
import concurrent.futures
import ipaddress
import json
import os
import re
import subprocess
import sys

# nDPI protocol names -> phiguard app names (DESIGN.md). nDPI's "Skype_Teams"
# and "Skype_TeamsCall" are Microsoft's Teams/Skype-for-Business media and
# API infrastructure (consumer Skype closed in May 2025): they map to teams.
NDPI_APP = {
    "WhatsApp": "whatsapp", "WhatsAppFiles": "whatsapp", "WhatsAppCall": "whatsapp",
    "Telegram": "telegram", "TelegramVoip": "telegram",
    "Signal": "signal", "SignalVoip": "signal",
    "FacebookMessenger": "messenger", "Messenger": "messenger",
    "Instagram": "instagram",
    "Discord": "discord",
    "Snapchat": "snapchat", "SnapchatCall": "snapchat",
    "Viber": "viber", "ViberVoip": "viber",
    "WeChat": "wechat",
    "Line": "line", "LineCall": "line",
    "Skype_Teams": "teams", "Skype_TeamsCall": "teams", "Teams": "teams",
    "GoogleChat": "google_chat",
    "Threema": "threema",
}
DPI_CONFIDENCE = ("DPI", "DPI (partial)", "DPI (cache)")
FLOW_RE = re.compile(
    r"^\s+\d+\s+(?P<l4>TCP|UDP)\s+(?P<a>\S+)\s+<?->\s+(?P<b>\S+)\s+"
    r"(?:\[VLAN: \d+\])?\[proto: [\d.]+/(?P<label>[^\]]+)\].*?\[Confidence: (?P<conf>[^\]]+)\]")
HOST_RE = re.compile(r"\[Hostname/SNI: ([^\]]*)\]")


def endpoint(text):
    """'1.2.3.4:80' or '[::1]:443' -> (ip string normalised, port)."""
    if text.startswith("["):
        host, port = text[1:].rsplit("]:", 1)
    else:
        host, port = text.rsplit(":", 1)
    return str(ipaddress.ip_address(host)), int(port)


def key_of(l4, a, b):
    return (l4.lower(),) + tuple(sorted([a, b]))


def how(label, host):
    master = label.split(".")[0]
    if master in ("TLS", "QUIC", "HTTP"):
        return f"{master.lower()} name" if host else f"{master.lower()} (address)"
    if master == "DNS":
        return "dns look-up"
    if master in ("STUN", "SRTP", "RTP", "DTLS"):
        return "call (STUN/RTP)"
    return "own protocol"


def all_labels(out_path):
    """{5-tuple key: nDPI label} for every flow of the .ndpi.out file."""
    labels = {}
    for line in open(out_path, encoding="utf-8", errors="replace"):
        m = FLOW_RE.match(line)
        if m:
            a, b = endpoint(m.group("a")), endpoint(m.group("b"))
            labels[key_of(m.group("l4"), a, b)] = m.group("label")
    return labels


def expected_flows(out_path, every=False):
    """The messaging flows of a .ndpi.out file. @every: any confidence, DNS
    look-ups included (the basis of the nDPI 4.2 comparison, 280 flows)."""
    flows = []
    for line in open(out_path, encoding="utf-8", errors="replace"):
        m = FLOW_RE.match(line)
        if not m or (not every and m.group("conf") not in DPI_CONFIDENCE):
            continue
        parts = m.group("label").split(".")
        if parts[0] == "DNS" and not every:
            continue
        apps = [NDPI_APP[p] for p in parts if p in NDPI_APP]
        if not apps:
            continue
        h = HOST_RE.search(line)
        host = h.group(1) if h else ""
        a, b = endpoint(m.group("a")), endpoint(m.group("b"))
        flows.append({"key": key_of(m.group("l4"), a, b), "app": apps[-1],
                      "label": m.group("label"), "conf": m.group("conf"),
                      "client": m.group("a"), "server": m.group("b"),
                      "host": host, "how": how(m.group("label"), host)})
    return flows


def flatten(obj, prefix="", out=None):
    out = {} if out is None else out
    for k, v in obj.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            flatten(v, name + ".", out)
        else:
            out[name] = v
    return out


def replay(phiguard, pcap):
    """{5-tuple key: record} from replay's JSON; None when replay is missing."""
    proc = subprocess.run([phiguard, "replay", "--all", "--format", "json", pcap],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and not proc.stdout.strip():
        if "not available" in proc.stderr or "unknown" in proc.stderr.lower():
            return None
        raise RuntimeError(f"replay {pcap}: exit {proc.returncode}: {proc.stderr.strip()}")
    got = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        ev = flatten(json.loads(line))
        try:
            a = (str(ipaddress.ip_address(ev["source.ip"])), int(ev["source.port"]))
            b = (str(ipaddress.ip_address(ev["destination.ip"])), int(ev["destination.port"]))
        except (KeyError, ValueError):
            continue
        key = key_of(str(ev.get("network.transport", "")), a, b)
        rec = got.setdefault(key, {"client": f"{a[0]}:{a[1]}", "server": f"{b[0]}:{b[1]}"})
        app = ev.get("phiguard.app") or ""
        if app and not rec.get("app"):
            rec["app"] = app
        for field in ("destination.domain", "tls.client.server_name", "network.protocol"):
            if ev.get(field) and not rec.get(field):
                rec[field] = ev[field]
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expected", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--bar", type=float, default=0.99)
    ap.add_argument("--every", action="store_true",
                    help="all messaging-labelled flows, DNS look-ups and port guesses too")
    args = ap.parse_args()

    shared = os.environ.get("PHIGUARD_SHARED")
    phiguard = os.environ.get("PHIGUARD")
    if not shared or not os.path.isdir(os.path.join(shared, "pcap", "ndpi")):
        print("# PHIGUARD_SHARED/pcap/ndpi not found")
        return 77
    pdir = os.path.join(shared, "pcap", "ndpi")
    rows, misses, teams_wrong, extras = [], [], [], []
    # Replays are independent: run them side by side.
    futures = {}
    if not args.expected:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
        for name in sorted(os.listdir(pdir)):
            if name.endswith(".ndpi.out") and expected_flows(os.path.join(pdir, name), args.every):
                pcap = os.path.join(pdir, name[:-len(".ndpi.out")])
                futures[pcap] = pool.submit(replay, phiguard, pcap)
    total_exp = total_ok = 0
    replay_missing = False
    for name in sorted(os.listdir(pdir)):
        if not name.endswith(".ndpi.out"):
            continue
        pcap = os.path.join(pdir, name[:-len(".ndpi.out")])
        exp = expected_flows(os.path.join(pdir, name), args.every)
        if not exp:
            continue
        by_app = collections.Counter(f["app"] for f in exp)
        by_how = collections.Counter(f["how"] for f in exp)
        if args.expected:
            rows.append((os.path.basename(pcap), len(exp), by_app, by_how, None, []))
            for f in exp:
                print(f"{os.path.basename(pcap)}\t{f['app']}\t{f['label']}\t{f['conf']}\t"
                      f"{f['client']} -> {f['server']}\t{f['host']}\t{f['how']}")
            total_exp += len(exp)
            continue
        got = futures[pcap].result()
        if got is None:
            replay_missing = True
            break
        ok, missed = 0, []
        for f in exp:
            rec = got.get(f["key"], {})
            app = rec.get("app", "")
            if app == f["app"]:
                ok += 1
                continue
            missed.append((f, app, rec))
            if f["app"] == "teams" and app:
                teams_wrong.append((os.path.basename(pcap), f, app))
        total_exp += len(exp)
        total_ok += ok
        misses += [(os.path.basename(pcap),) + m for m in missed]
        # Flows phiguard names that nDPI does not give that app (DNS look-ups aside).
        labels = all_labels(os.path.join(pdir, name))
        exp_app = {f["key"]: f["app"] for f in exp}
        for key, rec in got.items():
            if rec.get("app") and exp_app.get(key) != rec["app"] and 53 not in (key[1][1], key[2][1]):
                extras.append((os.path.basename(pcap), rec, labels.get(key, "?")))
        rows.append((os.path.basename(pcap), len(exp), by_app, by_how, ok, missed))

    if replay_missing:
        print("# SKIP: this phiguard has no 'replay' subcommand yet")
        return 77

    lines = ["| capture | expected flows | apps (nDPI DPI labels) | how nDPI knew | "
             "phiguard, same app |", "|---|---:|---|---|---:|"]
    for pcap, n, by_app, by_how, ok, _ in rows:
        apps = ", ".join(f"{a} {c}" for a, c in sorted(by_app.items()))
        hows = ", ".join(f"{h} {c}" for h, c in sorted(by_how.items()))
        lines.append(f"| `{pcap}` | {n} | {apps} | {hows} | {'-' if ok is None else ok} |")
    if args.expected:
        lines.append(f"| **total** | **{total_exp}** | | | |")
    else:
        pct = 100.0 * total_ok / total_exp if total_exp else 0.0
        lines.append(f"| **total** | **{total_exp}** | | | **{total_ok} ({pct:.1f}%)** |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if args.expected:
        return 0
    for pcap, f, app, rec in misses:
        if args.verbose or len(misses) <= 20:
            print(f"# miss {pcap}: {f['client']} -> {f['server']} nDPI {f['label']} "
                  f"({f['conf']}, {f['host'] or 'no name'}) -> phiguard "
                  f"'{app or '-'}' {rec.get('destination.domain', '')} "
                  f"{rec.get('network.protocol', '')}")
    for pcap, rec, label in extras:
        print(f"# extra {pcap}: {rec['client']} -> {rec['server']} phiguard '{rec['app']}' "
              f"({rec.get('destination.domain', '') or 'no name'}), nDPI {label}")
    for pcap, f, app in teams_wrong:
        print(f"# TEAMS MISATTRIBUTED {pcap}: {f['client']} -> {f['server']} as '{app}'")
    ratio = total_ok / total_exp if total_exp else 0.0
    print(f"# {total_ok}/{total_exp} = {100 * ratio:.2f}% (bar {100 * args.bar:.0f}%), "
          f"Teams flows given another app: {len(teams_wrong)}, "
          f"flows named an app nDPI does not give them: {len(extras)}")
    return 0 if ratio >= args.bar and not teams_wrong else 1


if __name__ == "__main__":
    sys.exit(main())
