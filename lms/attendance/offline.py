"""Marks made on a device without network, sent later in one batch (the roster page's queue,
static/js/offline-queue.js), each received exactly once.

- Exactly once: each mark carries a key made on the device (a UUID); offline_marks holds it
  under a unique constraint, so a batch sent again is answered from what was stored and writes
  nothing.
- The later mark wins, by the time it was made (the device's clock, never later than its
  arrival): an offline mark older than the session's current mark is kept as "superseded"
  (in the audit log too, and listed on the roster); a newer one is written, and the audit log
  holds both the old value and the new one.
- Locks apply by the time of marking: a mark made before the session locked is written even if
  it arrives after; a mark made after is kept "pending" until a director accepts or rejects it.
- Marks are written through services.write_marks: the counters (database triggers) and the
  audit log stay exact.
- Cards scanned offline (the scan page, static/js/scan.js) travel in the same batches, as
  items with the card scanned ("card") instead of an enrolment and status: the server finds
  the person and makes the mark present or late by the time of scanning, as the scan at the
  door would (lms.cards.services.resolve_offline_scans), audited how "scan". The clerks of a
  class may send batches of scans only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from lms.attendance.clock import attendance_settings, locks_at, starts
from lms.attendance.models import STATUSES, Attendance, OfflineMark
from lms.attendance.services import (
    NOTE_MAX,
    dialect_insert,
    lock_session_row,
    require_marker,
    write_marks,
)
from lms.classes.models import ClassSession
from lms.core.actors import Actor, actor_id, require
from lms.core.audit import record
from lms.core.models import AuditLog
from lms.core.text import nfc
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

MAX_BATCH = 500  # a conference hall holds 300; the request body is capped in the view too
KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
offline_marks = OfflineMark.__table__


@dataclass(frozen=True)
class OfflineItem:
    key: str
    enrollment_id: int
    status: str
    note: str
    marked_at: datetime  # aware, UTC
    card: str | None = None  # a card scanned: the enrollment and status come from the server


@dataclass(frozen=True)
class ItemResult:
    key: str
    enrollment_id: int
    outcome: str  # applied, superseded, pending, refused, not_enrolled; duplicate: sent before
    # (scans: also unknown, revoked, not_in_class, outside, already: nothing recorded)
    stored: str | None = None  # for a duplicate: what became of it the first time
    message: str = ""  # for a scan that records nothing: why, in plain words


BAD_BATCH = _l("This batch of marks is malformed and was refused; nothing was recorded.")


def parse_batch(payload, session_id: int) -> list[OfflineItem]:
    """The marks of a batch, or a refusal of the whole batch (forged, oversized, another
    session's): nothing of it is recorded, and the device keeps its queue."""
    if not isinstance(payload, dict) or not isinstance(payload.get("marks"), list):
        raise DomainError(BAD_BATCH)
    if payload.get("session_id") != session_id:
        raise DomainError(
            _l("This batch of marks is for another session; nothing was recorded.")
        )
    if len(payload["marks"]) > MAX_BATCH:
        raise DomainError(
            _l("Too many marks in one batch (at most %(max)d); nothing was recorded.",
               max=MAX_BATCH)
        )
    items: dict[str, OfflineItem] = {}
    for raw in payload["marks"]:
        item = _parse_item(raw)
        items.setdefault(item.key, item)  # the same key twice in a batch: once
    return list(items.values())


CARD_MAX = 200  # longer is never a card (lms.cards.services.MAX_RAW)


def _parse_item(raw) -> OfflineItem:
    if not isinstance(raw, dict):
        raise DomainError(BAD_BATCH)
    if "card" in raw:
        return _parse_scan(raw)
    key, eid, status = raw.get("key"), raw.get("enrollment_id"), raw.get("status")
    note = raw.get("note") or ""
    if not (isinstance(key, str) and KEY.match(key)) or status not in STATUSES:
        raise DomainError(BAD_BATCH)
    if not isinstance(eid, int) or isinstance(eid, bool) or not 0 < eid < 2**31:
        raise DomainError(BAD_BATCH)
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise DomainError(BAD_BATCH)
    return OfflineItem(key, eid, status, nfc(note) or "", _parse_time(raw))


def _parse_scan(raw: dict) -> OfflineItem:
    key, card = raw.get("key"), raw.get("card")
    if not (isinstance(key, str) and KEY.match(key)):
        raise DomainError(BAD_BATCH)
    if not isinstance(card, str) or not card.strip() or len(card) > CARD_MAX:
        raise DomainError(BAD_BATCH)
    return OfflineItem(key, 0, "", "", _parse_time(raw), card=card)


def _parse_time(raw: dict) -> datetime:
    try:
        at = datetime.fromisoformat(str(raw.get("marked_at")).replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(BAD_BATCH) from None
    if at.tzinfo is None:
        raise DomainError(BAD_BATCH)
    return at.astimezone(UTC)


def require_sender(session: ClassSession, items: list[OfflineItem], *, actor: Actor) -> None:
    """Marks: the class's markers (instructors, directors). Scans only: also its clerks.
    Anyone else: the session does not exist (404)."""
    from lms.cards.services import require_scanner

    if items and all(item.card is not None for item in items):
        require_scanner(session.klass, actor=actor)
    else:
        require_marker(session.klass, actor=actor)


def _resolve_scans(
    session: ClassSession, fresh: list[OfflineItem], now: datetime
) -> tuple[list[OfflineItem], list[ItemResult]]:
    """The scans of a batch become marks (enrolment, status by the time of scanning), or
    answers that record nothing (unknown, revoked, another class's card, already marked)."""
    from lms.cards.services import RECORDED, resolve_offline_scans

    scans = [item for item in fresh if item.card is not None]
    if not scans:
        return fresh, []
    resolved = dict(zip(
        (item.key for item in scans),
        resolve_offline_scans(session, [(item.card, min(item.marked_at, now)) for item in scans]),
        strict=True,
    ))
    items, answers = [], []
    for item in fresh:
        scan = resolved.get(item.key)
        if scan is None:
            items.append(item)
        elif scan.kind == RECORDED:
            items.append(replace(item, enrollment_id=scan.enrollment_id, status=scan.status))
        else:
            answers.append(ItemResult(item.key, scan.enrollment_id or 0, scan.kind,
                                      message=scan.message))
    return items, answers


def receive_offline_marks(
    session: ClassSession, items: list[OfflineItem], *, actor: Actor, now: datetime | None = None
) -> list[ItemResult]:
    """Record a batch of offline marks of one session, each once; the answer per mark."""
    require_sender(session, items, actor=actor)
    if not items:
        return []
    now = now or utcnow()
    lock_session_row(session.id)  # one writer of this session's marks at a time
    keys = [item.key for item in items]
    seen = dict(db.session.execute(
        select(offline_marks.c.client_key, offline_marks.c.outcome)
        .where(offline_marks.c.client_key.in_(keys))
    ).all())
    results: dict[str, ItemResult] = {}
    fresh = []
    for item in items:
        if item.key in seen:
            results[item.key] = ItemResult(item.key, item.enrollment_id, "duplicate",
                                           seen[item.key])
        else:
            fresh.append(item)
    fresh, answered = _resolve_scans(session, fresh, now)
    results.update((r.key, r) for r in answered)
    valid = _enrolled(session, {item.enrollment_id for item in fresh})
    settings = attendance_settings()
    lock, opens = locks_at(session, settings), starts(session) - timedelta(
        minutes=settings.checkin_opens_minutes)
    closed = session.is_cancelled or session.klass.is_cancelled or session.klass.closed_at
    outcome: dict[str, str] = {}
    times: dict[str, datetime] = {}
    candidates: dict[int, OfflineItem] = {}  # per enrollment, the latest offline mark
    for item in sorted(fresh, key=lambda i: i.marked_at):
        if item.enrollment_id not in valid:
            results[item.key] = ItemResult(item.key, item.enrollment_id, "not_enrolled")
            continue
        at = min(item.marked_at, now)  # a mark is never made after it arrived
        times[item.key] = at
        if closed or at < opens:
            outcome[item.key] = "refused"
        elif at >= lock:
            outcome[item.key] = "pending"
        else:
            earlier = candidates.get(item.enrollment_id)
            if earlier is not None:
                outcome[earlier.key] = "superseded"
            candidates[item.enrollment_id] = item
            outcome[item.key] = "applied"
    current = {
        row.enrollment_id: row
        for row in db.session.execute(
            select(Attendance.enrollment_id, Attendance.status, Attendance.note,
                   Attendance.marked_at)
            .where(Attendance.session_id == session.id,
                   Attendance.enrollment_id.in_(list(candidates)))
        )
    } if candidates else {}
    to_write, superseded_audit = {}, []
    for eid, item in candidates.items():
        old = current.get(eid)
        if old is not None and (old.status, old.note or "") == (item.status, item.note):
            # The server already says the same (a save that arrived though its answer was
            # lost, a second device): nothing to write, nothing lost.
            outcome[item.key] = "applied"
        elif old is not None and old.marked_at > times[item.key]:
            outcome[item.key] = "superseded"
            superseded_audit.append((item, old.status))
        else:
            to_write[eid] = item
    for item in fresh:  # superseded within the batch: audited as well
        if outcome.get(item.key) == "superseded" and candidates.get(item.enrollment_id) is not item:
            later = candidates[item.enrollment_id]
            superseded_audit.append((item, later.status))
    for scanned in (False, True):  # marks audited "offline", scans audited "scan"
        part = {eid: i for eid, i in to_write.items() if (i.card is not None) is scanned}
        if not part:
            continue
        write_marks(
            session, {eid: (i.status, i.note) for eid, i in part.items()},
            actor=actor, method="roster", audit_method="scan" if scanned else "offline",
            marked_at={eid: times[i.key] for eid, i in part.items()},
            details={eid: _detail(i, times[i.key]) for eid, i in part.items()},
        )
    _audit_superseded(session, superseded_audit, times, actor=actor, now=now)
    _store(session, fresh, outcome, times, actor=actor, now=now)
    for item in fresh:
        if item.key in outcome:
            results[item.key] = ItemResult(item.key, item.enrollment_id, outcome[item.key])
    return [results[key] for key in keys]


def _enrolled(session: ClassSession, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Enrollment.id).where(
            Enrollment.id.in_(ids), Enrollment.class_id == session.class_id,
            Enrollment.status == "enrolled",
            (Enrollment.enrolled_on.is_(None)) | (Enrollment.enrolled_on <= session.on_date),
        )
    ))


