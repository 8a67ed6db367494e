"""Check-in cards: issue, revoke and reissue, print; clerks; and the scan at the door.

The scan is a mark by the staff: present or late by the center's check-in rules, within the
session's window (from `checkin_opens_minutes` before the start to its end), written through
the attendance service's one write path (`write_marks`) and audited with how "scan".
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from lms.attendance.clock import attendance_settings, ends, local_now, starts
from lms.attendance.models import Attendance
from lms.attendance.services import can_mark, check_markable, write_marks
from lms.auth.models import User
from lms.cards.models import CODE_LENGTH, NUMBER_DIGITS, ClassClerk, TraineeCard
from lms.classes.models import Class, ClassSession
from lms.core import audit
from lms.core.actors import Actor, actor_id, require
from lms.core.labels import ATTENDANCE_STATUS_LABELS
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit

CODE_PREFIX = "C1"
MAX_RAW = 200  # longer input is never a card


# --- codes ----------------------------------------------------------------------------------


def new_code() -> str:
    """Random, opaque: 150 bits, url-safe; no personal data."""
    return CODE_PREFIX + secrets.token_urlsafe(24)[: CODE_LENGTH - len(CODE_PREFIX)]


def new_number() -> str:
    """Eight digits to type, the first never 0 (a number read aloud keeps its length)."""
    return str(secrets.randbelow(9 * 10 ** (NUMBER_DIGITS - 1)) + 10 ** (NUMBER_DIGITS - 1))


def _new_card(user_id: int) -> TraineeCard:
    """Insert a card; a collision of the random code or number (rare) draws again."""
    for _attempt in range(5):
        card = TraineeCard(user_id=user_id, code=new_code(), number=new_number())
        try:
            with db.session.begin_nested():
                db.session.add(card)
                db.session.flush()
        except IntegrityError:
            continue
        return card
    raise DomainError(_l("Could not issue a card now. Try again."))


def valid_card(user: User) -> TraineeCard | None:
    return db.session.scalar(
        select(TraineeCard).where(TraineeCard.user_id == user.id, TraineeCard.revoked_at.is_(None))
    )


def issue_own_card(*, actor: User) -> TraineeCard:
    """A trainee gets their card (once; the same card afterwards)."""
    require(actor, "trainee", message=_l("Only trainees have check-in cards."))
    return valid_card(actor) or _new_card(actor.id)


def issue_cards(users: list[User], *, actor: Actor) -> dict[int, TraineeCard]:
    """Every person's valid card, issuing those missing (directors)."""
    require(actor, "director", message=_l("Only a director can print check-in cards."))
    ids = [u.id for u in users]
    cards = {
        card.user_id: card
        for card in db.session.scalars(
            select(TraineeCard).where(
                TraineeCard.user_id.in_(ids), TraineeCard.revoked_at.is_(None)
            )
        )
    } if ids else {}
    for user in users:
        if user.id not in cards:
            cards[user.id] = _new_card(user.id)
    return cards


def revoke_and_reissue(user: User, *, actor: Actor) -> TraineeCard:
    """A lost card: the old code and number answer "card revoked" from now on."""
    require(actor, "director", message=_l("Only a director can revoke a card."))
    old = valid_card(user)
    if old is not None:
        old.revoked_at = utcnow()
        db.session.flush()
    card = _new_card(user.id)
    audit.record("card_reissued", user, actor=actor, old_value=old.number if old else None,
                 new_value=card.number)
    return card


@dataclass(frozen=True)
class PrintedCard:
    name: str
    unit: str
    code: str
    number: str


def _printed(users: list[User], cards: dict[int, TraineeCard]) -> list[PrintedCard]:
    return [
        PrintedCard(u.full_name, u.unit.name if u.unit else "", cards[u.id].code,
                    cards[u.id].number)
        for u in users
    ]


def cards_for_class(klass: Class, *, actor: Actor) -> list[PrintedCard]:
    """The enrolled trainees of a class, in roster order, each with their card."""
    users = list(
        db.session.scalars(
            select(User).join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.class_id == klass.id, Enrollment.status == "enrolled")
            .order_by(User.sort_key, User.id)
        ).unique()
    )
    return _printed(users, issue_cards(users, actor=actor))


# A sheet is made in the request (seconds for a few hundred cards, docs/benchmarks.md);
# larger units are printed class by class until this becomes a job.
MAX_PRINTED = 400


