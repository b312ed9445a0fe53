#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# `phiguard scan` as a user runs it: exit codes, JSON lines, text lines,
# tokens, stdin, large files streamed in chunks, errors. TAP output.
import base64
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

PHIGUARD = os.environ["PHIGUARD"]
DATA = os.path.join(os.environ["PHIGUARD_SOURCE_ROOT"], "tests", "data", "scan")
count = 0
failed = 0


def ok(cond, what):
    global count, failed
    count += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", count, what))
    sys.stdout.flush()


def scan(*args, stdin=None):
    p = subprocess.run([PHIGUARD, "scan", *args], input=stdin, capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def scan_json(*args, stdin=None):
    """scan --format json: exit code, the findings, and what it printed."""
    rc, out, err = scan("--format", "json", *args, stdin=stdin)
    return rc, [json.loads(line) for line in out.splitlines()], out, err


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def data(name):
    return os.path.join(DATA, name)


NOTE = b"Ward 7\nMrs Jane Smith, NHS no 401 023 2137, for discharge\n"


def check_gzip():
    """A .gz file is read as gunzip would give it, offsets in that text."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notes.txt.gz")
        write(path, gzip.compress(NOTE))
        rc, fs, out, err = scan_json(path)
        nhs = [f for f in fs if f["detector"] == "nhs_number"]
        ok(rc == 1 and len(nhs) == 1 and nhs[0]["entry"] == "notes.txt" and
           NOTE[nhs[0]["start"]:nhs[0]["end"]] == b"401 023 2137",
           "a .gz: the NHS number in its gunzipped text, named as gunzip names it (%r)" % out)
        rc, out, err = scan(path)
        ok(rc == 1 and "%s!notes.txt:" % path in out, "text format: FILE!NAME:OFFSET")
        rc, out, err = scan("--format", "json", "-", stdin=gzip.compress(NOTE))
        ok(rc == 1 and '"entry":"(gunzipped)"' in out, "gzip on standard input is read too")
        clean = os.path.join(tmp, "clean.txt.gz")
        with open(clean, "wb") as f:
            f.write(gzip.compress(b"rota for week 48 attached, shifts 07:30-20:00\n" * 1000))
        rc, out, err = scan(clean)
        ok(rc == 0 and out == "" and err == "", "a clean .gz: exit 0, nothing said")
        # two members one after the other, as `cat a.gz b.gz` makes them
        write(path, gzip.compress(b"nothing here\n" * 100) + gzip.compress(NOTE))
        rc, out, err = scan("--format", "json", path)
        ok(rc == 1 and '"entry":"notes.txt"' in out, "the second gzip member is read too")
        write(path, gzip.compress(NOTE)[:30])
        rc, out, err = scan(path)
        ok("notes.txt.gz!notes.txt: only the first 19 bytes of its text were read: the file ends inside it" in err,
           "a cut .gz says so on stderr (rc=%d, err=%r)" % (rc, err))
        # stored blocks (level 0): the second one's length check (NLEN, RFC 1951
        # 3.2.4) broken, after the first block's text came out
        corrupt = bytearray(gzip.compress(NOTE * 2000, compresslevel=0))
        first = corrupt[11] | corrupt[12] << 8  # LEN of the block after the 10-byte header
        corrupt[10 + 5 + first + 3] ^= 0xff
        write(path, corrupt)
        rc, out, err = scan(path)
        ok(rc == 1 and "notes.txt.gz!notes.txt:" in out and
           "only the first %d bytes of its text were read: its compressed data is corrupt"
           % first in err,
           "a member corrupt half way: what came before is read, the rest is said (%r)" % err)
        bad_start = bytearray(gzip.compress(NOTE))
        bad_start[10] = 0x07  # a final block of the reserved type (RFC 1951 3.2.3)
        write(path, gzip.compress(NOTE) + bad_start)
        rc, out, err = scan(path)
        ok(rc == 1 and "notes.txt.gz!notes.txt:" in out and err == "",
           "a signature with no readable text behind it is taken for chance, not said (%r)"
           % err)
        write(path, gzip.compress(NOTE) + b"\x00\x00 padding after the gzip data")
        rc, out, err = scan(path)
        ok(rc == 1 and err == "", "bytes after the gzip data are no error (%r)" % err)
        with open(os.path.join(tmp, "patients.csv"), "wb") as f:
            f.write(NOTE)
        subprocess.run(["gzip", "-k", "-N", "-f", os.path.join(tmp, "patients.csv")], check=True)
        rc, out, err = scan(os.path.join(tmp, "patients.csv.gz"))
        ok(rc == 1 and "patients.csv.gz!patients.csv:" in out,
           "gzip(1)'s stored name names the text (%r)" % out)


def mail(parts):
    """A mail as a client saves it (.eml): a plain note and base64 attachments."""
    lines = [b"From: ward7@trust.example", b"To: someone@example.com", b"Subject: list",
             b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="b1"', b"",
             b"--b1", b"Content-Type: text/plain", b"", b"Please see the attached.", b""]
    for name, data in parts:
        lines += [b"--b1", b"Content-Type: application/octet-stream; name=\"%s\"" % name,
                  b"Content-Transfer-Encoding: base64",
                  b"Content-Disposition: attachment; filename=\"%s\"" % name, b""]
        lines += base64.encodebytes(data).rstrip(b"\n").split(b"\n")
    lines += [b"--b1--", b""]
    return b"\r\n".join(lines)


def check_mail():
    """A saved mail's coded parts are read decoded, each named by its file name."""
    sheet = io.BytesIO()
    with zipfile.ZipFile(sheet, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"<sst><si><t>NHS number</t></si><si><t>"
                   b"401 023 2145</t></si></sst>")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "referral.eml")
        write(path, mail([(b"list.csv", b"name,nhs_number\r\n" + NOTE),
                          (b"list.xlsx", sheet.getvalue())]))
        rc, fs, out, err = scan_json(path)
        csv = [f for f in fs if f["detector"] == "nhs_number" and f.get("entry") == "list.csv"]
        text = b"name,nhs_number\r\n" + NOTE
        ok(rc == 1 and len(csv) == 1 and text[csv[0]["start"]:csv[0]["end"]] == b"401 023 2137",
           "a .eml: the NHS number in its base64 CSV, offsets in the decoded part (%r)" % out)
        xl = [f for f in fs if f.get("entry") == "list.xlsx!xl/sharedStrings.xml"]
        ok(len(xl) == 1 and xl[0]["detector"] == "nhs_number",
           "an .xlsx attached to a mail: its shared strings read, named PART!ENTRY")
        ok(all(f.get("entry") in ("list.csv", "list.xlsx!xl/sharedStrings.xml") or
               f["detector"] == "email" and f["end"] < 60 for f in fs),
           "in the mail as it is, only the addresses of its headers are found")
        write(path, mail([(b"", b"NHS no 401 023 2137\r\n"), (b"rota\x1b[2J.csv", NOTE)]))
        rc, out, err = scan(path)
        ok(rc == 1 and "referral.eml!part 1:" in out and "referral.eml!rota?[2J.csv:" in out,
           "a part without a name is numbered; control bytes in a name are not printed (%r)"
           % out)
        write(path, mail([(b"rota.csv", b"rota for week 48, shifts 07:30-20:00\r\n")]))
        rc, fs, out, err = scan_json(path)
        ok(fs and all("entry" not in f and f["detector"] == "email" for f in fs),
           "a clean attachment: nothing found but the headers' addresses (%r)" % out)


