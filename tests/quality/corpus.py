# SPDX-License-Identifier: GPL-2.0-or-later
"""Building blocks of the detection-quality corpus.

A document is a list of segments; a segment is plain text or a labelled item
(detector, expectation). Byte offsets are computed on the UTF-8 encoding, so
labels line up with what `phiguard scan` reports.

Expectations (docs/detection-quality.md, "Labelling rules"):
  report    PHI that must be found at confidence >= medium by that detector
  negative  a decoy: a finding of that detector on it at >= medium is a false positive
  ignore    grey zone (staff names, role mailboxes, fields inside structured
            records): a finding there counts neither way

Identifiers are generated with their check-digit algorithms, written here from
the public definitions; the values are random, not anybody's.
"""

import datetime
import json
import re

REPORT, NEGATIVE, IGNORE = "report", "negative", "ignore"

NBSP = "\u00a0"


class Doc:
    def __init__(self, kind):
        self.kind = kind
        self.chunks = []
        self.labels = []
        self.size = 0

    def add(self, text, detector=None, expect=None):
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if detector is not None and data:
            self.labels.append({"detector": detector, "start": self.size,
                                "end": self.size + len(data), "expect": expect})
        self.chunks.append(data)
        self.size += len(data)

    def add_segments(self, segs):
        for s in segs:
            if isinstance(s, tuple):
                self.add(*s)
            else:
                self.add(s)

    def label_whole(self, detector, expect):
        self.labels.insert(0, {"detector": detector, "start": 0, "end": self.size,
                               "expect": expect})

    def data(self):
        return b"".join(self.chunks)


# ---------------------------------------------------------------------------
# identifiers
# ---------------------------------------------------------------------------

def mod11_check(stem):
    """NHS Data Dictionary modulus 11 over nine digits; None when it is 10."""
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1)))
    c = 11 - total % 11
    return 0 if c == 11 else (None if c == 10 else c)


def mod11_complete(rng, prefix):
    while True:
        stem = prefix + "".join(rng.choice("0123456789") for _ in range(9 - len(prefix)))
        c = mod11_check(stem)
        if c is not None and len(set(stem + str(c))) > 1:
            return stem + str(c)


def mod11_wrong(rng, prefix):
    """Ten digits with a wrong check digit."""
    good = mod11_complete(rng, prefix)
    return good[:9] + str((int(good[9]) + rng.randint(1, 9)) % 10)


def nhs_number(rng):
    return mod11_complete(rng, rng.choice("4677"))


def hc_number(rng):
    return mod11_complete(rng, "3" + rng.choice("23456789"))


def chi_number(rng, dob):
    while True:
        stem = dob.strftime("%d%m%y") + "%02d" % rng.randint(0, 99) + str(rng.randint(0, 9))
        c = mod11_check(stem)
        if c is not None:
            return stem + str(c)


def synthetic_nhs(rng):
    return mod11_complete(rng, "9")


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def npi(rng):
    while True:
        s = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(9))
        if luhn_ok("80840" + s):
            return s


NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "CR", "FY", "MW", "NC", "PP", "PY", "PZ",
            "OO"}


def nino(rng):
    while True:
        p = rng.choice(NINO_FIRST) + rng.choice(NINO_SECOND)
        if p not in NINO_BAD:
            return p + "%06d" % rng.randint(0, 999999) + rng.choice("ABCD")


MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"


def mbi(rng):
    a = lambda: rng.choice(MBI_ALPHA)
    an = lambda: rng.choice(MBI_ALPHA + "0123456789")
    d = lambda: rng.choice("0123456789")
    return (rng.choice("123456789") + a() + an() + d() + a() + an() + d() + a() + a() + d() +
            d())


def ssn(rng):
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            return "%03d%02d%04d" % (area, rng.randint(1, 99), rng.randint(1, 9999))


# Postcode areas people in the corpus live in (Scotland weighted: the incident was there).
POSTCODE_AREAS_SCOT = ["ML", "G", "EH", "KA", "PA", "FK", "AB", "DD", "KY", "IV", "DG", "TD"]
POSTCODE_AREAS_UK = ["M", "LS", "B", "L", "S", "E", "SW", "N", "NE", "CF", "BT", "BS", "NG",
                     "LE", "CV", "OX", "CB", "PL", "EX", "YO", "HU", "SA", "LL", "BD", "WF"]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def postcode(rng, areas=None):
    area = rng.choice(areas or (POSTCODE_AREAS_SCOT * 2 + POSTCODE_AREAS_UK))
    district = str(rng.randint(1, 9 if len(area) == 1 else 29))
    return area + district, str(rng.randint(0, 9)) + rng.choice(INWARD) + rng.choice(INWARD)


def fmt_postcode(rng, out_in, style=None):
    out, inw = out_in
    style = style or rng.choices(["space", "none", "lower", "nbsp"], [80, 8, 8, 4])[0]
    if style == "none":
        return out + inw
    if style == "lower":
        return (out + " " + inw).lower()
    if style == "nbsp":
        return out + NBSP + inw
    return out + " " + inw


