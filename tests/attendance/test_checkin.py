"""Self check-in: rotating HMAC codes, the window, late, idempotence, clear refusals."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from lms.attendance import checkin
from lms.attendance.clock import ends, starts
from lms.attendance.models import Attendance
from lms.attendance.services import mark_attendance
from lms.auth.models import User
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db


def code_at(session, moment):
    return checkin.code_for(session.checkin_secret, checkin.time_step(moment.timestamp()))


def test_codes_rotate_every_30_seconds_and_differ_between_sessions(opened, make):
    secret = opened.session.checkin_secret
    codes = {checkin.code_for(secret, step) for step in range(100, 110)}
    assert len(codes) >= 9
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert checkin.code_for(secret, 5) == checkin.code_for(secret, 5)  # no table: recomputed
    assert checkin.code_for(b"x" * 32, 5) != checkin.code_for(secret, 5)


def test_current_and_previous_code_valid_older_refused():
    secret = b"s" * 32
    t = 1_800_000_000
    assert checkin.code_is_valid(secret, checkin.code_for(secret, checkin.time_step(t)), t)
    assert checkin.code_is_valid(secret, checkin.code_for(secret, checkin.time_step(t) - 1), t)
    # a photographed code is dead a minute later
    assert not checkin.code_is_valid(secret, checkin.code_for(secret, checkin.time_step(t)), t + 60)


def test_trainee_checks_in_present_then_again_is_already(opened):
    s = opened.session
    now = starts(s) + timedelta(minutes=2)
    trainee = opened.trainees[0]
    result = checkin.check_in(trainee, s, code_at(s, now), now=now)
    db.session.commit()
    assert (result.status, result.already) == ("present", False)
    again = checkin.check_in(trainee, s, code_at(s, now), now=now)
    db.session.commit()
    assert again.already
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 1  # no audit spam
    enrollment = opened.enrollments[0]
    db.session.refresh(enrollment)
    db.session.refresh(s)
    assert (enrollment.attended_count, s.marked_count) == (1, 1)
    row = db.session.scalar(select(Attendance))
    assert (row.method, row.marked_by_id) == ("checkin", trainee.id)


def test_after_the_delay_it_records_late(opened, make):
    make.settings(checkin_late_after_minutes=10)
    s = opened.session
    now = starts(s) + timedelta(minutes=11)
    assert checkin.check_in(opened.trainees[0], s, code_at(s, now), now=now).status == "late"


def test_stale_code_is_refused(opened):
    s = opened.session
    now = starts(s) + timedelta(minutes=5)
    old = code_at(s, now - timedelta(seconds=65))
    with pytest.raises(DomainError, match="không đúng hoặc đã hết hạn"):
        checkin.check_in(opened.trainees[0], s, old, now=now)


def test_code_of_another_session_is_refused_with_its_own_message(opened, make):
    s = opened.session
    other = make.session(make.klass(start_date=s.on_date), on_date=s.on_date,
                         starts_at=s.starts_at, ends_at=s.ends_at)
    checkin.open_checkin(other, actor=make.director())
    now = starts(s) + timedelta(minutes=5)
    with pytest.raises(DomainError, match="buổi học khác"):
        checkin.check_in(opened.trainees[0], s, code_at(other, now), now=now)


def test_outside_the_window_is_refused(opened, make):
    make.settings(checkin_opens_minutes=30)
    s = opened.session
    early = starts(s) - timedelta(minutes=31)
    with pytest.raises(DomainError, match="mở lúc"):
        checkin.check_in(opened.trainees[0], s, code_at(s, early), now=early)
    ok = starts(s) - timedelta(minutes=29)
    assert checkin.check_in(opened.trainees[0], s, code_at(s, ok), now=ok).status == "present"
    late = ends(s) + timedelta(minutes=1)
    with pytest.raises(DomainError, match="hết giờ"):
        checkin.check_in(opened.trainees[1], s, code_at(s, late), now=late)


def test_not_enrolled_is_refused(opened, make):
    s = opened.session
    now = starts(s) + timedelta(minutes=1)
    with pytest.raises(DomainError, match="không có tên trong danh sách"):
        checkin.check_in(make.trainee(), s, code_at(s, now), now=now)


def test_bad_code_shape_is_refused(opened):
    with pytest.raises(DomainError, match="6 chữ số"):
        checkin.check_in(opened.trainees[0], opened.session, "12ab", now=starts(opened.session))


def test_already_marked_absent_by_the_instructor_is_not_overwritten(opened):
    s = opened.session
    now = starts(s) + timedelta(minutes=3)
    mark_attendance(s, {opened.enrollments[0].id: ("absent", "")}, actor=opened.instructor,
                    now=now)
    with pytest.raises(DomainError, match="đã được ghi là"):
        checkin.check_in(opened.trainees[0], s, code_at(s, now), now=now)


def test_not_opened_session_refuses(room):
    s = room.session
    with pytest.raises(DomainError, match="chưa mở"):
        checkin.check_in(room.trainees[0], s, "123456", now=starts(s))


def test_find_session_by_code(opened):
    s = opened.session
    now = starts(s) + timedelta(minutes=1)
    assert checkin.find_session_by_code(opened.trainees[0], code_at(s, now), now).id == s.id
    with pytest.raises(DomainError, match="không đúng hoặc đã hết hạn"):
        checkin.find_session_by_code(
            opened.trainees[0], code_at(s, now - timedelta(minutes=5)), now
        )


# --- through the web ---------------------------------------------------------------------


def test_qr_landing_get_records_nothing_post_checks_in(opened, client, login):
    s = opened.session
    login(opened.trainees[0])
    code = checkin.code_for(s.checkin_secret, checkin.time_step())
    page = client.get(f"/checkin/{s.id}?code={code}")
    assert page.status_code == 200
    assert code in page.text
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    done = client.post(f"/checkin/{s.id}", data={"code": code})
    assert done.status_code == 200
    assert "Đã điểm danh" in done.text
    again = client.post(f"/checkin/{s.id}", data={"code": code})
    assert "đã điểm danh" in again.text.lower()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_typed_code_page_finds_the_session(opened, client, login):
    s = opened.session
    login(opened.trainees[1])
    code = checkin.code_for(s.checkin_secret, checkin.time_step())
    assert client.post("/checkin", data={"code": code}).status_code == 200
    wrong = client.post("/checkin", data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    assert "Mã không đúng hoặc đã hết hạn" in wrong.text


def test_projector_json_gives_code_qr_and_count(opened, client, login):
    login(opened.instructor)
    data = client.get(f"/sessions/{opened.session.id}/checkin/code.json").get_json()
    assert len(data["code"]) == 6
    assert data["qr"].startswith("<svg")
    assert "style=" not in data["qr"]  # the CSP forbids inline styles
    assert data["checked_in"] == 0
    assert data["enrolled"] == 3
    page = client.get(f"/sessions/{opened.session.id}/checkin/screen")
    assert page.status_code == 200
    assert data["code"][:3] in page.text


def test_projector_is_404_for_another_instructor(opened, client, login, make):
    other = make.instructor()
    db.session.commit()
    login(other)
    assert client.get(f"/sessions/{opened.session.id}/checkin/screen").status_code == 404


def test_checkin_post_is_lean(opened, client, login, count_statements):
    s = opened.session
    login(opened.trainees[2])
    code = checkin.code_for(s.checkin_secret, checkin.time_step())
    postgres = db.engine.dialect.name == "postgresql"
    with count_statements() as counter:
        response = client.post(f"/checkin/{s.id}", data={"code": code})
    assert response.status_code == 200
    # The user, then the read (session, class, settings, enrollment, mark) in one statement,
    # then the writes: one statement on PostgreSQL (a CTE: mark, audit), the mark and the
    # audit row on SQLite (the database moves the counters and rollups itself).
    assert counter.count == 2 + (1 if postgres else 2), counter.statements
    with count_statements() as counter:
        again = client.post(f"/checkin/{s.id}", data={"code": code})
    assert "đã điểm danh" in again.text.lower()
    assert counter.count == 2, counter.statements  # the user and the read: nothing written


def test_checkin_connection_goes_back_to_the_pool_in_its_usual_mode(opened, client, login):
    """The check-in leaves its pooled connection in its usual mode (no autocommit left on it):
    the next user of the connection gets transactions, so a rollback there still undoes."""
    s = opened.session
    login(opened.trainees[0])
    modes = []

    def note_mode(dbapi_connection, _record):
        modes.append(getattr(dbapi_connection, "autocommit", None) is True)

    event.listen(db.engine.pool, "checkin", note_mode)
    try:
        code = checkin.code_for(s.checkin_secret, checkin.time_step())
        assert client.post(f"/checkin/{s.id}", data={"code": code}).status_code == 200
    finally:
        event.remove(db.engine.pool, "checkin", note_mode)
    assert modes
    assert not any(modes)
    trainee = opened.trainees[1]
    with db.engine.connect() as connection:
        connection.execute(
            update(User).where(User.id == trainee.id).values(full_name="Rolled Back")
        )
        connection.rollback()
    db.session.expire_all()
    assert db.session.get(User, trainee.id).full_name != "Rolled Back"


def test_checkin_read_for_a_user_gone_meanwhile_is_not_found(opened, app):
    """The standalone read finds no row when the user has been removed since they were loaded:
    answered as a missing session (404), not a server error."""
    from werkzeug.exceptions import NotFound

    with app.test_request_context(), pytest.raises(NotFound):
        checkin.load_for_checkin(opened.session.id, User(id=10**9))


def test_checkin_answer_shows_the_session_as_it_is_now(opened, client, login):
    """The answer page is reused for the trainees of a session (lms.attendance.fastpath), but
    a room or class title changed meanwhile shows at once: never a stale page."""
    s = opened.session
    s.room = "Phòng 101"
    db.session.commit()
    code = checkin.code_for(s.checkin_secret, checkin.time_step())
    login(opened.trainees[0])
    first = client.post(f"/checkin/{s.id}", data={"code": code})
    assert "Phòng 101" in first.text
    s.room = "Hội trường B"
    db.session.commit()
    client.post("/logout")
    login(opened.trainees[1])
    second = client.post(f"/checkin/{s.id}", data={"code": code})
    assert second.status_code == 200
    assert "Hội trường B" in second.text
    assert "Phòng 101" not in second.text
    s.klass.title = "Sơ cứu nâng cao"
    db.session.commit()
    client.post("/logout")
    login(opened.trainees[2])
    assert "Sơ cứu nâng cao" in client.post(f"/checkin/{s.id}", data={"code": code}).text