def _detail(item: OfflineItem, at: datetime) -> dict:
    return {"client_key": item.key, "marked_at": at.isoformat()}


def _audit_superseded(session, pairs, times, *, actor: Actor, now: datetime) -> None:
    """An offline mark that a later one beat is not written, but the log keeps it."""
    if not pairs:
        return
    db.session.execute(AuditLog.__table__.insert(), [
        {"at": now, "actor_id": actor_id(actor), "action": "attendance",
         "object_type": "enrollments", "object_id": item.enrollment_id,
         "session_id": session.id, "old_value": item.status, "new_value": kept,
         "method": "offline", "reason": None,
         "details": {**_detail(item, times[item.key]), "superseded": True}}
        for item, kept in pairs
    ])


def _store(session, fresh, outcome, times, *, actor: Actor, now: datetime) -> None:
    rows = [
        {"client_key": item.key, "session_id": session.id,
         "enrollment_id": item.enrollment_id, "status": item.status, "note": item.note,
         "marked_by_id": actor_id(actor), "marked_at": times[item.key], "received_at": now,
         "outcome": outcome[item.key]}
        for item in fresh if item.key in outcome
    ]
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        stored = _store_postgresql(rows)
    else:
        # executemany of one compiled INSERT (batched by SQLAlchemy as "insertmanyvalues"):
        # a VALUES list of 300 rows was compiled afresh each time.
        stored = db.session.execute(
            dialect_insert(offline_marks)
            .on_conflict_do_nothing(index_elements=["client_key"])
            .returning(offline_marks.c.client_key),
            rows,
        ).all()
    if len(stored) != len(rows):  # the same keys arrived meanwhile (a writer past the lock)
        raise DomainError(_l("These marks arrived twice at the same moment. Send them again."))


