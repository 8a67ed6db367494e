"""CSV/formula injection (ASVS 5.0 V1.2.10): names people typed go into every export; a cell a
spreadsheet would run as a formula (= + - @, tab, CR) must arrive as text, in every CSV and
XLSX the app writes."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from lms.core.exports import FORMULA_STARTS
from lms.extensions import db

EVIL = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
        "\t=1", "\r=1"]
YEAR = date.today().year


@pytest.fixture
def center(make, login):
    """A class of this year whose program, unit, trainees and place carry formula-like text."""
    make.settings()
    me = make.user(roles=("instructor", "director"), full_name=EVIL[0])
    program = make.program(code="=P", name=EVIL[3])
    unit = make.unit(code="+U", name=EVIL[1])
    klass = make.klass(program=program, title=EVIL[2], place=EVIL[4], code="-L",
                       start_date=date(YEAR, 1, 5), instructors=[me])
    session = make.session(klass, on_date=date(YEAR, 1, 5), topic=EVIL[5], room=EVIL[0])
    for name in EVIL:
        member_id = name[:30] if name == name.strip() else None  # stored trimmed: one "=1"
        enrollment = make.enrollment(klass, make.trainee(full_name=name, unit=unit,
                                                         member_id=member_id))
        make.attendance(session, enrollment, note=name)
    db.session.commit()
    login(me)
    return klass.id


def _cells_csv(body: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]


def _cells_xlsx(body: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(body))
    return [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]


EXPORTS = [
    "/classes/{klass}/roster.{fmt}",
    "/classes/{klass}/attendance.{fmt}",
    "/reports/{year}/export.{fmt}",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", EXPORTS)
def test_formula_like_text_is_neutralised_in_every_export(client, center, url, fmt):
    response = client.get(url.format(klass=center, year=YEAR, fmt=fmt))
    assert response.status_code == 200
    cells = (_cells_csv if fmt == "csv" else _cells_xlsx)(response.data)
    assert any(c.startswith("'") and c[1:] in EVIL for c in cells), "the names are exported"
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert not dangerous


def test_the_neutralised_characters_are_those_spreadsheets_run():
    assert set(FORMULA_STARTS) >= {"=", "+", "-", "@", "\t", "\r"}
