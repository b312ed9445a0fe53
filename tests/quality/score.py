#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Score `phiguard scan --format json` against a labelled corpus (gen.py).

A finding counts when its confidence is at least --min-confidence (medium).
It is a true positive when a `report` label of the same detector overlaps it,
neutral when only an `ignore` label of the same detector overlaps it, and a
false positive otherwise (a `negative` label marks a deliberate decoy). A
`report` label is recalled when at least one counted finding of its detector
overlaps it. Precision and recall per detector and overall (micro-averaged).

Exit 0 when every detector with labels or findings meets the bar, 1 when one
does not, 2 on error, 77 when the binary has no working `scan`.
"""

import argparse
import bisect
import collections
import json
import os
import subprocess
import sys

LEVELS = {"none": 0, "low": 1, "medium": 2, "high": 3, "certain": 4}


def run_scan(phiguard, corpus, files, policy=None):
    """Findings as dicts; runs in batches so the command line stays short."""
    findings = []
    for i in range(0, len(files), 400):
        cmd = [phiguard, "scan", "--format", "json"]
        if policy:
            cmd += ["--policy", policy]
        proc = subprocess.run(cmd + files[i:i + 400], cwd=corpus, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        if proc.returncode not in (0, 1):
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError("scan exited %d: %s" % (proc.returncode, err[:500]))
        findings.extend(parse_findings(proc.stdout.decode("utf-8", "replace")))
    return findings


def parse_findings(text):
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out


class Span:
    def __init__(self, labels):
        self.labels = sorted(labels, key=lambda l: l["start"])
        self.starts = [l["start"] for l in self.labels]

    def overlapping(self, start, end):
        i = bisect.bisect_left(self.starts, end)
        return [l for l in self.labels[:i] if l["end"] > start]


def score(index, findings, min_level):
    """Per-detector counters."""
    by_file = {d["file"]: d for d in index["docs"]}
    spans = {}
    for d in index["docs"]:
        per_det = collections.defaultdict(list)
        for lab in d["labels"]:
            per_det[lab["detector"]].append(lab)
        spans[d["file"]] = {det: Span(labs) for det, labs in per_det.items()}
    stats = collections.defaultdict(lambda: collections.Counter())
    found = set()
    fps, misses = [], []
    for f in findings:
        if LEVELS.get(str(f.get("confidence")).lower(), 0) < min_level:
            continue
        name = f["file"]
        if name not in by_file:
            name = os.path.relpath(name, index.get("root", "."))
        det = f["detector"]
        st = stats[det]
        st["findings"] += 1
        labs = spans.get(name, {}).get(det)
        hits = labs.overlapping(int(f["start"]), int(f["end"])) if labs else []
        rep = [l for l in hits if l["expect"] == "report"]
        if rep:
            st["tp"] += 1
            for l in rep:
                found.add((name, det, l["start"]))
        elif any(l["expect"] == "ignore" for l in hits):
            st["ignored"] += 1
        else:
            st["fp"] += 1
            if any(l["expect"] == "negative" for l in hits):
                st["decoy_fp"] += 1
            fps.append((name, f))
    for d in index["docs"]:
        for lab in d["labels"]:
            st = stats[lab["detector"]]
            if lab["expect"] == "report":
                st["labels"] += 1
                if (d["file"], lab["detector"], lab["start"]) in found:
                    st["recalled"] += 1
                else:
                    misses.append((d["file"], lab))
            elif lab["expect"] == "negative":
                st["decoys"] += 1
    return stats, fps, misses


def ratio(num, den):
    return None if den == 0 else num / den


def fmt(x):
    return "   n/a" if x is None else "%6.3f" % x


def table(stats, bar_recall, bar_precision, title, out=sys.stdout):
    ok = True
    total = collections.Counter()
    print(title, file=out)
    print("%-14s %6s %6s %6s | %6s %6s %5s %5s %5s %6s | %s" % (
        "detector", "labels", "found", "recall", "finds", "tp", "fp", "decoy", "ign",
        "prec", "bar"), file=out)
    for det in sorted(stats):
        st = stats[det]
        total.update(st)
        rec = ratio(st["recalled"], st["labels"])
        prec = ratio(st["tp"], st["tp"] + st["fp"])
        good = (rec is None or rec >= bar_recall) and (prec is None or prec >= bar_precision)
        if st["labels"] == 0 and st["fp"] == 0 and st["findings"] == 0:
            verdict = "-"
        else:
            verdict = "ok" if good else "UNDER"
            ok &= good
        print("%-14s %6d %6d %s | %6d %6d %5d %5d %5d %s | %s" % (
            det, st["labels"], st["recalled"], fmt(rec), st["findings"], st["tp"], st["fp"],
            st["decoy_fp"], st["ignored"], fmt(prec), verdict), file=out)
    rec = ratio(total["recalled"], total["labels"])
    prec = ratio(total["tp"], total["tp"] + total["fp"])
    good = (rec is not None and rec >= bar_recall) and (prec is None or prec >= bar_precision)
    ok &= good
    print("%-14s %6d %6d %s | %6d %6d %5d %5d %5d %s | %s" % (
        "OVERALL", total["labels"], total["recalled"], fmt(rec), total["findings"], total["tp"],
        total["fp"], total["decoy_fp"], total["ignored"], fmt(prec), "ok" if good else "UNDER"),
        file=out)
    return ok


def context(corpus, name, start, end, width=50):
    with open(os.path.join(corpus, name), "rb") as fh:
        data = fh.read()
    pre = data[max(0, start - width):start]
    mid = data[start:end]
    post = data[end:end + width]
    show = lambda b: b.decode("utf-8", "replace").replace("\n", "\\n").replace("\r", "\\r")
    return "%s[[%s]]%s" % (show(pre), show(mid), show(post))


def main():
    ap = argparse.ArgumentParser(description="score phiguard scan against a labelled corpus")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--phiguard", default=os.environ.get("PHIGUARD", "phiguard"))
    ap.add_argument("--policy")
    ap.add_argument("--min-confidence", default="medium", choices=["low", "medium", "high"])
    ap.add_argument("--recall", type=float, default=0.97)
    ap.add_argument("--precision", type=float, default=0.99)
    ap.add_argument("--show", type=int, default=0, metavar="N",
                    help="print N misses and N false positives with context (synthetic data)")
    ap.add_argument("--detector", help="only show misses/false positives of this detector")
    args = ap.parse_args()

    with open(os.path.join(args.corpus, "labels.json")) as fh:
        index = json.load(fh)
    files = [d["file"] for d in index["docs"]]
    try:
        findings = run_scan(args.phiguard, args.corpus, files, args.policy)
    except (RuntimeError, OSError) as e:
        print("score: %s" % e, file=sys.stderr)
        return 77 if "not available" in str(e) else 2
    stats, fps, misses = score(index, findings, LEVELS[args.min_confidence])
    title = "%s set (seed %s, %d documents), confidence >= %s, bar recall %.2f precision %.2f" % (
        index.get("family"), index.get("seed"), len(files), args.min_confidence, args.recall,
        args.precision)
    ok = table(stats, args.recall, args.precision, title)
    if args.show:
        sel = lambda det: args.detector is None or det == args.detector
        shown = 0
        for name, lab in misses:
            if sel(lab["detector"]) and shown < args.show:
                shown += 1
                print("MISS %s %s %s" % (lab["detector"], name,
                                         context(args.corpus, name, lab["start"], lab["end"])))
        shown = 0
        for name, f in fps:
            if sel(f["detector"]) and shown < args.show:
                shown += 1
                print("FP   %s %s %s %s" % (f["detector"], f["confidence"], name,
                                            context(args.corpus, name, int(f["start"]),
                                                    int(f["end"]))))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
