# SPDX-License-Identifier: GPL-2.0-or-later
"""Office files as an export writes them, for the live tests: a .xlsx is a
zip of XML whose shared strings hold the cells' text."""
import io
import zipfile
from xml.sax.saxutils import escape


def xlsx(rows):
    """A minimal spreadsheet: @rows (lists of strings) as shared strings, deflated."""
    strings = [cell for row in rows for cell in row]
    sst = "".join("<si><t>%s</t></si>" % escape(s) for s in strings)
    cells, k = [], 0
    for r, row in enumerate(rows, 1):
        cs = []
        for c, _ in enumerate(row):
            cs.append('<c r="%s%d" t="s"><v>%d</v></c>' % (chr(65 + c), r, k))
            k += 1
        cells.append('<row r="%d">%s</row>' % (r, "".join(cs)))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
                               'openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook %s><sheets><sheet name="List" '
                           'sheetId="1"/></sheets></workbook>' % ns,
        "xl/sharedStrings.xml": '<?xml version="1.0"?><sst %s count="%d">%s</sst>'
                                % (ns, len(strings), sst),
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet %s><sheetData>%s'
                                    '</sheetData></worksheet>' % (ns, "".join(cells)),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


# 401 023 2137 and 401 023 2145 carry valid check digits; they are test values, not patients.
PATIENT_ROWS = [["Name", "NHS number", "Ward"], ["Jane Smith", "401 023 2137", "7"],
                ["John Brown", "401 023 2145", "7"]]
CLEAN_ROWS = [["Item", "Count"], ["Gloves", "40"], ["Aprons", "12"]]