def cards_for_unit(unit: Unit, *, actor: Actor) -> list[PrintedCard]:
    """The active trainees of a unit (not its sub-units), each with their card."""
    require(actor, "director", message=_l("Only a director can print check-in cards."))
    count = db.session.scalar(
        select(func.count()).select_from(User)
        .where(User.unit_id == unit.id, User.active, User.is_trainee)
    )
    if count > MAX_PRINTED:
        raise DomainError(_l(
            "This unit has %(count)s trainees: at most %(max)s cards can be printed at once. "
            "Print the cards of its classes instead.", count=count, max=MAX_PRINTED))
    users = list(
        db.session.scalars(
            select(User).where(User.unit_id == unit.id, User.active, User.is_trainee)
            .order_by(User.sort_key, User.id)
        ).unique()
    )
    return _printed(users, issue_cards(users, actor=actor))


# --- clerks ---------------------------------------------------------------------------------


def is_clerk_of(class_id: int, user: User) -> bool:
    return db.session.get(ClassClerk, (class_id, user.id)) is not None


def can_scan(klass: Class, *, actor: User) -> bool:
    """Directors, the class's instructors, and the clerks named for this class."""
    return can_mark(klass, actor=actor) or is_clerk_of(klass.id, actor)


def require_scanner(klass: Class, *, actor: User) -> None:
    """For anyone else the class does not exist (404)."""
    if not can_scan(klass, actor=actor):
        raise NotFound()


def clerks_of(klass: Class) -> list[ClassClerk]:
    return list(
        db.session.scalars(
            select(ClassClerk).join(User, User.id == ClassClerk.user_id)
            .where(ClassClerk.class_id == klass.id).order_by(User.sort_key)
        ).unique()
    )


def find_user(username: str | None) -> User | None:
    name = (username or "").strip().lower()
    if not name:
        return None
    return db.session.scalar(select(User).where(User.username == name, User.active))


def name_clerk(klass: Class, username: str | None, *, actor: Actor) -> ClassClerk:
    require(actor, "director", message=_l("Only a director can name clerks."))
    user = find_user(username)
    if user is None:
        raise DomainError(_l("No active user has this username."), field="username")
    if is_clerk_of(klass.id, user):
        raise DomainError(_l("This person is already a clerk of this class."), field="username")
    clerk = ClassClerk(class_id=klass.id, user_id=user.id, named_by_id=actor_id(actor))
    db.session.add(clerk)
    db.session.flush()
    audit.record("clerk_named", klass, actor=actor, new_value=user.username)
    return clerk


def remove_clerk(klass: Class, user_id: int, *, actor: Actor) -> None:
    require(actor, "director", message=_l("Only a director can name clerks."))
    clerk = db.session.get(ClassClerk, (klass.id, user_id))
    if clerk is None:  # removed already (a second click, another director): nothing to do
        return
    audit.record("clerk_removed", klass, actor=actor, old_value=clerk.user.username)
    db.session.delete(clerk)
    db.session.flush()


# --- the scan -------------------------------------------------------------------------------

RECORDED, ALREADY, NOT_IN_CLASS, REVOKED, UNKNOWN, OUTSIDE, REFUSED = (
    "recorded", "already", "not_in_class", "revoked", "unknown", "outside", "refused"
)


@dataclass(frozen=True)
class ScanAnswer:
    kind: str
    message: str
    name: str = ""
    unit: str = ""
    status: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind in (RECORDED, ALREADY)

    def as_json(self) -> dict:
        return {"ok": self.ok, "kind": self.kind, "message": self.message, "name": self.name,
                "unit": self.unit, "status": self.status}


def _clean(raw: str | None) -> tuple[str, str] | None:
    """("number", digits) or ("code", code), or None for input that is never a card."""
    text = "".join((raw or "")[:MAX_RAW].split())
    if text.isascii() and text.isdigit() and len(text) == NUMBER_DIGITS:
        return "number", text
    if len(text) == CODE_LENGTH and text.startswith(CODE_PREFIX) and text.isascii():
        return "code", text
    return None


