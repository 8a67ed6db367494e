"""The offline marks over HTTP, CSRF on as in production: the sync request (JSON, token in a
header, signed in, the class's staff only), its refusals, the service worker's route and the
director's accept / reject."""

import json
import uuid
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from lms.attendance import offline
from lms.attendance.clock import attendance_settings, locks_at
from lms.attendance.models import Attendance, OfflineMark
from lms.core.types import utcnow
from lms.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def mark(enrollment, status="present", at=None):
    return {"key": str(uuid.uuid4()), "enrollment_id": enrollment.id, "status": status,
            "note": "", "marked_at": (at or utcnow()).isoformat()}


def sync(client, session_id, body, token):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(f"/sessions/{session_id}/attendance/sync", data=data,
                       headers={"Content-Type": "application/json", "X-CSRFToken": token})


def token_of(client, session_id):
    return csrf_token(client.get(f"/sessions/{session_id}/attendance").text)


def rows():
    return db.session.scalar(select(func.count()).select_from(Attendance))


def test_a_batch_is_answered_per_mark_and_a_replay_records_nothing(room, client, login):
    login(room.instructor)
    s = room.session
    token = token_of(client, s.id)
    body = {"session_id": s.id, "marks": [mark(e) for e in room.enrollments]}
    assert sync(client, s.id, body, "").status_code == 400  # no CSRF token: refused
    assert rows() == 0
    first = sync(client, s.id, body, token)
    assert first.status_code == 200
    assert [r["outcome"] for r in first.json["results"]] == ["applied"] * 3
    again = sync(client, s.id, body, token)
    assert [r["outcome"] for r in again.json["results"]] == ["duplicate"] * 3
    assert rows() == 3
    assert db.session.scalar(select(func.count()).select_from(OfflineMark)) == 3


def test_refusals_are_clear_and_record_nothing(room, client, login, make):
    login(room.instructor)
    s = room.session
    token = token_of(client, s.id)
    other = make.session(make.klass())
    db.session.commit()
    wrong_session = sync(client, s.id, {"session_id": other.id,
                                        "marks": [mark(room.enrollments[0])]}, token)
    assert wrong_session.status_code == 400
    assert wrong_session.json["error"] == "Lô điểm danh này thuộc buổi học khác; chưa ghi gì."
    forged = sync(client, s.id, "{not json", token)
    assert forged.status_code == 400
    assert forged.json["error"] == "Lô điểm danh không hợp lệ nên bị từ chối; chưa ghi gì."
    huge = sync(client, s.id, {"session_id": s.id, "marks": [mark(room.enrollments[0])] * 2000},
                token)
    assert huge.status_code == 413
    stranger = make.enrollment()
    db.session.commit()
    mixed = sync(client, s.id, {"session_id": s.id, "marks": [mark(stranger),
                                                              mark(room.enrollments[0])]}, token)
    assert [r["outcome"] for r in mixed.json["results"]] == ["not_enrolled", "applied"]
    assert rows() == 1
    # a session of a class this instructor does not teach: it does not exist for them
    assert sync(client, other.id, {"session_id": other.id, "marks": []}, token).status_code \
        == 404


def test_trainees_cannot_send_marks(room, client, login):
    login(room.trainees[0])
    response = sync(client, room.session.id, {"session_id": room.session.id, "marks": []}, "")
    assert response.status_code in (400, 403)
    assert rows() == 0


def test_the_service_worker_is_served_for_the_roster_pages(client):
    response = client.get("/sessions/offline-sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/sessions/"
    assert "caches" in response.text


def test_the_director_accepts_or_rejects_marks_made_after_the_lock(room, client, login, make):
    a, b, _c = room.enrollments
    lock = locks_at(room.session, attendance_settings()).astimezone(UTC)
    items = offline.parse_batch({"session_id": room.session.id, "marks": [
        mark(a, at=lock + timedelta(minutes=1)), mark(b, "late", at=lock + timedelta(minutes=2))
    ]}, room.session.id)
    offline.receive_offline_marks(room.session, items, actor=room.instructor,
                                  now=lock + timedelta(hours=1))
    director = make.director()
    login(director)
    page = client.get(f"/classes/{room.klass.id}/attendance")
    assert "chờ quyết định" in page.text
    token = csrf_token(page.text)
    pending = offline.list_pending(room.klass.id)
    accepted = client.post(f"/offline-marks/{pending[0].id}/accept", data={"csrf_token": token})
    assert accepted.status_code == 302
    client.post(f"/offline-marks/{pending[1].id}/reject", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.execute(select(Attendance.enrollment_id, Attendance.status)).all() == [
        (a.id, "present")]
    assert offline.list_pending(room.klass.id) == []
    assert "chờ quyết định" not in client.get(f"/classes/{room.klass.id}/attendance").text


def test_the_director_is_told_plainly_when_a_later_mark_beats_the_one_accepted(
    room, client, login, make
):
    from lms.attendance.services import write_marks

    a, _b, _c = room.enrollments
    lock = locks_at(room.session, attendance_settings()).astimezone(UTC)
    items = offline.parse_batch({"session_id": room.session.id, "marks": [
        mark(a, at=lock + timedelta(minutes=1))]}, room.session.id)
    offline.receive_offline_marks(room.session, items, actor=room.instructor,
                                  now=lock + timedelta(hours=1))
    director = make.director()
    write_marks(room.session, {a.id: ("absent", "")}, actor=director, method="roster",
                marked_at={a.id: lock + timedelta(minutes=5)})
    db.session.commit()
    login(director)
    token = csrf_token(client.get(f"/classes/{room.klass.id}/attendance").text)
    pending = offline.list_pending(room.klass.id)
    page = client.post(f"/offline-marks/{pending[0].id}/accept", data={"csrf_token": token},
                       follow_redirects=True)
    assert "Điểm danh không được ghi: người này đã được điểm danh lại sau" in page.text
    assert "Đã chấp nhận và ghi điểm danh" not in page.text
    db.session.expire_all()
    assert db.session.execute(select(Attendance.enrollment_id, Attendance.status)).all() == [
        (a.id, "absent")]
    assert "chờ quyết định" not in page.text
