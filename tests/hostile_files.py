"""Files built to hurt a parser, for the upload tests (tests/core/test_tabular.py at the
parser, tests/security/test_uploads.py through every upload endpoint)."""

import io
import zipfile

from openpyxl import Workbook


def xlsx(rows) -> bytes:
    """A real workbook with these rows."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """An "XLSX" whose sheet inflates to 80 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (80 * 1024 * 1024))
    return buffer.getvalue()


def billion_laughs() -> bytes:
    """A real workbook whose workbook.xml nests entities (a billion laughs)."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol3;'
        "</workbook>"
    )
    good = zipfile.ZipFile(io.BytesIO(xlsx([["username"], ["hoa"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in good.infolist():
            body = bomb if item.filename == "xl/workbook.xml" else good.read(item.filename)
            archive.writestr(item.filename, body)
    return buffer.getvalue()