def _card_rows(session: ClassSession, cleaned: list[tuple[str, str]]) -> dict:
    """The cards read (("code"|"number", value) from _clean), each with its person, their unit,
    their enrollment in the session's class and any mark at the session: one statement."""
    codes = [v for k, v in cleaned if k == "code"]
    numbers = [v for k, v in cleaned if k == "number"]
    if not codes and not numbers:
        return {}
    rows = db.session.execute(
        select(
            TraineeCard.code, TraineeCard.number, TraineeCard.revoked_at, User.full_name,
            Unit.name, Enrollment.id, Enrollment.status, Enrollment.enrolled_on,
            Attendance.status,
        )
        .select_from(TraineeCard)
        .join(User, User.id == TraineeCard.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(
            Enrollment,
            and_(Enrollment.user_id == User.id, Enrollment.class_id == session.class_id),
        )
        .outerjoin(
            Attendance,
            and_(Attendance.enrollment_id == Enrollment.id, Attendance.session_id == session.id),
        )
        .where(TraineeCard.code.in_(codes) | TraineeCard.number.in_(numbers))
    ).all()
    found = {}
    for code, number, *card in rows:
        found[("code", code)] = found[("number", number)] = _Card(*card)
    return found


@dataclass(frozen=True)
class _Card:
    revoked_at: datetime | None
    name: str
    unit: str | None
    enrollment_id: int | None
    enrollment_status: str | None
    enrolled_on: object
    marked: str | None  # the person's mark at the session, if any


@dataclass(frozen=True)
class Verdict:
    """What a card scanned at a time makes: a mark to record (kind RECORDED, with the
    enrollment and present or late), or why nothing is recorded."""

    kind: str
    message: str
    enrollment_id: int | None = None
    status: str | None = None  # RECORDED: the new mark; ALREADY: the mark there


def _verdict(session: ClassSession, card: _Card | None, at: datetime, settings,
             marked: str | None) -> Verdict:
    """The door's rules, the same for a scan now and for one made offline and sent later.
    `marked`: the person's mark at the session (on the server, or earlier in the batch)."""
    if card is None:
        return Verdict(UNKNOWN, str(_l(
            "This is not a known card: it may be forged or mistyped. Check the number.")))
    if card.revoked_at is not None:
        return Verdict(REVOKED, str(_l(
            "Card revoked: this card was replaced by a new one. Ask for the new card.")))
    if card.enrollment_id is None or card.enrollment_status != "enrolled" or (
        card.enrolled_on is not None and card.enrolled_on > session.on_date
    ):
        return Verdict(NOT_IN_CLASS, str(_l("Not in this class.")))
    if marked is not None:
        return Verdict(ALREADY, str(_l("Already marked: %(status)s.",
                                       status=ATTENDANCE_STATUS_LABELS[marked])),
                       card.enrollment_id, marked)
    opens = starts(session) - timedelta(minutes=settings.checkin_opens_minutes)
    if at < opens or at > ends(session):
        return Verdict(OUTSIDE, str(_l(
            "Outside the session's window (from %(opens)s to %(ends)s): nothing was recorded.",
            opens=f"{opens:%H:%M}", ends=f"{ends(session):%H:%M}")), card.enrollment_id)
    late_after = starts(session) + timedelta(minutes=settings.checkin_late_after_minutes)
    return Verdict(RECORDED, "", card.enrollment_id, "late" if at > late_after else "present")


def scan_card(
    session: ClassSession, raw: str | None, *, actor: User, now: datetime | None = None
) -> ScanAnswer:
    """One card shown at the door: record present or late, or say plainly why not."""
    require_scanner(session.klass, actor=actor)
    now = now or local_now()
    cleaned = _clean(raw)
    card = _card_rows(session, [cleaned]).get(cleaned) if cleaned else None
    settings = attendance_settings()
    verdict = _verdict(session, card, now, settings, card.marked if card else None)
    name, unit = (card.name, card.unit or "") if card else ("", "")
    if verdict.kind != RECORDED:
        return ScanAnswer(verdict.kind, verdict.message, name, unit,
                          verdict.status if verdict.kind == ALREADY else None)
    try:
        check_markable(session, actor=actor, reason=None, now=now, settings=settings)
    except DomainError as error:
        return ScanAnswer(REFUSED, str(error.message), name, unit)
    result = write_marks(session, {verdict.enrollment_id: (verdict.status, "")}, actor=actor,
                         method="roster", audit_method="scan")
    if result.inserted != 1:  # another device marked this person a moment earlier
        current = db.session.scalar(
            select(Attendance.status).where(Attendance.session_id == session.id,
                                            Attendance.enrollment_id == verdict.enrollment_id)
        )
        return ScanAnswer(ALREADY, str(_l("Already marked: %(status)s.",
                                          status=ATTENDANCE_STATUS_LABELS[current])),
                          name, unit, current)
    message = _l("Late.") if verdict.status == "late" else _l("Present.")
    return ScanAnswer(RECORDED, str(message), name, unit, verdict.status)


def resolve_offline_scans(
    session: ClassSession, scans: list[tuple[str, datetime]]
) -> list[Verdict]:
    """Cards scanned offline (what was scanned or typed, when), in that order: each judged by
    the door's rules at the time it was scanned (_verdict); of one person's scans in a batch
    the earliest records, the others are "already marked".
    The caller (lms.attendance.offline) holds the session's lock and writes the marks."""
    cleaned = [_clean(raw) for raw, _at in scans]
    cards = _card_rows(session, [c for c in cleaned if c])
    settings = attendance_settings()
    verdicts: dict[int, Verdict] = {}
    taken: dict[int, str] = {}  # enrollment id -> the mark made earlier in this batch
    for index in sorted(range(len(scans)), key=lambda i: scans[i][1]):  # the earliest wins
        card = cards.get(cleaned[index]) if cleaned[index] else None
        marked = card and (card.marked or taken.get(card.enrollment_id))
        verdict = _verdict(session, card, scans[index][1], settings, marked or None)
        if verdict.kind == RECORDED:
            taken[verdict.enrollment_id] = verdict.status
        verdicts[index] = verdict
    return [verdicts[i] for i in range(len(scans))]


# --- pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardLine:
    user: User
    number: str | None  # None: no card yet


def class_card_list(klass: Class) -> list[CardLine]:
    """The enrolled trainees of a class and their valid card's number: one statement."""
    rows = db.session.execute(
        select(User, TraineeCard.number)
        .join(Enrollment, Enrollment.user_id == User.id)
        .outerjoin(TraineeCard, and_(TraineeCard.user_id == User.id,
                                     TraineeCard.revoked_at.is_(None)))
        .where(Enrollment.class_id == klass.id, Enrollment.status == "enrolled")
        .order_by(User.sort_key, User.id)
    ).unique()
    return [CardLine(user, number) for user, number in rows]


def enrolled_person(klass: Class, user_id: int) -> User | None:
    return db.session.scalar(
        select(User).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.class_id == klass.id, User.id == user_id)
    )