def mobile(rng):
    while True:
        n = "07" + rng.choice("123455789") + "".join(rng.choice("0123456789") for _ in range(8))
        if not n.startswith("07700900") and len(set(n[2:])) > 1:
            return n


LANDLINE_AREAS = ["0141", "0131", "01698", "01236", "01355", "0161", "0113", "0121", "0151",
                  "01224", "01382", "020", "029", "028", "0117", "01592", "01292"]


def landline(rng):
    area = rng.choice(LANDLINE_AREAS)
    rest = 10 - (len(area) - 1)
    while True:
        body = str(rng.randint(2, 8)) + "".join(rng.choice("0123456789") for _ in range(rest - 1))
        n = area + body
        # stay out of Ofcom's drama blocks (0141 496 ..., 020 7946 0..., 01632 960...)
        if body.startswith("496") or n.startswith("0207946") or body.startswith("9649"):
            continue
        return n


def fmt_phone(rng, n, style=None):
    style = style or rng.choices(["std", "none", "intl", "intl0", "hyphen", "dots", "nbsp",
                                  "bracket"], [50, 20, 12, 4, 6, 3, 5, 4])[0]
    if n.startswith("07") or (n.startswith("01") and len(n) == 11 and n[3] != "1"):
        a, b = n[:5], n[5:]       # 07911 123456, 01698 123456
        parts = [a, b]
    elif n.startswith("02"):
        parts = [n[:3], n[3:7], n[7:]]   # 020 7123 4567
    else:
        parts = [n[:4], n[4:7], n[7:]]   # 0141 234 5678
    if style == "none":
        return n
    if style == "intl":
        return "+44 " + " ".join([parts[0][1:]] + parts[1:])
    if style == "intl0":
        return "+44 (0)" + " ".join([parts[0][1:]] + parts[1:])
    if style == "hyphen":
        return "-".join(parts)
    if style == "dots":
        return ".".join(parts)
    if style == "nbsp":
        return NBSP.join(parts)
    if style == "bracket" and not n.startswith("07"):
        return "(" + parts[0] + ") " + " ".join(parts[1:])
    return " ".join(parts)


def fmt_ten(rng, d, style=None, weights=(40, 35, 12, 8, 5), chi=False):
    """A ten-digit health number as people write it (6-4, date then serial, is a
    CHI habit; NHS and H&C numbers are written 3-3-4)."""
    style = style or rng.choices(["none", "space", "hyphen", "nbsp", "64"], weights)[0]
    if style == "64" and not chi:
        style = "space"
    if style == "none":
        return d
    if style == "space":
        return d[:3] + " " + d[3:6] + " " + d[6:]
    if style == "hyphen":
        return d[:3] + "-" + d[3:6] + "-" + d[6:]
    if style == "nbsp":
        return d[:3] + NBSP + d[3:6] + NBSP + d[6:]
    return d[:6] + " " + d[6:]


