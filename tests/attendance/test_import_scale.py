"""A whole class typed in from paper: 300 people × 10 sessions = 3,000 rows in one file, in a
bounded number of statements (not one per row), counters right; the same file again writes
nothing. Prints the times (run with -s): the figures in the closing note of issue 15."""

from __future__ import annotations

import time as clock
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lms.attendance.importing import import_marks
from lms.attendance.models import Attendance
from lms.core.exports import csv_bytes
from lms.core.models import AuditLog
from lms.extensions import db
from tests.attendance.conftest import ZONE
from tests.attendance.test_counter_invariants import assert_counters_match_rows
from tests.hostile_files import xlsx

STATUSES = ["Có mặt", "muộn", "vắng có phép", "vắng", "present", "late", "absent"]


def test_3000_rows_in_bounded_statements(make, count_statements):
    director = make.director()
    today = datetime.now(ZONE).date()
    klass = make.klass(start_date=today - timedelta(days=20))
    sessions = [make.session(klass, on_date=today - timedelta(days=20 - 2 * i))
                for i in range(10)]
    unit = make.unit()
    people = [make.trainee(unit=unit, username=f"hv{i:03d}", full_name=f"Nguyễn Văn {i}")
              for i in range(300)]
    for person in people:
        make.enrollment(klass, person)
    db.session.commit()
    rows = [[p.username, p.full_name, f"{s.on_date:%d/%m/%Y}", STATUSES[(i + j) % 7], ""]
            for j, s in enumerate(sessions) for i, p in enumerate(people)]
    header = ["username", "full_name", "session_date", "status", "note"]
    data = csv_bytes(header, rows)
    reason = "Sổ ký tên giấy, hội trường mất mạng"
    times = {}
    with count_statements() as counter:
        started = clock.perf_counter()
        result = import_marks(klass, data, actor=director, reason=reason)
        db.session.commit()
        times["csv, 3,000 new marks"] = clock.perf_counter() - started
    assert result.new == 3000
    assert counter.count < 80, counter.count  # ~ a few per session, never per row
    assert db.session.scalar(select(func.count(Attendance.id))) == 3000
    assert_counters_match_rows()
    audit = db.session.scalar(select(func.count(AuditLog.id)))

    with count_statements() as counter:
        started = clock.perf_counter()
        again = import_marks(klass, data, actor=director, reason=reason)
        db.session.commit()
        times["csv, same file again (nothing written)"] = clock.perf_counter() - started
    assert again.writes == 0
    assert counter.count < 30, counter.count
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit

    following = {word: STATUSES[(n + 1) % 7] for n, word in enumerate(STATUSES)}
    changed = [[*r[:3], following[r[3]] if k % 10 == 0 else r[3], r[4]]
               for k, r in enumerate(rows)]
    workbook = xlsx([header, *changed])
    started = clock.perf_counter()
    third = import_marks(klass, workbook, actor=director, reason=reason)
    db.session.commit()
    times["xlsx, 300 of 3,000 changed"] = clock.perf_counter() - started
    assert third.writes == 300
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit + 300
    assert_counters_match_rows()
    dialect = db.engine.dialect.name
    for what, seconds in times.items():
        print(f"\n[import 300 people x 10 sessions, {dialect}] {what}: {seconds * 1000:.0f} ms")