def check_mbox():
    """A mailbox (mbox) is read mail by mail, parts named after their mail's number."""
    def envelope(i):
        return b"From ward%d@trust.example Sat Nov 28 10:00:00 2026\n" % i

    # the first mail fills the first read up to two bytes short of the next
    # envelope's "From ", so that one is split across two reads
    first = mail([(b"rota.csv", b"rota for week 48\r\n")])
    note = b"\r\n>From the ward: a body line that starts so is escaped\r\n"
    pad = 65536 - 2 - len(envelope(1)) - len(first) - len(note)
    first = first + b"x" * pad + note
    box = (envelope(1) + first + envelope(2) +
           mail([(b"list.csv", b"name,nhs_number\r\n" + NOTE)]) + b"\n" + envelope(3) +
           mail([(b"", NOTE), (b"rota.csv", b"rota for week 49\r\n")]) + b"\n")
    assert box.index(envelope(2)) == 65534
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ward7.mbox")
        write(path, box)
        rc, fs, out, err = scan_json(path)
        nhs = [f for f in fs if f["detector"] == "nhs_number"]
        text = b"name,nhs_number\r\n" + NOTE
        ok(rc == 1 and [f.get("entry") for f in nhs] == ["mail 2!list.csv", "mail 3!part 1"] and
           text[nhs[0]["start"]:nhs[0]["end"]] == b"401 023 2137" and
           NOTE[nhs[1]["start"]:nhs[1]["end"]] == b"401 023 2137",
           "an mbox: each mail's attachments decoded, the envelope split across reads "
           "found (%r)" % [(f.get("entry"), f["start"]) for f in nhs])
        ok(all(f.get("entry") in ("mail 2!list.csv", "mail 3!part 1") or
               f["detector"] == "email" and "entry" not in f for f in fs),
           "nothing else but the headers' addresses (%r)" % out)
        rc, out, err = scan(path)
        ok(rc == 1 and "ward7.mbox!mail 2!list.csv:" in out and err == "",
           "text format: FILE!mail N!PART:OFFSET (%r %r)" % (out, err))