def scannable_sessions_today(user: User, today) -> list[ClassSession]:
    """Sessions today of the classes the person scans as a clerk (the home page's to-do)."""
    return list(
        db.session.scalars(
            select(ClassSession)
            .join(ClassClerk, ClassClerk.class_id == ClassSession.class_id)
            .where(ClassClerk.user_id == user.id, ClassSession.on_date == today,
                   ClassSession.cancelled_at.is_(None))
            .order_by(ClassSession.starts_at)
        )
    )


def lookup_digest(session_id: int, value: str) -> str:
    """SHA-256 of "<session id>:<code or number>", 128 bits in hex (static/js/scan.js makes the
    same of what it reads)."""
    return hashlib.sha256(f"{session_id}:{value}".encode()).hexdigest()[:32]


def scan_lookup(session: ClassSession) -> dict:
    """What the scan page keeps on the device to answer without network: the valid cards of
    the people enrolled for this session (card → enrolment, name, unit, mark so far: what the
    roster shows and the scan answers), and the times that make a scan late or outside the
    window. One statement.

    The cards appear only as digests of their code and number (lookup_digest): the page, and
    the copy the service worker keeps, hold no card code to copy onto a forged card. (An
    8-digit number's digest can be found by trying them all: the number is printed on the
    card anyway; the code is what the QR holds.)"""
    rows = db.session.execute(
        select(TraineeCard.code, TraineeCard.number, Enrollment.id, User.full_name, Unit.name,
               Attendance.status)
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(TraineeCard, and_(TraineeCard.user_id == User.id, TraineeCard.revoked_at.is_(None)))
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(Attendance, and_(Attendance.enrollment_id == Enrollment.id,
                                    Attendance.session_id == session.id))
        .where(Enrollment.class_id == session.class_id, Enrollment.status == "enrolled",
               (Enrollment.enrolled_on.is_(None)) | (Enrollment.enrolled_on <= session.on_date))
    ).all()
    settings = attendance_settings()
    return {
        "cards": [[lookup_digest(session.id, code), lookup_digest(session.id, number), eid, name,
                   unit or "", status]
                  for code, number, eid, name, unit, status in rows],
        "opens": (starts(session) - timedelta(minutes=settings.checkin_opens_minutes))
        .isoformat(),
        "late_after": (starts(session) + timedelta(minutes=settings.checkin_late_after_minutes))
        .isoformat(),
        "ends": ends(session).isoformat(),
        "labels": {key: str(label) for key, label in ATTENDANCE_STATUS_LABELS.items()},
    }
