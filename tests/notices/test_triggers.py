"""Each change writes its notices in its own transaction, to the right people; with e-mail off
they are kept for the dashboard only."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from lms.certificates.services import issue_certificates, reissue_certificate
from lms.classes import services as classes
from lms.classes import sessions
from lms.core.clock import local_today
from lms.enrollment import services as enrollment_services
from lms.extensions import db
from lms.notices.models import Notice


@pytest.fixture
def app_config():
    return {}  # no MAIL_SERVER: e-mail off


def written(kind=None) -> list[Notice]:
    query = select(Notice).order_by(Notice.id)
    if kind:
        query = query.where(Notice.kind == kind)
    return list(db.session.scalars(query))


def recipients(kind) -> set[int]:
    return {n.user_id for n in written(kind)}


def test_with_e_mail_off_notices_are_for_the_dashboard_only(make):
    klass = make.klass(enrollment_mode="assigned")
    people = [make.trainee(email=f"t{i}@example.vn") for i in range(3)]
    enrollment_services.assign_trainees(klass, people, actor=make.director())
    rows = written("enrolled")
    assert {n.user_id for n in rows} == {p.id for p in people}
    assert {(n.mail_state, n.skipped_because) for n in rows} == {("skipped", "off")}
    assert len({n.message_id for n in rows}) == 3


def test_a_rolled_back_change_leaves_no_notice(make):
    klass = make.klass(enrollment_mode="assigned")
    director = make.director()
    person = make.trainee()
    db.session.commit()
    enrollment_services.assign_trainees(klass, [person], actor=director)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_self_enrollment_confirms_or_waitlists_and_a_freed_seat_promotes(make):
    klass = make.klass(capacity=1, enrollment_mode="open")
    first, second = make.trainee(), make.trainee()
    seat = enrollment_services.enrol_self(klass, actor=first)
    enrollment_services.enrol_self(klass, actor=second)
    assert recipients("enrolled") == {first.id}
    assert recipients("waitlisted") == {second.id}
    enrollment_services.withdraw(seat, actor=first)
    [promoted] = written("promoted")
    assert promoted.user_id == second.id
    assert promoted.params["class_title"] == klass.title
    assert promoted.class_id == klass.id


def test_a_moved_session_tells_its_trainees_and_instructors_with_old_and_new(make):
    teacher = make.instructor()
    klass = make.klass(instructors=[teacher], enrollment_mode="assigned")
    session = make.session(klass, starts_at=time(8, 0), ends_at=time(11, 0), room="Phòng 1")
    enrolled = make.enrollment(klass)
    make.enrollment(klass, status="waitlisted")
    make.enrollment(klass, status="withdrawn")
    director = make.director()

    data = sessions.SessionData(session.on_date, time(13, 30), time(16, 0), "Chuyên đề", "Phòng 2")
    sessions.update_session(session, data, actor=director)

    rows = written("session_moved")
    assert {n.user_id for n in rows} == {enrolled.user_id, teacher.id}
    p = rows[0].params
    assert (p["old_starts"], p["starts"], p["old_room"], p["room"]) == (
        "08:00",
        "13:30",
        "Phòng 1",
        "Phòng 2",
    )


def test_a_new_topic_alone_or_a_past_session_tells_nobody(make):
    klass = make.klass(start_date=local_today() - timedelta(days=10))
    make.enrollment(klass)
    past = make.session(klass, on_date=klass.start_date)
    director = make.director()
    sessions.update_session(
        past,
        sessions.SessionData(past.on_date, time(9, 0), time(11, 0), "Khác", ""),
        actor=director,
    )
    upcoming = make.klass()
    make.enrollment(upcoming)
    future = make.session(upcoming)
    sessions.update_session(
        future,
        sessions.SessionData(future.on_date, future.starts_at, future.ends_at, "Mới", future.room),
        actor=director,
    )
    assert written("session_moved") == []


def test_cancelling_a_session_or_a_class_tells_who_is_concerned(make):
    teacher = make.instructor()
    klass = make.klass(instructors=[teacher], enrollment_mode="assigned")
    session = make.session(klass)
    enrolled = make.enrollment(klass)
    waiting = make.enrollment(klass, status="waitlisted")
    director = make.director()

    sessions.cancel_session(session, "Hội trường sửa chữa", actor=director)
    assert recipients("session_cancelled") == {enrolled.user_id, teacher.id}
    assert written("session_cancelled")[0].params["reason"] == "Hội trường sửa chữa"

    classes.cancel_class(klass, "Không đủ học viên", actor=director)
    assert recipients("class_cancelled") == {enrolled.user_id, waiting.user_id, teacher.id}


def test_an_instructor_is_told_when_newly_assigned_only(make):
    program = make.program()
    first, second = make.instructor(), make.instructor()
    director = make.director()
    start = local_today() + timedelta(days=20)
    data = classes.ClassData(
        program_id=program.id,
        code="L-NEW",
        title="Lớp mới",
        start_date=start,
        end_date=start + timedelta(days=2),
        instructor_ids=[first.id],
    )
    klass = classes.create_class(data, actor=director)
    assert recipients("class_assigned") == {first.id}
    data.instructor_ids = [first.id, second.id]
    classes.update_class(klass, data, actor=director)
    assert [n.user_id for n in written("class_assigned")] == [first.id, second.id]


def test_a_certificate_notice_carries_its_links_values(make):
    make.settings()
    director = make.director()
    enrollment = make.enrollment(outcome="completed")
    [cert] = issue_certificates([enrollment], actor=director, render=False)
    [notice] = written("certificate")
    assert notice.user_id == enrollment.user_id
    assert notice.params["certificate_id"] == cert.id
    assert notice.params["code"] == cert.verification_code
    new = reissue_certificate(cert, actor=director, issued_on=date.today())
    assert [n.params["certificate_id"] for n in written("certificate")] == [cert.id, new.id]
