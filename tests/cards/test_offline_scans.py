"""Cards scanned on a device without network, sent later through the offline sync
(lms.attendance.offline with lms.cards.services.resolve_offline_scans): present or late by the
time of scanning, each once, audited how "scan"; refused cards say why and record nothing; the
lookup the scan page keeps on the device."""

import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from lms.attendance import offline
from lms.attendance.models import Attendance, OfflineMark
from lms.cards import services
from lms.core.actors import SYSTEM
from lms.core.models import AuditLog
from lms.extensions import db
from tests.conftest import csrf_token


def scan(card, at, key=None):
    return {"key": key or str(uuid.uuid4()), "card": card, "marked_at": at.isoformat()}


def send(door, items, *, actor=None, now=None):
    parsed = offline.parse_batch({"session_id": door.session.id, "marks": items},
                                 door.session.id)
    results = offline.receive_offline_marks(
        door.session, parsed, actor=actor or door.instructor,
        now=now or door.starts + timedelta(minutes=30))
    db.session.commit()
    return results


def marks(door):
    return dict(db.session.execute(
        select(Attendance.enrollment_id, Attendance.status)
        .where(Attendance.session_id == door.session.id)).all())


def scan_audits(door):
    return db.session.execute(
        select(AuditLog.object_id, AuditLog.new_value, AuditLog.details)
        .where(AuditLog.session_id == door.session.id, AuditLog.method == "scan")
        .order_by(AuditLog.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_scans_sent_later_are_present_or_late_by_the_time_of_scanning(door):
    a, b, c = door.trainees
    ea, eb, ec = door.enrollments
    items = [
        scan(door.cards[a.id].code, door.starts + timedelta(minutes=2)),
        scan(door.cards[b.id].number, door.starts + timedelta(minutes=16)),
        scan(f" {door.cards[c.id].number[:4]} {door.cards[c.id].number[4:]}",
             door.starts - timedelta(minutes=10)),
    ]
    # sent half an hour after the start: the time of scanning decides, not the arrival
    results = send(door, items)
    assert [r.outcome for r in results] == ["applied"] * 3
    assert marks(door) == {ea.id: "present", eb.id: "late", ec.id: "present"}
    audits = scan_audits(door)
    assert sorted((o, v) for o, v, _d in audits) == sorted(
        [(ea.id, "present"), (eb.id, "late"), (ec.id, "present")])
    assert {d["client_key"] for _o, _v, d in audits} == {i["key"] for i in items}
    assert count(OfflineMark) == 3
    assert count(AuditLog) == 3  # nothing audited "offline" besides


def test_a_batch_of_scans_sent_twice_records_each_once(door):
    items = [scan(door.cards[t.id].code, door.starts + timedelta(minutes=1))
             for t in door.trainees]
    assert [r.outcome for r in send(door, items)] == ["applied"] * 3
    again = send(door, items)
    assert [(r.outcome, r.stored) for r in again] == [("duplicate", "applied")] * 3
    # the same key twice in one batch: once
    one = scan(door.cards[door.trainees[0].id].code, door.starts, key=items[0]["key"])
    assert [r.outcome for r in send(door, [one, one])] == ["duplicate"]
    assert count(Attendance) == 3
    assert count(OfflineMark) == 3
    assert len(scan_audits(door)) == 3


def test_a_person_scanned_twice_or_marked_before_keeps_the_first_mark(door):
    a, b, _c = door.trainees
    online = services.scan_card(door.session, door.cards[b.id].code, actor=door.instructor,
                                now=door.starts + timedelta(minutes=20))
    assert online.status == "late"
    db.session.commit()
    results = send(door, [
        scan(door.cards[a.id].code, door.starts + timedelta(minutes=17)),  # late, sent first
        scan(door.cards[a.id].number, door.starts + timedelta(minutes=1)),  # earlier: wins
        scan(door.cards[b.id].code, door.starts + timedelta(minutes=2)),  # scanned online since
    ])
    assert [r.outcome for r in results] == ["already", "applied", "already"]
    assert results[0].message == "Đã điểm danh: Có mặt."
    assert results[2].message == "Đã điểm danh: Đi muộn."
    assert marks(door) == {door.enrollments[0].id: "present", door.enrollments[1].id: "late"}
    assert count(OfflineMark) == 1
    assert len(scan_audits(door)) == 2  # the online scan and the one offline scan applied


def test_revoked_foreign_forged_and_late_cards_are_refused_with_a_reason(door, make):
    first = door.trainees[0]
    old = door.cards[first.id]
    services.revoke_and_reissue(first, actor=SYSTEM)
    door.enrollments[2].status = "withdrawn"
    db.session.commit()
    results = send(door, [
        scan(old.code, door.starts + timedelta(minutes=1)),
        scan(door.cards[door.trainees[2].id].code, door.starts + timedelta(minutes=1)),
        scan(door.cards[door.outsider.id].code, door.starts + timedelta(minutes=1)),
        scan("C1" + "x" * 25, door.starts + timedelta(minutes=1)),
        scan("not a card", door.starts + timedelta(minutes=1)),
        scan(door.cards[door.trainees[1].id].code, door.starts - timedelta(minutes=45)),
    ])
    assert [r.outcome for r in results] == [
        "revoked", "not_in_class", "not_in_class", "unknown", "unknown", "outside"]
    assert results[0].message.startswith("Thẻ đã bị thu hồi")
    assert results[1].message == results[2].message == "Không thuộc lớp này."
    assert results[3].message == results[4].message == (
        "Thẻ không có trong hệ thống: có thể là thẻ giả hoặc gõ nhầm. Hãy kiểm tra lại số thẻ.")
    assert results[5].message.startswith("Ngoài thời gian điểm danh")
    assert marks(door) == {}
    assert count(OfflineMark) == 0
    assert scan_audits(door) == []


def test_a_clerk_sends_scans_but_not_marks_and_a_stranger_nothing(door, make):
    clerk = make.user(roles=(), full_name="Bùi Thị Thư Ký", username="thuky")
    services.name_clerk(door.klass, "thuky", actor=door.director)
    db.session.commit()
    card = door.cards[door.trainees[0].id].code
    assert [r.outcome for r in send(door, [scan(card, door.starts)], actor=clerk)] == ["applied"]
    roster_mark = {"key": str(uuid.uuid4()), "enrollment_id": door.enrollments[1].id,
                   "status": "absent", "note": "", "marked_at": door.starts.isoformat()}
    with pytest.raises(NotFound):
        send(door, [roster_mark, scan(door.cards[door.trainees[2].id].code, door.starts)],
             actor=clerk)
    db.session.rollback()
    with pytest.raises(NotFound):
        send(door, [scan(door.cards[door.trainees[1].id].code, door.starts)],
             actor=door.other_instructor)
    db.session.rollback()
    assert marks(door) == {door.enrollments[0].id: "present"}


def test_the_lookup_kept_on_the_device_holds_only_this_class_s_valid_cards(door):
    first = door.trainees[0]
    old = door.cards[first.id]
    new = services.revoke_and_reissue(first, actor=SYSTEM)
    db.session.commit()
    lookup = services.scan_lookup(door.session)
    cards = {row[0]: row for row in lookup["cards"]}
    digest = lambda value: services.lookup_digest(door.session.id, value)  # noqa: E731
    assert digest(old.code) not in cards
    assert digest(door.cards[door.outsider.id].code) not in cards
    assert cards[digest(new.code)] == [
        digest(new.code), digest(new.number), door.enrollments[0].id, "Nguyễn Văn An",
        "Phường Hoàng Liệt", None]
    assert len(cards) == 3
    assert lookup["labels"]["late"] == "Đi muộn"
    # what scan.js computes: SHA-256 of "<session id>:<card>", 32 hex digits
    assert digest("12345678") == hashlib.sha256(
        f"{door.session.id}:12345678".encode()).hexdigest()[:32]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_the_scan_page_embeds_the_lookup_and_the_sync_answers_a_clerk_s_scans(
    door, make, client, login
):
    clerk = make.trainee(full_name="Bùi Thị Thư Ký", username="thuky")
    services.name_clerk(door.klass, "thuky", actor=door.director)
    login(clerk)
    page = client.get(f"/sessions/{door.session.id}/scan")
    assert page.status_code == 200, page.text[-1500:]
    kept = services.lookup_digest(door.session.id, door.cards[door.trainees[0].id].code)
    assert kept in page.text
    # the page holds no card code or number: digests only
    embedded = page.text.split('id="scan-lookup">')[1].split("</script>")[0]
    values = {v for row in json.loads(embedded)["cards"] for v in row}
    for card in door.cards.values():
        assert card.code not in page.text
        assert card.number not in values
    token = csrf_token(page.text)
    body = {"session_id": door.session.id, "marks": [
        scan(door.cards[door.trainees[0].id].number, door.starts + timedelta(minutes=1)),
        scan(door.cards[door.outsider.id].code, door.starts + timedelta(minutes=1)),
    ]}
    response = client.post(f"/sessions/{door.session.id}/attendance/sync",
                           data=json.dumps(body),
                           headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert response.status_code == 200
    answers = response.json["results"]
    assert [(r["outcome"], r["message"]) for r in answers] == [
        ("applied", ""), ("not_in_class", "Không thuộc lớp này.")]
    assert marks(door) == {door.enrollments[0].id: "present"}
