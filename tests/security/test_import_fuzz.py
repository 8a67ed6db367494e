"""The imports (users, class roster, annual plan) and the attendance roster's 300-row POST, fed
hostile tables through their real views: random Unicode, NUL, 100,000-character cells, numbers
and dates that cannot be, rows longer or shorter than the header, CSV or XLSX.

Every answer is a page or a redirect, never a 500; a refused file writes nothing; an accepted
one stores names in NFC with their diacritics."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import select

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.extensions import db
from tests.security.fuzzing import (
    DATES,
    FAST,
    NUMBERS,
    TRICKY,
    changed_tables,
    huge,
    pop_flashes,
    snapshot,
    unicode_text,
)

# Werkzeug's test client spools a request body over 500 kB to a temporary file that it may leave
# to the garbage collector; the app itself closes every upload (Flask closes request.files).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

NAMES = ["Nguye\u0302\u0303n Thi\u0323 Hoa\u0300", "Trần Văn Đức", "Lê Thị Thu Hà"]
cell = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(TRICKY),
    st.sampled_from(NUMBERS),
    st.sampled_from(DATES),
    unicode_text,
    huge(),
)


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[list[str]]) -> bytes | None:
    workbook = Workbook()
    try:
        for row in rows:
            workbook.active.append(row)
    except (ValueError, IllegalCharacterError):  # control characters: Excel cannot write them
        return None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tables(header: list[str], column_values: dict[str, st.SearchStrategy]):
    """(bytes, rows) of a CSV or XLSX table: this header (perhaps shuffled, cut or padded),
    1-4 rows of values, some rows longer or shorter than the header."""

    @st.composite
    def build(draw):
        columns = draw(st.permutations(header))
        if draw(st.booleans()):
            columns = columns[: draw(st.integers(1, len(columns)))]
        rows = [columns]
        for _ in range(draw(st.integers(1, 4))):
            row = [draw(column_values.get(c, cell)) for c in columns]
            if draw(st.integers(0, 5)) == 0:
                row = row[: len(row) // 2] + ([draw(cell)] if draw(st.booleans()) else [])
            rows.append(row)
        data = _xlsx(rows) if draw(st.booleans()) else _csv(rows)
        assume(data is not None)
        return data, rows

    return build()


def _upload(client, url, data: bytes, **fields):
    response = client.post(
        url, data={**fields, "file": (io.BytesIO(data), "upload.bin")},
        content_type="multipart/form-data",
    )
    response.close()  # and the request's spooled upload with it
    return response


def _check(client, response, before):
    """No 500; an answer that refuses leaves the database as it was."""
    # 413: a body beyond MAX_CONTENT_LENGTH / MAX_FORM_MEMORY_SIZE, refused before any view
    assert response.status_code in (200, 302, 413, 422), response.status_code
    flashes = pop_flashes(client)
    refused = response.status_code != 302 or any(c == "error" for c, _m in flashes)
    if refused:
        assert changed_tables(before, snapshot()) == []
    return not refused


@pytest.fixture
def center(make, login):
    me = make.user(roles=("trainee", "director", "admin"), full_name="Quản Trị")
    unit = make.unit(code="P1")
    trainees = [make.trainee(username=f"tv{i}", member_id=f"M{i}", unit=unit) for i in range(3)]
    klass = make.klass(capacity=100)
    program = make.program(code="BD1")
    db.session.commit()
    login(me)
    return {"klass": klass.id, "program": program.id, "trainees": trainees}


user_cells = {
    "username": st.one_of(st.sampled_from(["hoa.nt", "tv0", "Tv1", "x"]), cell),
    "roles": st.one_of(st.sampled_from(["trainee", "học viên", "admin, giảng viên"]), cell),
    "unit_code": st.one_of(st.just("P1"), cell),
    "date_of_birth": st.one_of(st.sampled_from(DATES + ["05/01/1985"]), cell),
    "email": st.one_of(st.just("hoa@example.vn"), cell),
}


@FAST
@given(table=tables(["full_name", "username", "email", "date_of_birth", "unit_code", "roles",
                     "member_id"], user_cells))
def test_user_import(client, center, table):
    data, rows = table
    before = snapshot()
    response = _upload(client, "/admin/users/import", data)
    if _check(client, response, before):
        header = rows[0]
        for row in rows[1:]:
            name = row[header.index("full_name")]
            username = row[header.index("username")].strip().lower()
            user = db.session.scalar(select(User).where(User.username == username))
            if user is not None and isinstance(name, str) and name in NAMES:
                assert user.full_name == unicodedata.normalize("NFC", name).strip()
        db.session.rollback()


@FAST
@given(table=tables(["username", "member_id", "full_name", "no"], {
    "username": st.one_of(st.sampled_from(["tv0", "TV1", "tv2", "nobody"]), cell),
    "member_id": st.one_of(st.sampled_from(["M0", "M1", ""]), cell),
}))
def test_roster_import(client, center, table):
    data, _rows = table
    before = snapshot()
    response = _upload(client, f"/classes/{center['klass']}/assign", data, kind="import")
    _check(client, response, before)


@FAST
@given(table=tables(
    ["program_code", "planned_classes", "planned_attendances", "q1_classes", "q2_classes",
     "q3_classes", "q4_classes"],
    {"program_code": st.one_of(st.sampled_from(["BD1", "bd1", "XX"]), cell),
     "planned_classes": st.one_of(st.sampled_from(["4", "1.000", "10000001"]), cell),
     "planned_attendances": st.one_of(st.sampled_from(["120", "-5"]), cell),
     "q1_classes": st.one_of(st.sampled_from(["1", ""]), cell)},
))
def test_plan_import(client, center, table):
    data, _rows = table
    before = snapshot()
    response = _upload(client, f"/reports/plans/{date.today().year}/import", data)
    _check(client, response, before)


@pytest.fixture
def roster_300(make, login):
    session, instructor, enrollments = make.session_now(trainees=300)
    db.session.commit()
    login(instructor)
    return session.id, [e.id for e in enrollments]


class Marks(list):
    """300 (status, note) pairs that print short when Hypothesis reports an example."""

    def __repr__(self) -> str:
        return f"Marks({[(m[:20], n[:20]) for m, n in self if (m, n) != ('present', '')]})"


status = st.one_of(st.just("present"), st.sampled_from(["absent", "late", "excused", ""]), cell)
note = st.one_of(st.just(""), st.sampled_from(NAMES), cell)


@settings(FAST, max_examples=5)
@given(marks=st.lists(st.tuples(status, note), min_size=300, max_size=300).map(Marks))
def test_roster_post_of_300_marks(client, roster_300, marks):
    session_id, ids = roster_300
    form = {}
    for eid, (mark, text) in zip(ids, marks, strict=True):
        form.update({f"s-{eid}": mark, f"o-{eid}": "", f"n-{eid}": text, f"on-{eid}": ""})
    before = snapshot()
    response = client.post(f"/sessions/{session_id}/attendance", data=form)
    if _check(client, response, before):
        written = {a.enrollment_id: a for a in db.session.scalars(select(Attendance))}
        for eid, (mark, text) in zip(ids, marks, strict=True):
            if mark:
                assert written[eid].status == mark
                assert (written[eid].note or "") == unicodedata.normalize("NFC", text).strip()
        db.session.rollback()


@pytest.fixture
def paper_class(make, login):
    """A class with a session happening now and three enrolled trainees (tv0, tv1, tv2)."""
    session, instructor, enrollments = make.session_now(trainees=3)
    for n, enrollment in enumerate(enrollments):
        enrollment.user.username = f"tv{n}"
    db.session.commit()
    login(instructor)
    return session.klass.id, f"{session.on_date:%d/%m/%Y}"


@FAST
@given(data=st.data())
def test_attendance_import(client, paper_class, data):
    """Attendance typed in from paper: the check never writes; a confirmed file writes marks
    with the statuses the app knows, or nothing."""
    class_id, today = paper_class
    data, rows = data.draw(tables(["username", "email", "session_date", "status", "note"], {
        "username": st.one_of(st.sampled_from(["tv0", "TV1", "tv2", "nobody"]), cell),
        "session_date": st.one_of(st.sampled_from([today, "31/02/2026", ""]), cell),
        "status": st.one_of(st.sampled_from(["có mặt", "Vắng", "late", "ngủ", ""]), cell),
    }))
    url = f"/classes/{class_id}/attendance/import"
    before = snapshot()
    response = _upload(client, url, data, check="1")
    assert response.status_code in (200, 413, 422), response.status_code
    assert changed_tables(before, snapshot()) == []
    match = re.search(r'name="payload"[^>]*value="([^"]+)"', response.text)
    if response.status_code == 200 and match:
        confirmed = client.post(url, data={"confirm": "1", "payload": match.group(1),
                                           "session_id": "0"})
        if _check(client, confirmed, before):
            statuses = set(db.session.scalars(select(Attendance.status)))
            assert statuses <= {"present", "late", "excused", "absent"}
        db.session.rollback()