def _store_postgresql(rows: list[dict]) -> list:
    """The varying columns as arrays through unnest(), one statement (as services.py does for
    the marks): 300 rows of parameters are slow through psycopg (docs/benchmarks.md)."""
    first = rows[0]
    arrays = func.unnest(
        bindparam("_keys", [r["client_key"] for r in rows], type_=ARRAY(String)),
        bindparam("_eids", [r["enrollment_id"] for r in rows], type_=ARRAY(Integer)),
        bindparam("_statuses", [r["status"] for r in rows], type_=ARRAY(String)),
        bindparam("_notes", [r["note"] for r in rows], type_=ARRAY(String)),
        bindparam("_times", [r["marked_at"] for r in rows], type_=ARRAY(DateTime(timezone=True))),
        bindparam("_outcomes", [r["outcome"] for r in rows], type_=ARRAY(String)),
    ).table_valued("k", "e", "s", "n", "t", "o").render_derived(name="marks")
    c = offline_marks.c
    source = select(
        arrays.c.k, literal(first["session_id"], c.session_id.type), arrays.c.e, arrays.c.s,
        arrays.c.n, literal(first["marked_by_id"], c.marked_by_id.type), arrays.c.t,
        literal(first["received_at"], c.received_at.type), arrays.c.o,
    )
    names = ["client_key", "session_id", "enrollment_id", "status", "note", "marked_by_id",
             "marked_at", "received_at", "outcome"]
    return db.session.execute(
        postgresql.insert(offline_marks).from_select(names, source)
        .on_conflict_do_nothing(index_elements=["client_key"])
        .returning(c.client_key)
    ).all()


