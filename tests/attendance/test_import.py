"""Attendance typed in from paper: marks imported from CSV/XLSX (lms/attendance/importing.py).

All or nothing, every error by row and column, through the one write path of the marks
(counters and audit right, method "import"), idempotent, lock and cancel rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.attendance.importing import import_marks, plan_import, template_rows
from lms.attendance.models import Attendance
from lms.core.models import AuditLog
from lms.core.tabular import TableError
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db
from tests.attendance.conftest import ZONE
from tests.attendance.test_counter_invariants import assert_counters_match_rows
from tests.hostile_files import xlsx


@dataclass
class Paper:
    klass: object
    director: object
    instructor: object
    old: object  # five days ago: locked
    now: object  # happening now
    later: object  # tomorrow: not started
    cancelled: object  # three days ago, cancelled
    trainees: list = field(default_factory=list)
    enrollments: list = field(default_factory=list)
    withdrawn: object = None
    stranger: object = None


def day(delta: int):
    return (datetime.now(ZONE) + timedelta(days=delta)).date()


@pytest.fixture
def paper(make):
    instructor = make.instructor(full_name="Lê Thị Thu Hà")
    director = make.director(username="giamdoc")
    klass = make.klass(start_date=day(-6), instructors=[instructor])
    klass.end_date = day(3)
    now = datetime.now(ZONE)
    start = max(now - timedelta(minutes=30), now.replace(hour=0, minute=0))
    end = min(now + timedelta(hours=2), now.replace(hour=23, minute=59))
    old = make.session(klass, on_date=day(-5))
    cancelled = make.session(klass, on_date=day(-3), cancelled_at=utcnow(),
                             cancel_reason="Bão")
    current = make.session(klass, on_date=day(0), starts_at=time(start.hour, start.minute),
                           ends_at=time(end.hour, end.minute))
    later = make.session(klass, on_date=day(1))
    result = Paper(klass, director, instructor, old, current, later, cancelled)
    for n, name in enumerate(("Nguyễn Văn An", "Trần Thị Bình", "Đặng Quốc Cường")):
        trainee = make.trainee(full_name=name, username=f"hv{n}", email=f"hv{n}@example.vn")
        result.trainees.append(trainee)
        result.enrollments.append(make.enrollment(klass, trainee))
    result.withdrawn = make.trainee(username="daroi", full_name="Phạm Thị Dung")
    make.enrollment(klass, result.withdrawn, status="withdrawn")
    result.stranger = make.trainee(username="nguoila", full_name="Võ Văn Em")
    db.session.commit()
    return result


def csv(*rows: str, header="username,session_date,status,note") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def d(session) -> str:
    return f"{session.on_date:%d/%m/%Y}"


def marks() -> dict:
    return {
        (a.session_id, a.enrollment_id): (a.status, a.note, a.method)
        for a in db.session.scalars(select(Attendance))
    }


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def test_vietnamese_and_english_words_with_or_without_diacritics(paper):
    p, e = paper, paper.enrollments
    data = csv(
        f"hv0,{d(p.now)},Có mặt,",
        f"HV1,{d(p.now)},co mat muon,",  # not a status: error below, fixed next
    )
    with pytest.raises(TableError):
        import_marks(p.klass, data, actor=p.instructor)
    data = csv(
        f"hv0,{d(p.now)},Có mặt,",
        f"HV1,{d(p.now)},di muon,xe hỏng",
        f"hv2,{d(p.now)},VẮNG CÓ PHÉP,",
    )
    result = import_marks(p.klass, data, actor=p.instructor)
    assert (result.new, result.changed, result.unchanged) == (3, 0, 0)
    assert marks() == {
        (p.now.id, e[0].id): ("present", "", "import"),
        (p.now.id, e[1].id): ("late", "xe hỏng", "import"),
        (p.now.id, e[2].id): ("excused", "", "import"),
    }
    english = csv(f"hv0,{d(p.now)},late,", f"hv1,{d(p.now)},Present,",
                  f"hv2,{d(p.now)},Unexcused absence,")
    result = import_marks(p.klass, english, actor=p.instructor)
    assert (result.new, result.changed) == (0, 3)
    assert [marks()[(p.now.id, x.id)][0] for x in e] == ["late", "present", "absent"]
    assert marks()[(p.now.id, e[1].id)][1] == "xe hỏng"  # an empty note keeps the stored one
    words = csv(f"hv0,{d(p.now)},vắng,", f"hv1,{d(p.now)},excused,",
                f"hv2,{d(p.now)},muộn,")
    import_marks(p.klass, words, actor=p.instructor)
    assert [marks()[(p.now.id, x.id)][0] for x in e] == ["absent", "excused", "late"]
    assert_counters_match_rows()


def test_every_error_is_listed_by_row_and_column_and_nothing_is_saved(paper, make):
    p = paper
    make.user(username="khongdihoc", roles=("instructor",))
    db.session.commit()
    before, audit_before = marks(), audit_count()
    rows = (
        f"hv0,{d(p.now)},Có mặt,",  # row 2: fine
        "hv1,31/02/2026,có mặt,",  # row 3: not a date
        f"hv2,{d(p.now)},ngủ gật,",  # row 4: unknown status
        f"ai.day,{d(p.now)},có mặt,",  # row 5: no such person
        f"nguoila,{d(p.now)},ngủ gật,",  # row 6: not enrolled, and an unknown status
        f"daroi,{d(p.now)},có mặt,",  # row 7: withdrawn
        f"hv0,{d(p.now)},vắng,",  # row 8: same person, same session as row 2
        f"hv1,{d(p.cancelled)},có mặt,",  # row 9: cancelled session
        f"hv1,{p.klass.end_date + timedelta(days=30):%d/%m/%Y},có mặt,",  # row 10: no session
        f",{d(p.now)},có mặt,",  # row 11: nobody
        f"hv2,{d(p.now)},vắng,{'x' * 501}",  # row 12: note too long
        "hv2,,vắng,",  # row 13: no date
    )
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, csv(*rows), actor=p.instructor)
    found = [(e.row, e.column) for e in caught.value.errors]
    assert found == [
        (3, "session_date"), (4, "status"), (5, "username"), (6, "username"), (6, "status"),
        (7, "username"), (8, "username"), (9, "session_date"), (10, "session_date"),
        (11, "username"), (12, "note"), (13, "session_date"),
    ]
    with force_locale("vi"):
        messages = {(e.row, e.column): str(e.message) for e in caught.value.errors}
    assert messages[6, "username"] == "Võ Văn Em (nguoila) không ghi danh vào lớp này."
    assert "đã bị huỷ" in messages[9, "session_date"] or "đã bị hủy" in messages[9, "session_date"]
    with force_locale("en"):
        assert str(caught.value.errors[3].message) == (
            "Võ Văn Em (nguoila) is not enrolled in this class.")
    assert marks() == before
    assert audit_count() == audit_before


def test_importing_the_same_file_twice_changes_nothing(paper):
    p = paper
    data = csv(f"hv0,{d(p.now)},có mặt,", f"hv1,{d(p.now)},vắng,ốm",
               f"hv2,{d(p.now)},muộn,")
    first = import_marks(p.klass, data, actor=p.instructor)
    assert first.writes == 3
    db.session.commit()
    audit_before, rows_before = audit_count(), marks()
    again = import_marks(p.klass, data, actor=p.instructor)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    db.session.commit()
    assert audit_count() == audit_before
    assert marks() == rows_before


def test_audit_says_how_import_and_counters_follow(paper):
    p, e = paper, paper.enrollments
    import_marks(p.klass, csv(f"hv0,{d(p.now)},có mặt,", f"hv1,{d(p.now)},vắng,"),
                 actor=p.instructor)
    entries = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "attendance").order_by(AuditLog.id)).all()
    assert [(a.object_id, a.new_value, a.method, a.session_id) for a in entries] == [
        (e[0].id, "present", "import", p.now.id), (e[1].id, "absent", "import", p.now.id)]
    assert entries[0].actor_id == p.instructor.id
    db.session.refresh(e[0])
    db.session.refresh(p.now)
    assert e[0].attended_count == 1
    assert p.now.marked_count == 2
    assert_counters_match_rows()


def test_a_locked_session_only_by_a_director_with_a_reason(paper):
    p, e = paper, paper.enrollments
    data = csv(f"hv0,{d(p.old)},có mặt,", f"hv1,{d(p.old)},vắng,")
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, data, actor=p.instructor)
    assert [(x.row, x.column) for x in caught.value.errors] == [(2, "session_date")]
    with force_locale("en"):
        assert "Only a director" in str(caught.value.errors[0].message)
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, data, actor=p.director)
    with force_locale("en"):
        assert "give a reason" in str(caught.value.errors[0].message)
    assert marks() == {}
    result = import_marks(p.klass, data, actor=p.director, reason="Sổ ký giấy, mất mạng")
    assert result.writes == 2
    assert result.locked_sessions
    entry = db.session.scalars(select(AuditLog).where(AuditLog.object_id == e[0].id)).one()
    assert (entry.method, entry.reason) == ("import", "Sổ ký giấy, mất mạng")
    # The same file again changes nothing, so the instructor is not refused.
    again = import_marks(p.klass, data, actor=p.instructor)
    assert again.writes == 0


def test_not_started_and_closed_out_sessions_are_refused(paper):
    p = paper
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, csv(f"hv0,{d(p.later)},có mặt,"), actor=p.director)
    with force_locale("en"):
        assert "not started yet" in str(caught.value.errors[0].message)
    p.klass.closed_at = utcnow()
    db.session.flush()
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, csv(f"hv0,{d(p.now)},có mặt,"), actor=p.director)
    with force_locale("en"):
        assert "closed out" in str(caught.value.errors[0].message)


def test_only_the_class_staff_may_import(paper, make):
    from werkzeug.exceptions import NotFound

    other = make.instructor()
    with pytest.raises(NotFound):
        plan_import(paper.klass, csv(f"hv0,{d(paper.now)},có mặt,"), actor=other)
    with pytest.raises(NotFound):
        template_rows(paper.klass, actor=paper.trainees[0])


def test_one_session_import_refuses_other_dates(paper):
    p = paper
    data = csv(f"hv0,{d(p.now)},có mặt,", f"hv1,{d(p.old)},có mặt,")
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, data, actor=p.director, session=p.now)
    assert [(x.row, x.column) for x in caught.value.errors] == [(3, "session_date")]
    with pytest.raises(DomainError):
        plan_import(p.klass, data, actor=p.director, session=p.old.__class__(
            class_id=-1, on_date=p.old.on_date))


def test_email_column_xlsx_real_dates_and_blank_statuses(paper):
    p, e = paper, paper.enrollments
    data = xlsx([
        ["Email", "Full_name", "Session_date", "Status", "Note"],
        ["HV0@example.vn", "Nguyễn Văn An", p.now.on_date, "Có mặt", None],
        ["hv1@example.vn", "Trần Thị Bình", datetime.combine(p.now.on_date, time()), "", ""],
        ["hv2@example.vn", "Đặng Quốc Cường", d(p.now), "Vắng KP", 12],
    ])
    result = import_marks(p.klass, data, actor=p.instructor)
    assert (result.new, result.skipped) == (2, 1)
    assert marks() == {(p.now.id, e[0].id): ("present", "", "import"),
                       (p.now.id, e[2].id): ("absent", "12", "import")}


def test_a_file_with_only_blank_statuses_is_refused(paper):
    with pytest.raises(TableError) as caught:
        import_marks(paper.klass, csv(f"hv0,{d(paper.now)},,"), actor=paper.instructor)
    assert caught.value.message


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbfusername;session_date;status\nhv0;{day};c\xc3\xb3 m\xe1\xba\xb7t\n",
    b"username\tsession_date\tstatus\nhv0\t{day}\tpresent\n",
])
def test_bom_and_semicolons_and_tabs(paper, data):
    data = data.replace(b"{day}", d(paper.now).encode())
    assert import_marks(paper.klass, data, actor=paper.instructor).new == 1


def test_formula_cells_are_data_not_formulas(paper):
    p = paper
    data = csv(f"hv0,{d(p.now)},có mặt,=HYPERLINK(\"http://x\")")
    import_marks(p.klass, data, actor=p.instructor)
    assert marks()[(p.now.id, p.enrollments[0].id)][1] == '=HYPERLINK("http://x")'
    rows = template_rows(p.klass, actor=p.instructor)
    from lms.core.exports import csv_bytes

    assert b"'=HYPERLINK" in csv_bytes(["a"] * 5, rows)


def test_wrong_columns_and_hostile_files_are_refused(paper):
    from tests.hostile_files import billion_laughs, zip_bomb

    p = paper
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, csv(f"{d(p.now)},có mặt", header="session_date,status"),
                     actor=p.instructor)
    assert [(x.row, x.column) for x in caught.value.errors] == [(1, "username")]
    with pytest.raises(TableError) as caught:
        import_marks(p.klass, csv(f"hv0,{d(p.now)}", header="username,session_date,colour"),
                     actor=p.instructor)
    assert {(x.row, x.column) for x in caught.value.errors} == {(1, "status"), (1, "colour")}
    for bad in (zip_bomb(), billion_laughs(), b"\x89PNG\r\n\x1a\n\x00\x00"):
        with pytest.raises(TableError):
            import_marks(p.klass, bad, actor=p.instructor)
    assert marks() == {}


def test_the_template_lists_the_roster_at_each_held_session_and_reimports_as_is(paper):
    p = paper
    import_marks(p.klass, csv(f"hv1,{d(p.now)},muộn,kẹt xe"), actor=p.instructor)
    db.session.commit()
    with force_locale("vi"):
        rows = template_rows(p.klass, actor=p.instructor)
    # Held, not cancelled: the old session and today's, each with the three enrolled trainees.
    assert [(r[0], r[2]) for r in rows] == [
        (u, d(s)) for s in (p.old, p.now) for u in ("hv0", "hv1", "hv2")]
    assert rows[4] == ["hv1", "Trần Thị Bình", d(p.now), "Đi muộn", "kẹt xe"]
    from lms.core.exports import csv_bytes

    before = audit_count()
    body = csv_bytes(["username", "full_name", "session_date", "status", "note"], rows)
    assert import_marks(p.klass, body, actor=p.instructor).writes == 0
    assert audit_count() == before
    one = template_rows(p.klass, actor=p.instructor, session=p.later)
    assert {r[2] for r in one} == {d(p.later)}
    assert len(one) == 3