def main():
    chat_path = data("clinical-chat.txt")
    chat = open(chat_path, "rb").read()

    rc, out, err = scan(data("ordinary.txt"))
    ok(rc == 0 and out == "", "ordinary text: exit 0, no output (rc=%d, out=%r)" % (rc, out))

    rc, out, err = scan("--format", "json", chat_path)
    ok(rc == 1, "clinical chat: exit 1 (rc=%d)" % rc)
    lines = [json.loads(l) for l in out.splitlines()]
    ok(len(lines) > 0 and all(set(["file", "detector", "start", "end", "confidence", "sample"])
                              <= set(l) for l in lines), "every JSON line has the fields")
    ok(all(l["confidence"] in ("low", "medium", "high") for l in lines), "confidence names")
    ok(all("token" not in l for l in lines), "no token without a key")
    nhs_at = chat.index(b"401 023 2137")
    nhs = [l for l in lines if l["detector"] == "nhs_number" and l["start"] == nhs_at]
    ok(len(nhs) == 1 and nhs[0]["end"] == nhs_at + 12 and nhs[0]["confidence"] == "high",
       "NHS number with 'NHS no' nearby: high at its byte offsets")
    ok(len(nhs) == 1 and nhs[0]["sample"] == "*** *** 2137", "NHS sample keeps the last four")
    ok(b"401 023 2137" not in out.encode() and b"4010232137" not in out.encode()
       and b"jane.doe" not in out.encode(), "no raw value in the output")
    mail_at = chat.index(b"jane.doe@nhs.net")
    ok(any(l["detector"] == "email" and l["start"] == mail_at and l["sample"] == "j***@***.net"
           for l in lines), "e-mail found and redacted")
    ok(all(l["file"] == chat_path for l in lines), "file field names the file")

    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "key")
        with open(key, "w") as f:
            f.write("fleet-secret\n")
        rc, out, err = scan("--format", "json", "--token-key-file", key, chat_path)
        toks = [json.loads(l).get("token", "") for l in out.splitlines()]
        ok(rc == 1 and toks and all(re.fullmatch(r"[0-9a-f]{32}", t) for t in toks),
           "with a key every finding has a 32-hex token")
        rc2, out2, _ = scan("--format", "json", "--token-key-file", key, chat_path)
        ok(out2 == out, "tokens are stable across runs")

        # A large file: the value straddles the 64 KiB read boundary.
        big = os.path.join(tmp, "big.txt")
        filler = open(data("ordinary.txt"), "rb").read()
        body = (filler * (65536 // len(filler) + 1))[:65536 - 20]
        needle = b" patient NHS number 401 023 2137 seen "
        with open(big, "wb") as f:
            f.write(body + needle + filler * 400)
        rc, out, err = scan("--format", "json", big)
        at = len(body) + needle.index(b"401")
        found = [json.loads(l) for l in out.splitlines()]
        ok(rc == 1 and any(l["detector"] == "nhs_number" and l["start"] == at
                           and l["end"] == at + 12 for l in found),
           "value across a chunk boundary found at its offset in a %d-byte file"
           % os.path.getsize(big))

        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        rc, out, err = scan(empty)
        ok(rc == 0 and out == "", "empty file: exit 0")

        rc, out, err = scan(tmp)
        ok(rc == 2 and "phiguard scan: cannot read '%s'" % tmp in err,
           "a directory: exit 2 with a message (%r)" % err.strip())

        # --policy: the policy's detectors, its own included.
        pol = os.path.join(tmp, "policy.yaml")
        with open(pol, "w") as f:
            f.write('version: "t-1"\n'
                    'rules:\n'
                    '  - name: flag-all\n'
                    '    when: {findings: {detector: any}}\n'
                    '    action: flag\n'
                    'detectors:\n'
                    '  disable: [email]\n'
                    '  custom:\n'
                    '    - name: hospital_mrn\n'
                    '      patterns:\n'
                    "        - { regex: 'RX1[0-9]{7}', width: 10 }\n"
                    '      boundary: alnum\n'
                    '      confidence: medium\n'
                    '      hotwords: { strong: [mrn] }\n'
                    '      redact: last4\n')
        doc = os.path.join(tmp, "mrn.txt")
        with open(doc, "wb") as f:
            f.write(b"Patient MRN RX10012345 seen today, jane.doe@nhs.net\n")
        rc, out, err = scan("--format", "json", "--policy", pol, doc)
        got = [json.loads(l) for l in out.splitlines()]
        ok(rc == 1 and any(l["detector"] == "hospital_mrn" and l["start"] == 12
                           and l["end"] == 22 and l["confidence"] == "high" for l in got),
           "--policy: the policy's own detector is found, raised by its hotword (%r %r)"
           % (out, err))
        ok(not any(l["detector"] == "email" for l in got), "--policy: disabled detector is off")
        rc, out, err = scan("--policy", os.path.join(tmp, "nope.yaml"), doc)
        ok(rc == 2 and "nope.yaml" in err, "--policy with a missing file: exit 2 (%r)"
           % err.strip())

    rc, out, err = scan("-", stdin=chat)
    ok(rc == 1 and out.startswith("-:"), "stdin as '-': text lines start with '-:'")
    first = out.splitlines()[0]
    ok(re.fullmatch(r"-:\d+ [a-z0-9_]+ (low|medium|high) \S.*", first) is not None,
       "text line: file:offset detector confidence sample (%r)" % first)

    rc, out, err = scan("--min-confidence", "high", "--format", "json", chat_path)
    ok(rc == 1 and all(json.loads(l)["confidence"] == "high" for l in out.splitlines()),
       "--min-confidence high keeps only high")

    rc, out, err = scan("/nonexistent/file")
    ok(rc == 2 and "phiguard scan: cannot open '/nonexistent/file': No such file or directory"
       in err, "missing file: exit 2 and a clear message (%r)" % err.strip())

    rc, out, err = scan(data("ordinary.txt"), "/nonexistent/file")
    ok(rc == 2, "an error wins over 'nothing found'")

    rc, out, err = scan("--format", "xml", chat_path)
    ok(rc == 2 and "unknown format 'xml'" in err, "bad --format: exit 2")

    rc, out, err = scan()
    ok(rc == 2 and "usage:" in err, "no file: usage, exit 2")

    # An office file is a zip of XML: its entries are read, each as a text
    # whose offsets the findings give.
    with tempfile.TemporaryDirectory() as tmp:
        sheet = os.path.join(tmp, "list.xlsx")
        strings = (b"<sst><si><t>Name</t></si><si><t>NHS number</t></si><si><t>Jane Smith"
                   b"</t></si><si><t>401 023 2137</t></si></sst>")
        with zipfile.ZipFile(sheet, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/sharedStrings.xml", strings)
        rc, out, err = scan("--format", "json", sheet)
        fs = [json.loads(line) for line in out.splitlines()]
        nhs = [f for f in fs if f["detector"] == "nhs_number"]
        ok(rc == 1 and len(nhs) == 1 and nhs[0]["file"] == sheet and
           nhs[0]["entry"] == "xl/sharedStrings.xml" and
           strings[nhs[0]["start"]:nhs[0]["end"]] == b"401 023 2137" and
           nhs[0]["confidence"] == "high",
           "a .xlsx: the NHS number in its shared strings, with the entry and its offsets")
        rc, out, err = scan(sheet)
        ok(rc == 1 and "%s!xl/sharedStrings.xml:" % sheet in out,
           "text format names the entry as FILE!ENTRY:OFFSET")
        with zipfile.ZipFile(sheet, "w", zipfile.ZIP_STORED) as z:
            z.writestr("notes.txt", b"Patient NHS no 401 023 2137\n")
        rc, out, err = scan("--format", "json", sheet)
        fs = [json.loads(line) for line in out.splitlines()]
        ok(rc == 1 and len(fs) == 1 and "entry" not in fs[0],
           "a stored entry is read once, in the file itself (%d findings)" % len(fs))

    check_gzip()
    check_mail()
    check_mbox()

    # A file name outside ASCII reads back as itself from the JSON output.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "Siobh\u00e1n referral \u2013 ward 7.txt")
        write(path, NOTE)
        rc, fs, out, err = scan_json(path)
        ok(rc == 1 and fs and all(f["file"] == path for f in fs),
           "a UTF-8 file name is kept in JSON (%r)" % out[:160])

    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
