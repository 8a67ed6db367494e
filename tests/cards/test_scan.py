"""Scanning check-in cards at the door: each answer kind, revocation, who may scan."""

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from lms.attendance.models import Attendance
from lms.cards import services
from lms.cards.models import TraineeCard
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db


def marks(session):
    return dict(db.session.execute(
        select(Attendance.enrollment_id, Attendance.status).where(
            Attendance.session_id == session.id)
    ).all())


def scan_audits(session):
    return db.session.scalars(
        select(AuditLog).where(AuditLog.session_id == session.id, AuditLog.method == "scan")
    ).all()


def test_a_card_scanned_at_the_start_is_present_once_and_audited_as_a_scan(door):
    card = door.cards[door.trainees[0].id]
    answer = services.scan_card(door.session, card.code, actor=door.instructor,
                                now=door.starts + timedelta(minutes=1))
    assert (answer.kind, answer.name, answer.status) == ("recorded", "Nguyễn Văn An", "present")
    assert answer.unit == "Phường Hoàng Liệt"
    db.session.commit()
    again = services.scan_card(door.session, card.code, actor=door.instructor,
                               now=door.starts + timedelta(minutes=2))
    assert again.kind == "already"
    assert again.status == "present"
    db.session.commit()
    assert marks(door.session) == {door.enrollments[0].id: "present"}
    [entry] = scan_audits(door.session)
    assert (entry.actor_id, entry.object_id, entry.new_value) == (
        door.instructor.id, door.enrollments[0].id, "present")


def test_a_card_scanned_after_the_late_delay_is_late(door):
    card = door.cards[door.trainees[1].id]
    answer = services.scan_card(door.session, card.code, actor=door.instructor,
                                now=door.starts + timedelta(minutes=16))
    assert (answer.kind, answer.status) == ("recorded", "late")
    assert marks(door.session) == {door.enrollments[1].id: "late"}


def test_the_short_number_typed_by_hand_works_with_spaces(door):
    card = door.cards[door.trainees[2].id]
    typed = f" {card.number[:4]} {card.number[4:]} "
    answer = services.scan_card(door.session, typed, actor=door.instructor,
                                now=door.starts + timedelta(minutes=1))
    assert (answer.kind, answer.name) == ("recorded", "Đặng Quốc Cường")


def test_a_card_of_another_class_is_refused_and_nothing_is_recorded(door):
    card = door.cards[door.outsider.id]
    answer = services.scan_card(door.session, card.code, actor=door.instructor,
                                now=door.starts + timedelta(minutes=1))
    assert (answer.kind, answer.name, answer.ok) == ("not_in_class", "Hoàng Thị Ngoài", False)
    assert marks(door.session) == {}
    assert scan_audits(door.session) == []


def test_a_withdrawn_trainee_s_card_is_not_in_this_class(door):
    door.enrollments[0].status = "withdrawn"
    db.session.commit()
    answer = services.scan_card(door.session, door.cards[door.trainees[0].id].code,
                                actor=door.instructor, now=door.starts + timedelta(minutes=1))
    assert answer.kind == "not_in_class"
    assert marks(door.session) == {}


@pytest.mark.parametrize("raw", [
    "C1" + "A" * 25,  # the shape of a code, but no such card (forged)
    "12345678",  # a number nobody has (the fixture's are random: 1 in 90 million)
    "https://example.org/checkin?code=123456",  # another QR code
    "", "   ", "١٢٣٤٥٦٧٨",  # nothing; Arabic-Indic digits
])
def test_forged_or_foreign_codes_are_refused(door, raw):
    answer = services.scan_card(door.session, raw, actor=door.instructor,
                                now=door.starts + timedelta(minutes=1))
    assert answer.kind == "unknown"
    assert not answer.ok
    assert marks(door.session) == {}


