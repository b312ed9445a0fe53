#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate a labelled detection-quality corpus.

  gen.py --family tune --seed 1 --count 1500 --out DIR

writes DIR/docs/<n>.<ext> (one document per file) and DIR/labels.json:
  {"family": ..., "seed": ..., "docs": [{"file": "docs/00001.txt", "kind": "clinical",
    "labels": [{"detector", "start", "end", "expect"}]}]}
Offsets are bytes, end exclusive. Deterministic for a given family, seed and count.

--check-reference DIR/phi_validators.py re-checks every generated identifier with
an independent reference implementation (the research validators).
"""

import argparse
import importlib
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EXT = {"hl7": ".hl7", "fhir": ".json", "dicom": ".dcm"}


def generate(family_name, seed, count):
    mod = importlib.import_module("family_" + family_name)
    fam = mod.family()
    rng = random.Random("%s:%d" % (family_name, seed))
    kinds = list(mod.KINDS)
    weights = [mod.KINDS[k] for k in kinds]
    docs = []
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        doc = fam.make(rng, kind)
        docs.append((kind, doc))
    return docs


def write(out, family_name, seed, docs):
    os.makedirs(os.path.join(out, "docs"), exist_ok=True)
    index = []
    for i, (kind, doc) in enumerate(docs):
        name = "docs/%05d%s" % (i, EXT.get(kind, ".txt"))
        with open(os.path.join(out, name), "wb") as f:
            f.write(doc.data())
        index.append({"file": name, "kind": doc.kind, "labels": doc.labels})
    with open(os.path.join(out, "labels.json"), "w") as f:
        json.dump({"family": family_name, "seed": seed, "docs": index}, f, indent=0)


def check_reference(path, docs):
    """Every reported or decoy identifier against the research reference validators."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    ref = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
    checks = {
        "nhs_number": lambda v: ref.nhs_plausible(v) and ref.nhs_range(v) == "england_wales_iom",
        "chi_number": lambda v: ref.nhs_plausible(v) and ref.chi_valid(v),
        "hc_number": lambda v: ref.nhs_plausible(v) and ref.nhs_range(v) == "ni_hc",
        "nino": lambda v: ref.nino_valid(v, reject_admin=True),
        "uk_postcode": lambda v: ref.uk_postcode_valid(v),
        "uk_phone": lambda v: ref.uk_phone_valid(v) and not ref.is_ofcom_drama_number(v),
        "us_npi": ref.luhn_npi,
        "us_mbi": ref.mbi_valid,
    }
    bad = 0
    n = 0
    for kind, doc in docs:
        data = doc.data()
        for lab in doc.labels:
            check = checks.get(lab["detector"])
            if check is None or lab["expect"] == "ignore":
                continue
            value = data[lab["start"]:lab["end"]].decode("utf-8", "replace")
            value = value.replace("\u00a0", " ")
            ok = check(value)
            n += 1
            # a decoy may be valid (that is the point) except the deliberately wrong ones
            if lab["expect"] == "report" and not ok:
                bad += 1
                print("reference rejects %s %r" % (lab["detector"], value), file=sys.stderr)
    print("reference check: %d identifiers, %d rejected" % (n, bad), file=sys.stderr)
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--family", default="tune")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1500)
    ap.add_argument("--out", required=True)
    ap.add_argument("--check-reference", metavar="PHI_VALIDATORS_PY")
    args = ap.parse_args()
    if not re.fullmatch(r"\w+", args.family):
        ap.error("bad family name")
    docs = generate(args.family, args.seed, args.count)
    write(args.out, args.family, args.seed, docs)
    if args.check_reference and not check_reference(args.check_reference, docs):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
