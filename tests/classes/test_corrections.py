"""DOMAIN.md "Cancelled sessions never count" and "Corrections after close-out", through the
services a director uses: cancel a marked session (confirmed), restore it, reopen a class,
correct, close out again. A hand-built class; at each step the report, the enrolments'
counters and rates and the completions equal a table written by hand from the rules."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.attendance.closeout import close_out, last_reopening, reopen
from lms.attendance.grid import class_grid
from lms.attendance.services import mark_attendance
from lms.certificates.models import Certificate
from lms.certificates.services import certificates_to_review
from lms.classes.sessions import MarksToConfirm, cancel_session, restore_session
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db
from lms.reports.report import compute_report
from tests.attendance.test_counter_invariants import assert_counters_match_rows
from tests.classes.conftest import LATER, Y


def figures(klass, people):
    """(held, trainee-attendances, unique, participation %, (rates of A, B, C), completions,
    certificates) as the director sees them."""
    t = compute_report(Y).total
    db.session.expire_all()
    rates = {row.enrollment_id: row.summary.percent for row in class_grid(klass, LATER).rows}
    return (t.held_classes, t.trainee_attendances, t.unique_trainees, t.participation_pct,
            tuple(rates[e.id] for e in people), t.completions, t.certificates)


def counters(people):
    db.session.expire_all()
    return [(e.attended_count, e.excused_count, e.absent_count) for e in people]


def cycle(klass, director, change):
    """Reopen, change, close out again (the outcomes recomputed)."""
    reopen(klass, "Sửa sai sót", actor=director)
    change()
    close_out(klass, actor=director, now=LATER)
    db.session.commit()
    assert_counters_match_rows()


def test_cancel_restore_reopen_and_close_again_move_every_figure_by_the_rules(world):
    klass, s1, s2, people, director = world
    a, b, _c = people
    # step 0: as closed out. Participation 2 of 3 = 67%; A 2/2, B 1/2, C 0/2; A completed.
    assert figures(klass, people) == (1, 2, 2, 67, (100, 50, 0), 1, 0)
    assert counters(people) == [(2, 0, 0), (1, 0, 1), (0, 0, 2)]

    # A closed-out class's sessions do not change: reopen first.
    with pytest.raises(DomainError, match="mở lại"):
        cancel_session(s1, "Mất điện", actor=director, marks_confirmed=3)
    assert not s1.is_cancelled

    # step 1: s1 cancelled (3 marks set aside). B's only presence goes: 1 participant, 33%.
    def cancel_s1():
        with pytest.raises(MarksToConfirm) as refused:
            cancel_session(s1, "Mất điện", actor=director)
        assert refused.value.marks == 3
        with pytest.raises(MarksToConfirm):
            cancel_session(s1, "Mất điện", actor=director, marks_confirmed=2)
        cancel_session(s1, "Mất điện", actor=director, marks_confirmed=3)

    cycle(klass, director, cancel_s1)
    assert counters(people) == [(1, 0, 0), (0, 0, 1), (0, 0, 1)]
    assert figures(klass, people) == (1, 1, 1, 33, (100, 0, 0), 1, 0)

    # step 2: s1 restored: exactly back to step 0.
    cycle(klass, director, lambda: restore_session(s1, "Hủy nhầm", actor=director))
    assert figures(klass, people) == (1, 2, 2, 67, (100, 50, 0), 1, 0)
    assert counters(people) == [(2, 0, 0), (1, 0, 1), (0, 0, 2)]

    # step 3: s2 cancelled: B's absence goes, B 1/1 = 100% completes; a certificate for B.
    cycle(klass, director, lambda: cancel_session(s2, "Trùng lịch", actor=director,
                                                  marks_confirmed=3))
    assert figures(klass, people) == (1, 2, 2, 67, (100, 100, 0), 2, 0)
    db.session.add(Certificate(
        enrollment_id=b.id, year=Y, full_name="B", class_code=klass.code, class_title="Lớp",
        program_name="CT", start_date=klass.start_date, end_date=klass.end_date,
        issued_on=date(Y, 4, 2), seq=1, register_number="1/2019", verification_code="c" * 26))
    db.session.commit()
    assert figures(klass, people)[-2:] == (2, 1)
    assert certificates_to_review(klass) == []

    # step 4: s2 restored: B back to 50%, no longer completed; the certificate stays valid
    # (never revoked automatically) and is listed for the director.
    cycle(klass, director, lambda: restore_session(s2, "Buổi vẫn diễn ra", actor=director))
    assert figures(klass, people) == (1, 2, 2, 67, (100, 50, 0), 1, 1)
    assert [(e.id, cert.revoked_at) for e, cert in certificates_to_review(klass)] == [
        (b.id, None)]

    # step 5: both sessions cancelled: the class is no longer held; nothing counts.
    def cancel_both():
        cancel_session(s1, "Mất điện", actor=director, marks_confirmed=3)
        cancel_session(s2, "Mất điện", actor=director, marks_confirmed=3)

    reopen(klass, "Hủy cả lớp", actor=director)
    cancel_both()
    db.session.commit()
    assert_counters_match_rows()
    t = compute_report(Y).total
    assert (t.held_classes, t.trainee_attendances, t.unique_trainees) == (0, 0, 0)
    assert counters(people) == [(0, 0, 0)] * 3


def test_a_marked_session_cancelled_and_restored_is_audited(world, make):
    klass, s1, _s2, _people, director = world
    reopen(klass, "Sai điểm danh", actor=director)
    cancel_session(s1, "Mất điện", actor=director, marks_confirmed=3)
    with pytest.raises(DomainError):
        restore_session(s1, "", actor=director)  # a reason is required
    with pytest.raises(DomainError):
        restore_session(s1, "Hủy nhầm", actor=make.instructor())  # directors only
    assert restore_session(s1, "Hủy nhầm", actor=director) == 3
    entries = db.session.execute(
        select(AuditLog.action, AuditLog.reason, AuditLog.details)
        .where(AuditLog.action.in_(("session.cancel", "session.restore", "class.reopen")))
        .order_by(AuditLog.id)
    ).all()
    assert entries == [
        ("class.reopen", "Sai điểm danh", None),
        ("session.cancel", "Mất điện", {"marks_set_aside": 3}),
        ("session.restore", "Hủy nhầm", {"marks_restored": 3}),
    ]
    seen = last_reopening(klass)
    assert (seen.by, seen.reason) == (director.full_name, "Sai điểm danh")


def test_reopen_needs_a_director_a_reason_and_a_closed_class(world, make):
    klass, s1, _s2, (a, _b, _c), director = world
    with pytest.raises(DomainError):
        mark_attendance(s1, {a.id: ("absent", "")}, actor=director, reason="x", now=LATER)
    with pytest.raises(DomainError) as refused:
        reopen(klass, "  ", actor=director)
    assert refused.value.field == "reason"
    from werkzeug.exceptions import NotFound
    with pytest.raises(NotFound):
        reopen(klass, "Sửa", actor=make.instructor())
    reopen(klass, "Sửa", actor=director)
    with pytest.raises(DomainError):
        reopen(klass, "Sửa", actor=director)  # not closed any more
    # The usual roles and locks: the lock still asks the director for a reason.
    with pytest.raises(DomainError) as refused:
        mark_attendance(s1, {a.id: ("absent", "")}, actor=director, now=LATER)
    assert refused.value.field == "reason"
    mark_attendance(s1, {a.id: ("absent", "")}, actor=director, reason="Sổ giấy", now=LATER)
    close_out(klass, actor=director, now=LATER)
    db.session.commit()
    db.session.expire_all()
    assert a.outcome == "not_completed"  # 1 of 2 = 50% < 80%: recomputed
    assert compute_report(Y).total.completions == 0


def test_a_reopened_class_issues_no_certificate_until_it_is_closed_out_again(world):
    """Reopened, the outcomes are those of the previous close-out and may change: issuing (or
    reissuing) waits for the next close-out, which recomputes them."""
    from lms.certificates.services import issue_certificates, reissue_certificate

    klass, _s1, _s2, (a, _b, _c), director = world
    (issued,) = issue_certificates([a], actor=director, render=False)
    db.session.commit()
    reopen(klass, "Sửa sai sót", actor=director)
    db.session.commit()
    assert a.outcome == "completed"  # kept from the previous close-out
    with pytest.raises(DomainError, match="kết thúc lớp lại"):
        issue_certificates([a], actor=director, render=False, skip_issued=True)
    with pytest.raises(DomainError, match="kết thúc lớp lại"):
        reissue_certificate(issued, actor=director, reason="Sai tên")
    db.session.rollback()
    close_out(klass, actor=director, now=LATER)
    db.session.commit()
    (new,) = [reissue_certificate(issued, actor=director, reason="Sai tên")]
    assert new.register_number != issued.register_number


def test_the_home_to_do_lists_a_class_whose_missing_certificate_a_stale_one_hides(world):
    """The director's to-do finds classes through the rollups' completions and certificates;
    after a reopening A's certificate went stale and B completed without one: the totals are
    equal (1 and 1, in one unit), yet B's certificate is waiting and the class is listed."""
    from lms.certificates.services import issue_certificates
    from lms.certificates.todo import classes_with_certificates_to_issue

    klass, _s1, s2, (a, b, _c), director = world
    b.unit_id = a.unit_id  # one unit: its rollup row holds both
    db.session.commit()
    assert [(w.class_id, w.waiting) for w in classes_with_certificates_to_issue()] == [
        (klass.id, 1)]
    issue_certificates([a], actor=director, render=False)
    db.session.commit()
    assert classes_with_certificates_to_issue() == []

    def swap():
        mark_attendance(s2, {a.id: ("absent", ""), b.id: ("present", "")}, actor=director,
                        reason="Sổ giấy", now=LATER)

    cycle(klass, director, swap)
    db.session.expire_all()
    assert (a.outcome, b.outcome) == ("not_completed", "completed")
    assert [(w.class_id, w.waiting) for w in classes_with_certificates_to_issue()] == [
        (klass.id, 1)]