def test_a_revoked_card_answers_card_revoked_and_the_new_one_works(door):
    trainee = door.trainees[0]
    old = door.cards[trainee.id]
    new = services.revoke_and_reissue(trainee, actor=door.director)
    db.session.commit()
    assert (new.code, new.number) != (old.code, old.number)
    at = door.starts + timedelta(minutes=1)
    for stale in (old.code, old.number):
        answer = services.scan_card(door.session, stale, actor=door.instructor, now=at)
        assert (answer.kind, answer.name) == ("revoked", "Nguyễn Văn An")
    assert marks(door.session) == {}
    assert services.scan_card(door.session, new.code, actor=door.instructor,
                              now=at).kind == "recorded"
    # One valid card per person: the database refuses a second.
    db.session.add(TraineeCard(user_id=trainee.id, code="C1" + "b" * 25, number="99999999"))
    with pytest.raises(Exception):  # noqa: B017, PT011  (IntegrityError of either database)
        db.session.flush()
    db.session.rollback()


def test_only_directors_reissue_cards(door):
    with pytest.raises(DomainError):
        services.revoke_and_reissue(door.trainees[0], actor=door.instructor)


@pytest.mark.parametrize("minutes", [-31, 121, 60 * 5])
def test_outside_the_session_s_window_nothing_is_recorded(door, minutes):
    now = door.starts + timedelta(minutes=minutes)
    if now.date() != door.starts.date():
        pytest.skip("the window check is for the same day")
    answer = services.scan_card(door.session, door.cards[door.trainees[0].id].code,
                                actor=door.instructor, now=now)
    assert answer.kind == "outside"
    assert marks(door.session) == {}


def test_a_cancelled_session_records_nothing(door):
    from lms.core.types import utcnow

    door.session.cancelled_at = utcnow()
    db.session.commit()
    answer = services.scan_card(door.session, door.cards[door.trainees[0].id].code,
                                actor=door.instructor, now=door.starts + timedelta(minutes=1))
    assert answer.kind == "refused"
    assert not answer.ok
    assert marks(door.session) == {}


def test_other_instructors_and_trainees_cannot_scan(door):
    code = door.cards[door.trainees[0].id].code
    for person in (door.other_instructor, door.trainees[1]):
        with pytest.raises(NotFound):
            services.scan_card(door.session, code, actor=person,
                               now=door.starts + timedelta(minutes=1))
    assert marks(door.session) == {}


def test_a_clerk_scans_only_for_the_class_they_were_named_for(door, make):
    clerk = make.user(roles=(), full_name="Bùi Thị Thư Ký", username="thuky")
    with pytest.raises(DomainError):
        services.name_clerk(door.klass, "thuky", actor=door.instructor)
    with pytest.raises(NotFound):
        services.scan_card(door.session, door.cards[door.trainees[0].id].code, actor=clerk)
    services.name_clerk(door.klass, "thuky", actor=door.director)
    db.session.commit()
    answer = services.scan_card(door.session, door.cards[door.trainees[0].id].code,
                                actor=clerk, now=door.starts + timedelta(minutes=1))
    assert answer.kind == "recorded"
    [entry] = scan_audits(door.session)
    assert entry.actor_id == clerk.id
    other_session = make.session(door.other_class, on_date=door.session.on_date,
                                 starts_at=door.session.starts_at, ends_at=door.session.ends_at)
    db.session.commit()
    with pytest.raises(NotFound):
        services.scan_card(other_session, door.cards[door.outsider.id].code, actor=clerk)
    services.remove_clerk(door.klass, clerk.id, actor=door.director)
    db.session.commit()
    with pytest.raises(NotFound):
        services.scan_card(door.session, door.cards[door.trainees[1].id].code, actor=clerk)


def test_codes_hold_no_personal_data_and_numbers_are_eight_digits(door):
    for trainee in door.trainees:
        card = door.cards[trainee.id]
        assert card.code.startswith("C1")
        assert len(card.code) == 27
        assert card.number.isdigit()
        assert len(card.number) == 8
        assert card.number[0] != "0"
        folded = unicodedata.normalize("NFKD", trainee.full_name).lower()
        assert trainee.username not in card.code.lower()
        assert str(trainee.id) != card.number
        assert folded not in card.code.lower()
    assert db.session.scalar(select(func.count(func.distinct(TraineeCard.number)))) == 4
