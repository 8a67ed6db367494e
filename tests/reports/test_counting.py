"""Every counting rule of DOMAIN.md on small hand-built data."""

from datetime import date, timedelta

import pytest

from lms.certificates.models import Certificate
from lms.core.types import utcnow
from lms.extensions import db
from lms.reports.report import achievement, compute_report

Y = 2019


@pytest.fixture
def held(make):
    """held(program=None, day=date(2019,3,5)) -> (class, session): a class with a session."""

    def build(program=None, day=date(Y, 3, 5), **overrides):
        klass = make.klass(program=program, start_date=day, **overrides)
        return klass, make.session(klass, on_date=day)

    return build


def attend(make, session, user=None, status="present", **overrides):
    enrollment = make.enrollment(session.klass, user, **overrides)
    make.attendance(session, enrollment, status)
    return enrollment


def test_a_person_in_three_classes_counts_three_times(make, held):
    person = make.trainee()
    for month in (2, 5, 8):
        _, session = held(day=date(Y, month, 10))
        attend(make, session, person)
    total = compute_report(Y).total
    assert (total.held_classes, total.trainee_attendances, total.unique_trainees) == (3, 3, 1)


def test_a_cancelled_class_never_counts(make, held):
    klass, session = held()
    attend(make, session)
    klass.cancelled_at, klass.cancel_reason = utcnow(), "Bão"
    assert compute_report(Y).total.held_classes == 0
    assert compute_report(Y).total.trainee_attendances == 0


def test_only_absences_is_not_a_trainee_attendance(make, held):
    _, session = held()
    attend(make, session, status="absent")
    attend(make, session, status="excused")
    attend(make, session, status="late")
    total = compute_report(Y).total
    assert (total.held_classes, total.trainee_attendances, total.enrolled) == (1, 1, 3)
    assert total.participation_pct == 33


def test_unique_trainees_are_not_the_sum_of_rows(make, held):
    people = [make.trainee() for _ in range(3)]
    for program in (make.program(), make.program()):
        _, session = held(program=program)
        for person in people:
            attend(make, session, person)
    report = compute_report(Y)
    assert [r.unique_trainees for r in report.programs] == [3, 3]
    assert report.total.unique_trainees == 3
    assert report.total.trainee_attendances == 6


def test_a_class_whose_sessions_are_all_unmarked_is_not_held(make, held):
    klass, _ = held()
    make.enrollment(klass)
    assert compute_report(Y).total.held_classes == 0


def test_marks_on_a_cancelled_session_do_not_make_a_class_held(make, held):
    klass, session = held()
    attend(make, session)
    session.cancelled_at, session.cancel_reason = utcnow(), "Mất điện"
    make.session(klass, on_date=date(Y, 3, 6))
    assert compute_report(Y).total.held_classes == 0


def test_marks_at_a_session_cancelled_afterwards_count_nowhere_until_it_is_restored(make, held):
    """Cancelled after it was marked, a session's marks leave the held classes, the
    trainee-attendances, the unique trainees, the participation and the enrolments' counters
    (their attendance rate); restored, they come back. Exactly, in both directions."""
    from lms.classes.sessions import cancel_session

    klass, first = held()
    second = make.session(klass, on_date=date(Y, 3, 12))
    only_first = attend(make, first)
    make.attendance(second, only_first, "absent")
    both = attend(make, first)
    make.attendance(second, both, "late")
    only_second = attend(make, first, status="excused")
    make.attendance(second, only_second, "present")
    director = make.director()

    def figures():
        t = compute_report(Y).total
        return t.held_classes, t.enrolled, t.trainee_attendances, t.unique_trainees

    def counters(enrollment):
        db.session.refresh(enrollment)
        e = enrollment
        return e.attended_count, e.excused_count, e.absent_count

    assert figures() == (1, 3, 3, 3)
    assert counters(only_first) == (1, 0, 1)
    cancel_session(first, "Mất điện", actor=director, marks_confirmed=3)
    assert figures() == (1, 3, 2, 2)
    assert compute_report(Y).total.participation_pct == 67  # 2 of 3, rounded
    assert [counters(e) for e in (only_first, both, only_second)] == [
        (0, 0, 1), (1, 0, 0), (1, 0, 0)]
    cancel_session(second, "Mất điện", actor=director, marks_confirmed=3)
    assert figures() == (0, 0, 0, 0)
    assert counters(both) == (0, 0, 0)
    second.cancelled_at, second.cancel_reason = None, None  # restored
    db.session.flush()
    assert figures() == (1, 3, 2, 2)
    first.cancelled_at, first.cancel_reason = None, None
    db.session.flush()
    assert figures() == (1, 3, 3, 3)
    assert [counters(e) for e in (only_first, both, only_second)] == [
        (1, 0, 1), (2, 0, 0), (1, 1, 0)]


