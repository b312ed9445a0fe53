# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for the replay tests: run `phiguard replay`, read its events."""
import json
import os
import subprocess
import sys

PHIGUARD = os.environ.get("PHIGUARD", "phiguard")
SOURCE = os.environ.get("PHIGUARD_SOURCE_ROOT", ".")
SHARED = os.environ.get("PHIGUARD_SHARED", os.path.join(SOURCE, "..", "shared"))
NDPI = os.path.join(SHARED, "pcap", "ndpi")
OWN = os.path.join(SOURCE, "tests", "data", "pcap")

failures = 0
count = 0


def check(ok, what, detail=""):
    global failures, count
    count += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (count, what))
    if not ok:
        failures += 1
        if detail:
            for line in str(detail).splitlines()[:20]:
                print("# " + line)
    return ok


def done():
    print("1..%d" % count)
    sys.exit(1 if failures else 0)


def replay(*args):
    p = subprocess.run([PHIGUARD, "replay"] + list(args), capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def field(ev, name):
    """An ECS field by dotted name, whether the encoder nests objects or not."""
    if name in ev:
        return ev[name]
    cur = ev
    for part in name.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


def events(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def json_available():
    rc, _, err = replay("--format", "json", os.path.join(OWN, "http-post-benign-other.pcap"))
    return rc != 2, err


def is_flow_record(ev):
    return field(ev, "event.kind") == "event"
