"""Server-known values never come from the request: who checks in, who marked, whose
enrolment, whose calendar. Each test posts the fields an attacker would add and sees them
ignored."""

import time

import pytest
from sqlalchemy import select

from lms.attendance import checkin
from lms.attendance.models import Attendance
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now


def _sign_in(app, user):
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"_user_id": user.session_token, "auth_at": now, "seen_at": now})
    return client


@pytest.fixture
def hall(make):
    """A session happening now with check-in open; two trainees enrolled; a second class."""
    day, starts, ends = session_times_around_now()
    teacher, director = make.instructor(), make.director()
    klass = make.klass(start_date=day, instructors=[teacher])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    me, neighbour = make.trainee(), make.trainee()
    mine, theirs = make.enrollment(klass, me), make.enrollment(klass, neighbour)
    elsewhere = make.enrollment(make.klass(start_date=day))
    checkin.open_checkin(session, actor=teacher)
    db.session.commit()
    return {
        "session": session, "teacher": teacher, "director": director, "me": me,
        "neighbour": neighbour, "mine": mine, "theirs": theirs, "elsewhere": elsewhere,
    }


def _mark(enrollment_id):
    return db.session.scalar(select(Attendance).where(Attendance.enrollment_id == enrollment_id))


FORGED = ("user_id", "enrollment_id", "marked_by_id", "marked_by", "actor_id")


@pytest.mark.parametrize("path", ["qr", "typed"])
def test_check_in_is_the_signed_in_trainee_s_own(app, hall, path):
    session = hall["session"]
    code = checkin.code_for(session.checkin_secret, checkin.time_step())
    forged = {name: str(hall["neighbour"].id) for name in FORGED}
    forged.update(code=code, status="absent", method="roster",
                  enrollment_id=str(hall["theirs"].id), marked_by_id=str(hall["director"].id))
    url = f"/checkin/{session.id}" if path == "qr" else "/checkin"
    response = _sign_in(app, hall["me"]).post(url, data=forged)
    assert response.status_code == 200
    mark = _mark(hall["mine"].id)
    assert mark.status in ("present", "late")  # the clock's verdict, not the posted "absent"
    assert (mark.method, mark.marked_by_id) == ("checkin", hall["me"].id)
    assert _mark(hall["theirs"].id) is None  # the neighbour is not checked in


def test_roster_save_records_the_signed_in_marker(app, hall):
    mine = hall["mine"]
    data = {f"s-{mine.id}": "late", f"o-{mine.id}": "", "method": "import",
            **{name: str(hall["director"].id) for name in FORGED}}
    response = _sign_in(app, hall["teacher"]).post(
        f"/sessions/{hall['session'].id}/attendance", data=data
    )
    assert response.status_code == 302
    mark = _mark(mine.id)
    assert (mark.status, mark.method, mark.marked_by_id) == ("late", "roster", hall["teacher"].id)


def test_roster_save_cannot_mark_an_enrollment_of_another_class(app, hall):
    elsewhere = hall["elsewhere"]
    response = _sign_in(app, hall["teacher"]).post(
        f"/sessions/{hall['session'].id}/attendance",
        data={f"s-{elsewhere.id}": "absent", f"o-{elsewhere.id}": ""},
    )
    assert response.status_code == 200  # the page again, with the refusal
    assert _mark(elsewhere.id) is None


def test_self_enrollment_is_the_signed_in_trainee_s(app, make):
    klass = make.klass(enrollment_mode="open")
    me, other = make.trainee(), make.trainee()
    db.session.commit()
    response = _sign_in(app, me).post(
        f"/classes/{klass.id}/enrol", data={"user_id": str(other.id), "status": "enrolled"}
    )
    assert response.status_code == 302
    owners = db.session.scalars(select(Enrollment.user_id).where(Enrollment.class_id == klass.id))
    assert list(owners) == [me.id]


def test_calendar_rotation_and_promotion_dismissal_touch_only_my_rows(app, make):
    me, other = make.trainee(), make.trainee()
    theirs = make.enrollment(user=other, promoted_at=utcnow(), promotion_seen=False)
    db.session.commit()
    my_token, their_token = me.calendar_token, other.calendar_token
    client = _sign_in(app, me)
    assert client.post("/my/calendar/rotate", data={"user_id": str(other.id)}).status_code == 302
    assert client.post(
        "/my/classes/promotions/dismiss",
        data={"user_id": str(other.id), "enrollment_id": str(theirs.id)},
    ).status_code == 302
    db.session.expire_all()
    assert me.calendar_token != my_token
    assert other.calendar_token == their_token
    assert theirs.promotion_seen is False