def fmt_nino(rng, s, style=None):
    style = style or rng.choices(["pairs", "none", "lower", "mid", "hyphen"], [45, 30, 10, 10, 5])[0]
    if style == "none":
        return s
    if style == "lower":
        return s.lower()
    if style == "mid":
        return s[:2] + " " + s[2:8] + " " + s[8]
    if style == "hyphen":
        return "-".join([s[:2], s[2:4], s[4:6], s[6:8], s[8]])
    return " ".join([s[:2], s[2:4], s[4:6], s[6:8], s[8]])


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def ordinal(d):
    return str(d) + ("th" if 11 <= d % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th"))


DATE_STYLES = ["dd/mm/yyyy", "d/m/yy", "dd.mm.yyyy", "dd-mm-yyyy", "yyyy-mm-dd", "d Mon yyyy",
               "d Month yyyy", "Month d, yyyy", "dth Month yyyy", "dd/mm/yy", "dd-MON-yyyy",
               "d.m.yy", "ddmmyyyy",
               # as typed on a phone; only a family that weighs them uses them
               "dd mm yyyy", "d Mon 'yy"]


def fmt_date(rng, dt, style=None, weights=None):
    weights = weights or [30, 10, 8, 6, 6, 10, 8, 4, 4, 8, 3, 3, 2]
    style = style or rng.choices(DATE_STYLES[:len(weights)], weights)[0]
    d, m, y = dt.day, dt.month, dt.year
    mon = MONTHS[m - 1]
    return {
        "dd/mm/yyyy": "%02d/%02d/%04d" % (d, m, y),
        "d/m/yy": "%d/%d/%02d" % (d, m, y % 100),
        "dd.mm.yyyy": "%02d.%02d.%04d" % (d, m, y),
        "dd-mm-yyyy": "%02d-%02d-%04d" % (d, m, y),
        "yyyy-mm-dd": "%04d-%02d-%02d" % (y, m, d),
        "d Mon yyyy": "%d %s %04d" % (d, mon[:3], y),
        "d Month yyyy": "%d %s %04d" % (d, mon, y),
        "Month d, yyyy": "%s %d, %04d" % (mon, d, y),
        "dth Month yyyy": "%s %s %04d" % (ordinal(d), mon, y),
        "dd/mm/yy": "%02d/%02d/%02d" % (d, m, y % 100),
        "dd-MON-yyyy": "%02d-%s-%04d" % (d, mon[:3].upper(), y),
        "d.m.yy": "%d.%d.%02d" % (d, m, y % 100),
        "ddmmyyyy": "%02d%02d%04d" % (d, m, y),
        "dd mm yyyy": "%02d %02d %04d" % (d, m, y),
        "d Mon 'yy": "%d %s '%02d" % (d, mon[:3], y % 100),
    }[style]


def birth_date(rng, young=False):
    start = datetime.date(1925, 1, 1) if not young else datetime.date(1990, 1, 1)
    end = datetime.date(2006, 12, 31) if not young else datetime.date(2025, 12, 31)
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def recent_date(rng):
    start = datetime.date(2024, 1, 1)
    return start + datetime.timedelta(days=rng.randint(0, 700))


def age_on(dob, today=datetime.date(2025, 6, 1)):
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


# ---------------------------------------------------------------------------
# structured records
# ---------------------------------------------------------------------------

def hl7_message(rng, doc, p, mllp=False):
    """An ADT/ORU message. Labels: the NHS/CHI number in PID-3 (report), other PID
    fields (ignore); the caller labels the whole message hl7v2."""
    ts = recent_date(rng).strftime("%Y%m%d") + "%02d%02d%02d" % (rng.randint(0, 23),
                                                                  rng.randint(0, 59),
                                                                  rng.randint(0, 59))
    mtype = rng.choice(["ADT^A01", "ADT^A08", "ADT^A03", "ORU^R01", "ADT^A04"])
    if mllp:
        doc.add(b"\x0b")
    doc.add("MSH|^~\\&|%s|%s|%s|%s|%s||%s|%d|P|%s\r" % (
        rng.choice(["TRAKCARE", "EPR", "PAS", "LABS", "CERNER"]),
        rng.choice(["GGC", "LAN", "RIE", "QEUH", "UHW"]),
        rng.choice(["RIS", "PACS", "EMIS", "SCI"]), rng.choice(["HOSP", "NHS"]), ts, mtype,
        rng.randint(1000, 999999), rng.choice(["2.3", "2.4", "2.5.1"])))
    doc.add("EVN|%s|%s\r" % (mtype[4:], ts))
    doc.add("PID|1||")
    doc.add(p["id"], p["id_detector"], REPORT)
    doc.add("^^^%s^%s" % (p["id_authority"], rng.choice(["NH", "NHS", "MR"])))
    doc.add("~%d^^^HOSP^MR||" % rng.randint(100000, 9999999))
    doc.add("%s^%s" % (p["surname"].upper(), p["forename"].upper()), "person_name", IGNORE)
    doc.add("||")
    doc.add(p["dob"].strftime("%Y%m%d"), "date_of_birth", IGNORE)
    doc.add("|%s|||%d %s^^%s^^" % (p["sex"], rng.randint(1, 200), p["street"], p["town"]))
    doc.add(p["postcode"][0] + " " + p["postcode"][1], "uk_postcode", IGNORE)
    doc.add("^GBR||")
    doc.add(p["phone"], "uk_phone", IGNORE)
    doc.add("\r")
    doc.add("PV1|1|I|%s^%d^%d||||%s^%s^%s\r" % (rng.choice(["WARD5", "AMU", "W18", "CCU"]),
                                             rng.randint(1, 8), rng.randint(1, 30),
                                             "C%06d" % rng.randint(0, 999999),
                                             rng.choice(["KHAN", "BELL", "OKAFOR"]), "A"))
    if mtype.startswith("ORU"):
        doc.add("OBR|1||%d|CBC^Full blood count\r" % rng.randint(10000, 99999))
        doc.add("OBX|1|NM|HGB^Haemoglobin||%d|g/L|130-180|L|||F\r" % rng.randint(70, 170))
    if mllp:
        doc.add(b"\x1c\x0d")


def fhir_patient(rng, doc, p, bundle=False, pretty=True):
    """A FHIR Patient (or a searchset Bundle with one). Labels: the identifier value
    (report), other fields (ignore); the caller labels the whole resource."""
    ind = "  " if pretty else ""
    nl = "\n" if pretty else ""
    sp = " " if pretty else ""

    def kv(k, v):
        return json.dumps(k) + ":" + sp + json.dumps(v)

    if bundle:
        doc.add("{" + nl + ind + kv("resourceType", "Bundle") + "," + nl + ind +
                kv("type", "searchset") + "," + nl + ind + '"entry":' + sp + "[{" +
                '"resource":' + sp)
    doc.add("{" + nl + ind + kv("resourceType", "Patient") + "," + nl + ind +
            kv("id", "%x" % rng.getrandbits(40)) + "," + nl + ind + '"identifier":' + sp +
            "[{" + kv("system", p["id_system"]) + "," + sp + '"value":' + sp + '"')
    doc.add(p["id"], p["id_detector"], REPORT)
    doc.add('"}],' + nl + ind + '"name":' + sp + "[{" + kv("use", "official") + "," + sp +
            '"family":' + sp + '"')
    doc.add(p["surname"], "person_name", IGNORE)
    doc.add('",' + sp + '"given":' + sp + '["')
    doc.add(p["forename"], "person_name", IGNORE)
    doc.add('"]}],' + nl + ind + kv("gender", "female" if p["sex"] == "F" else "male") + "," +
            nl + ind + '"birthDate":' + sp + '"')
    doc.add(p["dob"].isoformat(), "date_of_birth", IGNORE)
    doc.add('",' + nl + ind + '"telecom":' + sp + "[{" + kv("system", "phone") + "," + sp +
            '"value":' + sp + '"')
    doc.add(p["phone"], "uk_phone", IGNORE)
    doc.add('"}],' + nl + ind + '"address":' + sp + "[{" + kv("city", p["town"]) + "," + sp +
            '"postalCode":' + sp + '"')
    doc.add(p["postcode"][0] + " " + p["postcode"][1], "uk_postcode", IGNORE)
    doc.add('"}]' + nl + "}")
    if bundle:
        doc.add("}]" + nl + "}")
    doc.add(nl)


def dicom_file(rng, doc, p):
    """A DICOM Part 10 file, explicit VR little endian; the caller labels it dicom."""
    def elem(group, element, vr, value):
        if len(value) % 2:
            value += b" " if vr != b"UI" else b"\x00"
        if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
            head = (group.to_bytes(2, "little") + element.to_bytes(2, "little") + vr +
                    b"\x00\x00" + len(value).to_bytes(4, "little"))
        else:
            head = (group.to_bytes(2, "little") + element.to_bytes(2, "little") + vr +
                    len(value).to_bytes(2, "little"))
        return head + value

    meta = (elem(2, 1, b"OB", b"\x00\x01") +
            elem(2, 2, b"UI", b"1.2.840.10008.5.1.4.1.1.2") +
            elem(2, 3, b"UI", ("1.2.826.0.1.3680043.8.498.%d" % rng.getrandbits(48)).encode()) +
            elem(2, 0x10, b"UI", b"1.2.840.10008.1.2.1"))
    doc.add(b"\x00" * 128 + b"DICM")
    doc.add(elem(2, 0, b"UL", len(meta).to_bytes(4, "little")) + meta)
    doc.add(elem(8, 0x20, b"DA", recent_date(rng).strftime("%Y%m%d").encode()))
    doc.add(elem(8, 0x60, b"CS", rng.choice([b"CT", b"MR", b"CR", b"US"])))
    name = ("%s^%s" % (p["surname"].upper(), p["forename"].upper())).encode()
    if len(name) % 2:
        name += b" "
    doc.add(elem(0x10, 0x10, b"PN", b"")[:6] + len(name).to_bytes(2, "little"))
    doc.add(name, "person_name", IGNORE)
    pid = p["id"].encode()
    doc.add(elem(0x10, 0x20, b"LO", b"")[:6] + len(pid).to_bytes(2, "little"))
    doc.add(pid, p["id_detector"], IGNORE)
    dob = p["dob"].strftime("%Y%m%d").encode()
    doc.add(elem(0x10, 0x30, b"DA", b"")[:6] + len(dob).to_bytes(2, "little"))
    doc.add(dob, "date_of_birth", IGNORE)
    doc.add(elem(0x10, 0x40, b"CS", p["sex"].encode()))
    pixels = bytes(rng.getrandbits(8) for _ in range(rng.randint(256, 2048)))
    doc.add(elem(0x7FE0, 0x10, b"OW", pixels))


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def expand(template, fill, rng, ctx):
    """Expand {key} placeholders with fill[key](rng, ctx) -> str or list of segments."""
    segs = []
    pos = 0
    for m in PLACEHOLDER.finditer(template):
        if m.start() > pos:
            segs.append(template[pos:m.start()])
        out = fill[m.group(1)](rng, ctx)
        if isinstance(out, str):
            segs.append(out)
        else:
            segs.extend(out)
        pos = m.end()
    segs.append(template[pos:])
    return segs


def segments_text(segs):
    return "".join(s[0] if isinstance(s, tuple) else s for s in segs)


def mutate_case(rng, segs, p_lower=0.08):
    """Chat is often typed all lower case: lower the plain text (and items whose
    detectors are case-insensitive) of a whole message."""
    if rng.random() >= p_lower:
        return segs
    out = []
    for s in segs:
        if isinstance(s, tuple):
            out.append(s)
        else:
            out.append(s.lower())
    return out


# ---------------------------------------------------------------------------
# patients
# ---------------------------------------------------------------------------

STREETS = ["Hill Street", "Main Street", "Station Road", "Church Lane", "Park Avenue",
           "Victoria Road", "High Street", "Burnside Crescent", "Glen Drive", "Mill Road",
           "Kirk Wynd", "Orchard Gardens", "Brae View", "Castle Court", "Meadow Close",
           "Albert Terrace", "Queen Street", "Bank Street", "Whitehill Road", "Laurel Place"]
TOWNS = {"ML": "Motherwell", "G": "Glasgow", "EH": "Edinburgh", "KA": "Kilmarnock",
         "PA": "Paisley", "FK": "Falkirk", "AB": "Aberdeen", "DD": "Dundee", "KY": "Kirkcaldy",
         "IV": "Inverness", "DG": "Dumfries", "TD": "Galashiels", "M": "Manchester",
         "LS": "Leeds", "B": "Birmingham", "L": "Liverpool", "S": "Sheffield", "E": "London",
         "SW": "London", "N": "London", "NE": "Newcastle", "CF": "Cardiff", "BT": "Belfast",
         "BS": "Bristol", "NG": "Nottingham", "LE": "Leicester", "CV": "Coventry",
         "OX": "Oxford", "CB": "Cambridge", "PL": "Plymouth", "EX": "Exeter", "YO": "York",
         "HU": "Hull", "SA": "Swansea", "LL": "Llandudno", "BD": "Bradford", "WF": "Wakefield"}
SCOT = set(POSTCODE_AREAS_SCOT)
MAIL_DOMAINS = ["gmail.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "outlook.com",
                "icloud.com", "live.co.uk", "sky.com", "aol.com", "googlemail.com"]


def ascii_fold(s):
    table = str.maketrans("áéíóúàèìòùäëïöüçñśńłżźćąęÁÉÍÓÚŚŁŻ",
                          "aeiouaeiouaeioucnsnlzzcaeAEIOUSLZ")
    return s.translate(table).replace("'", "").replace(" ", "")


def make_patient(rng, forenames_f, forenames_m, surnames, young=False):
    sex = rng.choice("FM")
    forename = rng.choice(forenames_f if sex == "F" else forenames_m)
    surname = rng.choice(surnames)
    dob = birth_date(rng, young)
    pc = postcode(rng)
    area = re.match(r"[A-Z]+", pc[0]).group(0)
    nation = "scot" if area in SCOT else ("ni" if area == "BT" else "eng")
    if nation == "scot":
        pid, det, system, auth = (chi_number(rng, dob), "chi_number",
                                  "https://fhir.nhs.uk/Id/chi-number", "CHI")
    elif nation == "ni":
        pid, det, system, auth = (hc_number(rng), "hc_number",
                                  "https://fhir.nhs.uk/Id/hsc-number", "HSC")
    else:
        pid, det, system, auth = nhs_number(rng), "nhs_number", "https://fhir.nhs.uk/Id/nhs-number", "NHS"
    if sex == "F":
        title = rng.choices(["Mrs", "Ms", "Miss", "Dr", "Mx"], [50, 20, 20, 5, 2])[0]
    else:
        title = rng.choices(["Mr", "Dr", "Mx"], [90, 7, 3])[0]
    local = rng.choice(["{f}.{s}", "{f}{s}", "{f}_{s}{n}", "{i}{s}{n}", "{f}{n}", "{s}.{f}"])
    email = local.format(f=ascii_fold(forename).lower(), s=ascii_fold(surname).lower(),
                         i=ascii_fold(forename)[0].lower(), n=rng.randint(1, 99)) + \
        "@" + rng.choice(MAIL_DOMAINS)
    return {"forename": forename, "surname": surname, "sex": sex, "title": title,
            "dob": dob, "postcode": pc, "town": TOWNS.get(area, "Glasgow"),
            "street": rng.choice(STREETS), "nation": nation, "id": pid, "id_detector": det,
            "id_system": system, "id_authority": auth,
            "phone": rng.choice([mobile(rng), mobile(rng), landline(rng)]), "email": email}


# ---------------------------------------------------------------------------
# a template family: wording tables + templates -> documents
# ---------------------------------------------------------------------------

class Family:
    """Subclasses set the wording tables (W) and template lists; this class turns
    placeholders into labelled segments. Placeholders (all take the current patient):

      {P} name in a reported form        {PT} title + surname     {PF} forename + surname
      {PFIRST} forename only (ignore)    {ID} bare national number {IDL} labelled number
      {NHSL} {CHIL} {HCL} labelled number of that scheme, {DOBL} date of birth with a cue
      {PHONEL} phone with a cue          {ADDR} street + town + postcode (postcode report)
      {EMAILL} e-mail with a cue         {NINOL} NINO with a cue    {EVDATE} a non-birth date
      {AGE} {BED} {WARD} {CLIN} {EMO} {TIME} {STAFF} {REL} fillers
    """

    W = {}
    clinical = []
    handover_lines = []
    ordinary = []
    decoys = []
    name_forms = {}

    def __init__(self, forenames_f, forenames_m, surnames):
        self.ff, self.fm, self.sn = forenames_f, forenames_m, surnames
        self.fill = {k[2:]: getattr(self, k) for k in dir(self) if k.startswith("f_")}

    def w(self, rng, key):
        return rng.choice(self.W[key])

    def patient(self, rng):
        return make_patient(rng, self.ff, self.fm, self.sn)

    # -- names --
    def render_name(self, rng, p, form):
        t = p["title"]
        if rng.random() < 0.15:
            t += "."
        if form == "title_surname":
            return t + " " + p["surname"], REPORT
        if form == "title_full":
            return t + " " + p["forename"] + " " + p["surname"], REPORT
        if form == "full":
            return p["forename"] + " " + p["surname"], REPORT
        if form == "lower_title":
            return (t + " " + p["surname"]).lower(), REPORT
        if form == "title_initial":
            return t + " " + p["forename"][0] + " " + p["surname"], REPORT
        if form == "surname_comma":
            return p["surname"].upper() + ", " + p["forename"], REPORT
        if form == "full_caps":
            return (p["forename"] + " " + p["surname"]).upper(), REPORT
        return p["forename"], IGNORE

    def f_P(self, rng, ctx):
        forms = list(self.name_forms)
        form = rng.choices(forms, [self.name_forms[f] for f in forms])[0]
        text, exp = self.render_name(rng, ctx["p"], form)
        return [(text, "person_name", exp)]

    def f_PT(self, rng, ctx):
        return [self.render_name(rng, ctx["p"], "title_surname")[0:1] + ("person_name", REPORT)]

    def f_PF(self, rng, ctx):
        return [self.render_name(rng, ctx["p"], "full")[0:1] + ("person_name", REPORT)]

    def f_PFIRST(self, rng, ctx):
        return [(ctx["p"]["forename"], "person_name", IGNORE)]

    # -- national numbers --
    def _id_value(self, rng, p):
        return fmt_ten(rng, p["id"], weights=self.W.get("ten_weights", (40, 35, 12, 8, 5)),
                       chi=p["id_detector"] == "chi_number")

    def _labelled(self, rng, value, det, cue_key):
        if rng.random() < self.W.get("cue_after_p", 0.25):
            cue = self.w(rng, cue_key + "_after")
            return [(value, det, REPORT), " " + cue]
        cue = self.w(rng, cue_key + "_before")
        return [cue + self.glue(rng, cue), (value, det, REPORT)]

    def glue(self, rng, cue):
        """What people type between a label and its value."""
        if cue[-1] in ":-=#>" or cue.endswith(" is"):
            return " " if cue[-1] != "#" or rng.random() < 0.5 else ""
        return rng.choice(self.W["glue"])

    def f_ID(self, rng, ctx):
        p = ctx["p"]
        return [(self._id_value(rng, p), p["id_detector"], REPORT)]

    def f_IDL(self, rng, ctx):
        p = ctx["p"]
        key = {"nhs_number": "nhs", "chi_number": "chi", "hc_number": "hc"}[p["id_detector"]]
        return self._labelled(rng, self._id_value(rng, p), p["id_detector"], key)

    def f_NHSL(self, rng, ctx):
        return self._labelled(rng, fmt_ten(rng, nhs_number(rng)), "nhs_number", "nhs")

    def f_CHIL(self, rng, ctx):
        d = chi_number(rng, ctx["p"]["dob"])
        return self._labelled(rng, fmt_ten(rng, d, chi=True), "chi_number", "chi")

    def f_HCL(self, rng, ctx):
        return self._labelled(rng, fmt_ten(rng, hc_number(rng)), "hc_number", "hc")

    # -- dates --
    def f_DOBL(self, rng, ctx):
        value = fmt_date(rng, ctx["p"]["dob"], weights=self.W.get("date_weights"))
        if rng.random() < self.W.get("dob_after_p", 0.1):
            return [(value, "date_of_birth", REPORT), " " + self.w(rng, "dob_after")]
        cue = self.w(rng, "dob_before")
        return [cue + self.glue(rng, cue), (value, "date_of_birth", REPORT)]

    def f_EVDATE(self, rng, ctx):
        value = fmt_date(rng, recent_date(rng), weights=self.W.get("date_weights"))
        return [self.w(rng, "event_before") + " ", (value, "date_of_birth", NEGATIVE)]

    def f_AGE(self, rng, ctx):
        a = age_on(ctx["p"]["dob"])
        return rng.choice(["%d" % a, "%dyo" % a, "%d%s" % (a, ctx["p"]["sex"]), "aged %d" % a,
                           "%d y/o" % a, "%dyrs" % a])

    # -- contact --
    def f_PHONEL(self, rng, ctx):
        value = fmt_phone(rng, ctx["p"]["phone"])
        if rng.random() < 0.15:
            return [(value, "uk_phone", REPORT), " " + self.w(rng, "phone_after")]
        return [self.w(rng, "phone_before") + rng.choice([" ", ": ", " - ", " on "]),
                (value, "uk_phone", REPORT)]

    def f_ADDR(self, rng, ctx):
        p = ctx["p"]
        pc = fmt_postcode(rng, p["postcode"])
        house = str(rng.randint(1, 180))
        form = rng.choice(["{h} {st}, {town} {pc}", "{h} {st}, {town}, {pc}",
                           "{h} {st} {pc}", "flat {h}/{f}, {st}, {town} {pc}",
                           "{h} {st}, {pc}"])
        text = form.format(h=house, st=p["street"], town=p["town"], pc="\x00",
                           f=rng.randint(1, 4))
        before, after = text.split("\x00")
        cue = self.w(rng, "addr_before")
        return [cue + " " + before, (pc, "uk_postcode", REPORT), after]

    def f_PC(self, rng, ctx):
        """A bare postcode in a clinical message (the message is the context)."""
        return [(fmt_postcode(rng, ctx["p"]["postcode"]), "uk_postcode", REPORT)]

    def f_PHONE(self, rng, ctx):
        return [(fmt_phone(rng, ctx["p"]["phone"]), "uk_phone", REPORT)]

    def f_PCL(self, rng, ctx):
        pc = fmt_postcode(rng, ctx["p"]["postcode"])
        return [self.w(rng, "postcode_before") + rng.choice([" ", ": ", " - "]),
                (pc, "uk_postcode", REPORT)]

    def f_EMAILL(self, rng, ctx):
        return [self.w(rng, "email_before") + rng.choice([" ", ": ", " - "]),
                (ctx["p"]["email"], "email", REPORT)]

    def f_NINOL(self, rng, ctx):
        value = fmt_nino(rng, nino(rng))
        return [self.w(rng, "nino_before") + rng.choice([" ", ": ", " - ", " is "]),
                (value, "nino", REPORT)]

    # -- fillers --
    def f_BED(self, rng, ctx):
        return str(rng.randint(1, 30))

    def f_WARD(self, rng, ctx):
        return self.w(rng, "ward")

    def f_CLIN(self, rng, ctx):
        return self.w(rng, "clin")

    def f_EMO(self, rng, ctx):
        return rng.choice(self.W["emoji"]) if rng.random() < 0.5 else ""

    def f_TIME(self, rng, ctx):
        return rng.choice(["%d:%02d" % (rng.randint(7, 22), rng.choice([0, 15, 30, 45])),
                           "%dpm" % rng.randint(1, 9), "%dam" % rng.randint(7, 11), "lunchtime",
                           "after visiting"])

    def f_STAFF(self, rng, ctx):
        return [(self.w(rng, "staff"), "person_name", IGNORE)]

    def f_REL(self, rng, ctx):
        return self.w(rng, "rel")

    # -- documents --
    def clinical_doc(self, rng):
        doc = Doc("clinical")
        n_msgs = rng.choices([1, 2, 3, 4], [55, 25, 12, 8])[0]
        export = rng.random() < self.W.get("export_p", 0.25)
        for i in range(n_msgs):
            ctx = {"p": self.patient(rng)}
            if export:
                self.export_prefix(rng, doc)
            segs = expand(rng.choice(self.clinical), self.fill, rng, ctx)
            doc.add_segments(mutate_case(rng, segs, self.W.get("lower_p", 0.06)))
            doc.add("\n")
        return doc

    def handover_doc(self, rng):
        doc = Doc("clinical")
        doc.add(self.w(rng, "handover_head") + "\n")
        for i in range(rng.randint(2, 6)):
            ctx = {"p": self.patient(rng)}
            doc.add_segments(expand(rng.choice(self.handover_lines), self.fill, rng, ctx))
            doc.add("\n")
        return doc

    def export_prefix(self, rng, doc):
        dt = recent_date(rng)
        stamp = fmt_date(rng, dt, rng.choice(["dd/mm/yyyy", "dd/mm/yy"]))
        hm = "%02d:%02d" % (rng.randint(0, 23), rng.randint(0, 59))
        if rng.random() < 0.5:
            doc.add("[")
            doc.add(stamp, "date_of_birth", NEGATIVE)
            doc.add(", %s:%02d] " % (hm, rng.randint(0, 59)))
        else:
            doc.add(stamp, "date_of_birth", NEGATIVE)
            doc.add(", %s - " % hm)
        doc.add(self.w(rng, "staff"), "person_name", IGNORE)
        doc.add(": ")

    def ordinary_doc(self, rng):
        doc = Doc("ordinary")
        for i in range(rng.choices([1, 2, 3, 5], [40, 30, 20, 10])[0]):
            ctx = {"p": self.patient(rng)}
            doc.add_segments(expand(rng.choice(self.ordinary), self.fill_ordinary(), rng, ctx))
            doc.add("\n")
        return doc

    def decoy_doc(self, rng):
        doc = Doc("decoy")
        ctx = {"p": self.patient(rng)}
        doc.add_segments(expand(rng.choice(self.decoys), self.fill_ordinary(), rng, ctx))
        doc.add("\n")
        return doc

    def hl7_doc(self, rng):
        doc = Doc("hl7v2")
        for i in range(rng.choices([1, 2], [85, 15])[0]):
            hl7_message(rng, doc, self.patient(rng), mllp=rng.random() < 0.3)
        doc.label_whole("hl7v2", REPORT)
        return doc

    def fhir_doc(self, rng):
        doc = Doc("fhir")
        fhir_patient(rng, doc, self.patient(rng), bundle=rng.random() < 0.3,
                     pretty=rng.random() < 0.6)
        doc.label_whole("fhir_patient", REPORT)
        return doc

    def dicom_doc(self, rng):
        doc = Doc("dicom")
        dicom_file(rng, doc, self.patient(rng))
        doc.label_whole("dicom", REPORT)
        return doc

    # decoys and ordinary chat use their own fillers (no patient identifiers)
    def fill_ordinary(self):
        f = dict(self.fill)
        f.update({k[2:]: getattr(self, k) for k in dir(self) if k.startswith("d_")})
        return f

    # -- decoy fillers: all labelled negative for the detector they could fool --
    def d_ORDER10(self, rng, ctx):
        """A ten-digit reference that passes the NHS checksum (or CHI, or H&C)."""
        kind = rng.choice(["nhs", "nhs", "chi", "hc", "wrong"])
        if kind == "nhs":
            return [(nhs_number(rng), "nhs_number", NEGATIVE)]
        if kind == "chi":
            return [(chi_number(rng, recent_date(rng)), "chi_number", NEGATIVE)]
        if kind == "hc":
            return [(hc_number(rng), "hc_number", NEGATIVE)]
        return [(mod11_wrong(rng, rng.choice("4679")), "nhs_number", NEGATIVE)]

    def d_ORDER10S(self, rng, ctx):
        v = nhs_number(rng)
        return [(fmt_ten(rng, v, rng.choice(["space", "hyphen"])), "nhs_number", NEGATIVE)]

    def d_EPOCH(self, rng, ctx):
        # Unix seconds in 2024-2025 (17xxxxxxxx): a third of them read as a CHI date
        return [(str(rng.randint(1704067200, 1767225599)), "chi_number", NEGATIVE)]

    def d_EPOCHMS(self, rng, ctx):
        return str(rng.randint(1704067200000, 1767225599999))

    def d_ISODT(self, rng, ctx):
        dt = recent_date(rng)
        return [(dt.isoformat(), "date_of_birth", NEGATIVE),
                "T%02d:%02d:%02dZ" % (rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))]

    def d_DATE(self, rng, ctx):
        return [(fmt_date(rng, recent_date(rng), weights=self.W.get("date_weights")),
                 "date_of_birth", NEGATIVE)]

    def d_OLDDATE(self, rng, ctx):
        """A date in the past with no birth context (founded, built, since)."""
        return [(fmt_date(rng, birth_date(rng), weights=self.W.get("date_weights")),
                 "date_of_birth", NEGATIVE)]

    def d_NUM(self, rng, ctx):
        return str(rng.randint(100, 99999))

    def d_HEX(self, rng, ctx):
        return "%07x" % rng.getrandbits(28)

    def d_MONEY(self, rng, ctx):
        return "£%d.%02d" % (rng.randint(3, 900), rng.randint(0, 99))

    def d_ROLEMAIL(self, rng, ctx):
        return [(self.w(rng, "role_mail"), "email", IGNORE)]

    def d_FNAME(self, rng, ctx):
        return [(rng.choice(self.ff + self.fm), "person_name", IGNORE)]

    def d_WEEKDAY(self, rng, ctx):
        return rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                           "Sunday", "Mon", "Tues", "Weds", "Thurs", "Fri"])

    def d_MEETING(self, rng, ctx):
        return "%03d %04d %04d" % (rng.randint(800, 999), rng.randint(0, 9999),
                                   rng.randint(0, 9999))

    def d_USPHONE(self, rng, ctx):
        return "(%03d) 555-%04d" % (rng.randint(201, 989), rng.randint(100, 199))

    def d_PARTSSN(self, rng, ctx):
        s = ssn(rng)
        return [(s[:3] + "-" + s[3:5] + "-" + s[5:], "us_ssn", NEGATIVE)]

    def d_SHAPEPC(self, rng, ctx):
        """Shape-valid but not a postcode area, or outward code only."""
        return rng.choice(["M8", "M74", "A1", "B12", "M25", "G4", "EH1", "QA1 1AA", "AA1 2BB",
                           "XY12 3AB", "Z9 9ZZ"])

    def d_VERSION(self, rng, ctx):
        return "%d.%d.%d" % (rng.randint(1, 12), rng.randint(0, 30), rng.randint(0, 40))

    def d_NINOSHAPE(self, rng, ctx):
        """Booking / part references shaped like a NINO but breaking its letter rules."""
        p = rng.choice(["QQ", "BG", "GB", "NT", "ZZ", "DA", "FK", "VI", "UO", "IQ"])
        return [(p + "%06d" % rng.randint(0, 999999) + rng.choice("ABCD"), "nino", NEGATIVE)]

    def make(self, rng, kind):
        return getattr(self, kind + "_doc")(rng)