def list_superseded(session_id: int) -> list:
    """The offline marks of a session that a later mark beat: who, what, when made."""
    from lms.auth.models import User

    return db.session.execute(
        select(User.full_name, OfflineMark.status, OfflineMark.marked_at, Attendance.status
               .label("kept"))
        .join(Enrollment, Enrollment.id == OfflineMark.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(Attendance, (Attendance.session_id == OfflineMark.session_id)
                   & (Attendance.enrollment_id == OfflineMark.enrollment_id))
        .where(OfflineMark.session_id == session_id, OfflineMark.outcome == "superseded")
        .order_by(OfflineMark.marked_at.desc())
    ).all()


def list_pending(class_id: int) -> list:
    """Offline marks of a class made after their session locked, for a director to decide."""
    from lms.auth.models import User

    return db.session.execute(
        select(OfflineMark.id, User.full_name, OfflineMark.status, OfflineMark.marked_at,
               ClassSession.on_date, ClassSession.starts_at)
        .join(ClassSession, ClassSession.id == OfflineMark.session_id)
        .join(Enrollment, Enrollment.id == OfflineMark.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(ClassSession.class_id == class_id, OfflineMark.outcome == "pending")
        .order_by(OfflineMark.marked_at)
    ).all()


def decide_offline_mark(mark: OfflineMark, *, accept: bool, actor: Actor) -> str:
    """A director accepts (the mark is written, audited "offline") or rejects a pending mark.

    Accepting re-checks the later mark's rule: if the person's mark on the server was made
    after this one (another device, a correction), it stays; this mark is rejected as
    superseded and logged as such beside it. Returns "accepted", "rejected" or "superseded"."""
    require(actor, "director",
            message=_l("Only a director can accept or reject a mark made after the lock."))
    lock_session_row(mark.session_id)
    db.session.refresh(mark)
    if mark.outcome != "pending":
        raise DomainError(_l("This mark has already been decided."))
    session = db.session.get(ClassSession, mark.session_id)
    details = {"client_key": mark.client_key, "marked_at": mark.marked_at.isoformat()}
    decision = "accepted" if accept else "rejected"
    if accept:
        if session.is_cancelled or session.klass.closed_at is not None:
            raise DomainError(
                _l("The session is cancelled or its class closed out: the mark cannot be written.")
            )
        later = db.session.execute(
            select(Attendance.status, Attendance.marked_at)
            .where(Attendance.session_id == mark.session_id,
                   Attendance.enrollment_id == mark.enrollment_id)
        ).first()
        if later is not None and later.marked_at > mark.marked_at:
            decision = "superseded"
            record("attendance", db.session.get(Enrollment, mark.enrollment_id), actor=actor,
                   old_value=mark.status, new_value=later.status, method="offline",
                   reason=str(_l("Not accepted: a later mark exists")),
                   session_id=mark.session_id, details={**details, "superseded": True})
        else:
            write_marks(
                session, {mark.enrollment_id: (mark.status, mark.note)}, actor=actor,
                method="roster", audit_method="offline",
                reason=str(_l("Accepted: made offline after the lock")),
                marked_at={mark.enrollment_id: mark.marked_at},
                details={mark.enrollment_id: details},
            )
    else:
        record("offline_mark_rejected", mark, actor=actor, old_value=mark.status,
               method="offline", session_id=mark.session_id, details=details)
    mark.outcome = "accepted" if decision == "accepted" else "rejected"
    mark.decided_by_id = actor_id(actor)
    mark.decided_at = utcnow()
    db.session.flush()
    return decision