def test_year_is_that_of_the_first_session_not_cancelled(make, held):
    klass, first = held(day=date(2018, 12, 28))
    first.cancelled_at, first.cancel_reason = utcnow(), "Hoãn"
    second = make.session(klass, on_date=date(Y, 1, 4))
    attend(make, second)
    assert compute_report(2018).total.held_classes == 0
    report = compute_report(Y)
    assert report.total.held_classes == 1
    assert [m.held_classes for m in report.months][:2] == [1, 0]
    assert report.quarters[0].trainee_attendances == 1


def test_a_class_started_the_year_before_belongs_to_that_year(make, held):
    klass, first = held(day=date(2018, 12, 28))
    attend(make, first)
    make.session(klass, on_date=date(Y, 1, 4))
    assert compute_report(Y).total.held_classes == 0
    assert compute_report(2018).total.held_classes == 1


def test_unit_is_the_one_recorded_at_enrollment(make, held):
    old, new = make.unit(name="Chi bộ cũ"), make.unit(name="Chi bộ mới")
    person = make.trainee(unit=old)
    _, session = held()
    attend(make, session, person)
    person.unit = new  # moved after enrolling
    old.name = "Chi bộ cũ"
    units = compute_report(Y).units
    assert [(u.label, u.trainee_attendances, u.held_classes) for u in units] == [
        ("Chi bộ cũ", 1, 1)
    ]


def test_revoked_certificates_do_not_count_and_a_reissue_counts_once(make, held):
    _, session = held()
    enrollment = attend(make, session, outcome="completed")
    common = {
        "enrollment_id": enrollment.id,
        "year": Y,
        "full_name": "Nguyễn Văn A",
        "class_code": "L1",
        "class_title": "Lớp",
        "program_name": "CT",
        "start_date": date(Y, 3, 5),
        "end_date": date(Y, 3, 5),
        "issued_on": date(Y, 3, 6),
    }
    old = Certificate(seq=1, register_number="1/2019", verification_code="a" * 26, **common)
    old.revoked_at, old.revoke_reason = utcnow(), "Sai tên"
    db.session.add(old)
    db.session.flush()
    db.session.add(
        Certificate(
            seq=2,
            register_number="2/2019",
            verification_code="b" * 26,
            replaces_id=old.id,
            **common,
        )
    )
    db.session.flush()
    total = compute_report(Y).total
    assert (total.completions, total.certificates) == (1, 1)


def test_waitlisted_and_withdrawn_are_not_enrolled(make, held):
    klass, session = held()
    attend(make, session)
    make.enrollment(klass, status="waitlisted")
    make.enrollment(klass, status="withdrawn")
    assert compute_report(Y).total.enrolled == 1


@pytest.mark.parametrize(
    ("actual", "planned", "expected"),
    [
        (233, 200, 117),
        (1165, 1000, 117),
        (1164, 1000, 116),
        (16837, 14390, 117),
        (0, 5, 0),
        (3, 0, None),
        (3, None, None),
    ],
)
def test_achievement_rounds_half_up(actual, planned, expected):
    assert achievement(actual, planned) == expected


def test_changing_one_mark_changes_the_report_by_exactly_one(make, held):
    """Through the real marking service: whatever moves the counters must move the report."""
    from lms.attendance.services import mark_attendance

    _, session = held()
    enrollments = [attend(make, session) for _ in range(5)]
    director = make.director()
    later = utcnow() + timedelta(days=3650)  # the session is locked: a director with a reason
    before = compute_report(Y).total.trainee_attendances
    target = enrollments[2]
    mark_attendance(session, {target.id: ("absent", "")}, actor=director, reason="Sổ giấy",
                    now=later)
    assert compute_report(Y).total.trainee_attendances == before - 1
    mark_attendance(session, {target.id: ("late", "")}, actor=director, reason="Sổ giấy",
                    now=later)
    assert compute_report(Y).total.trainee_attendances == before


def test_year_to_date_and_plan(make, held):
    from lms.reports.models import AnnualPlan

    program = make.program()
    db.session.add(
        AnnualPlan(
            year=Y,
            program_id=program.id,
            planned_classes=4,
            planned_attendances=6,
            q1_classes=1,
            q2_classes=1,
            q3_classes=1,
            q4_classes=1,
        )
    )
    for month in (2, 9):
        _, session = held(program=program, day=date(Y, month, 1))
        attend(make, session)
    full = compute_report(Y)
    assert (full.total.held_classes, full.total.classes_pct, full.total.attendances_pct) == (
        2,
        50,
        33,
    )
    assert [q.planned_classes for q in full.quarters] == [1, 1, 1, 1]
    assert full.quarters[0].planned_attendances is None
    to_june = compute_report(Y, as_of=date(Y, 6, 30))
    assert (to_june.total.held_classes, to_june.total.planned_classes) == (1, 2)
    assert to_june.total.classes_pct == 50
