"""Attendance typed in from a paper signature sheet: marks imported from a CSV or XLSX file.

A director or the class's instructor imports the marks of one session or of a whole class.
Columns: `username` or `email` (who), `session_date` (dd/mm/yyyy), `status` (the app's words,
Vietnamese or English, diacritics ignored: "có mặt", "co mat", "present", "muộn", "late", ...),
optional `note`; `full_name` may be there (the template has it, for the reader) and is ignored.
A row with no status is left out: the pre-filled template lists everyone at every session.

All or nothing: every row is checked first and every problem is listed by row and column
(lms.core.tabular.RowError); then the marks go through the one write path of the marks
(lms.attendance.services.write_marks, method "import"), which writes only what differs from the
database and one audit entry per change: importing the same file twice changes nothing.
An empty note keeps the stored note. Cancelled sessions are refused; a session whose marks
would change must be markable by this person (check_markable: not before it starts, not after
close-out, a locked session only by a director with a reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.attendance.clock import attendance_settings, has_started, is_locked, local_now
from lms.attendance.models import STATUSES, Attendance
from lms.attendance.services import NOTE_MAX, check_markable, require_marker, write_marks
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core.actors import Actor
from lms.core.labels import ATTENDANCE_STATUS_LABELS, ATTENDANCE_STATUS_SHORT
from lms.core.tabular import RowError, TableError, parse_date, read_table
from lms.core.text import fold, nfc
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

COLUMNS = ("username", "email", "full_name", "session_date", "status", "note")
TEMPLATE_COLUMNS = ("username", "full_name", "session_date", "status", "note")
_CHUNK = 500
# Words people write on paper or type, besides the app's own labels in both languages.
EXTRA_WORDS = {
    "co mat": "present", "di hoc": "present", "muon": "late", "di muon": "late",
    "den muon": "late", "tre": "late", "co phep": "excused", "vang co phep": "excused",
    "nghi co phep": "excused", "vang": "absent", "vang khong phep": "absent",
    "khong phep": "absent", "nghi khong phep": "absent", "unexcused": "absent",
}


def status_words() -> dict[str, str]:
    """Folded word → status: the codes, the app's labels (long and short) in Vietnamese and
    English, and the usual paper words."""
    words = {code: code for code in STATUSES}
    for locale in ("en", "vi"):
        with force_locale(locale):
            for labels in (ATTENDANCE_STATUS_LABELS, ATTENDANCE_STATUS_SHORT):
                for code, label in labels.items():
                    words[fold(str(label))] = code
    words.update(EXTRA_WORDS)
    return words


@dataclass
class SessionPlan:
    """What the file does at one session."""

    session: ClassSession
    marks: dict[int, tuple[str, str]] = field(default_factory=dict)  # enrollment → (status, note)
    changes: dict[int, tuple[str, str]] = field(default_factory=dict)  # those that differ
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    locked: bool = False
    first_row: int = 0

    @property
    def writes(self) -> int:
        return self.new + self.changed


@dataclass
class ImportPlan:
    sessions: list[SessionPlan]
    skipped: int = 0  # rows without a status
    written: bool = False

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sessions)

    @property
    def changed(self) -> int:
        return sum(s.changed for s in self.sessions)

    @property
    def unchanged(self) -> int:
        return sum(s.unchanged for s in self.sessions)

    @property
    def writes(self) -> int:
        return self.new + self.changed

    @property
    def locked_sessions(self) -> list[SessionPlan]:
        return [s for s in self.sessions if s.locked and s.writes]


def _text(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return (nfc(str(value)) or "").strip()


def _in_chunks(statement_for, values: list) -> list:
    rows = []
    for start in range(0, len(values), _CHUNK):
        rows.extend(db.session.execute(statement_for(values[start : start + _CHUNK])))
    return rows


def plan_import(
    klass: Class,
    data: bytes,
    *,
    actor: Actor,
    session: ClassSession | None = None,
    reason: str | None = None,
) -> ImportPlan:
    """Read and check the whole file; what it would change, per session. Raises TableError
    listing every problem (row, column, message); writes nothing."""
    require_marker(klass, actor=actor)
    if session is not None and session.class_id != klass.id:
        raise DomainError(_l("This session is not a session of this class."))
    reason = nfc(reason) or None
    table = read_table(data, required=("session_date", "status"), optional=COLUMNS)
    if "username" not in table.columns and "email" not in table.columns:
        raise TableError(errors=[RowError(1, "username", _l(
            "The file needs a username or an email column."))])
    words = status_words()
    errors: list[RowError] = []

    def fail(number: int, column: str, message) -> None:
        errors.append(RowError(number, column, message))

    sessions = [s for s in klass.sessions if session is None or s.id == session.id]
    by_date: dict[date, list[ClassSession]] = {}
    for s in sessions:
        by_date.setdefault(s.on_date, []).append(s)

    # First pass: each row on its own.
    parsed = []  # (number, who-column, who, session, status, note)
    skipped = 0
    for number, values in table.rows:
        username = _text(values.get("username", "")).lower()
        email = _text(values.get("email", "")).lower()
        status_text = _text(values.get("status", ""))
        if not status_text:
            skipped += 1
            continue
        before = len(errors)
        who_column = "username" if username or "email" not in table.columns else "email"
        if not username and not email:
            fail(number, who_column, _l("Give a username or an e-mail address."))
        status = words.get(fold(status_text))
        if status is None:
            fail(number, "status", _l(
                "Unknown status “%(v)s”: write present, late, excused or absent "
                "(có mặt, muộn, vắng có phép, vắng).", v=status_text))
        note = _text(values.get("note", ""))
        if len(note) > NOTE_MAX:
            fail(number, "note", _l("A note can be at most 500 characters long."))
        target = None
        raw_date = values.get("session_date", "")
        try:
            on_date = parse_date(raw_date)
        except ValueError:
            on_date = None
            fail(number, "session_date", _l("Not a date: write it as dd/mm/yyyy."))
        else:
            if on_date is None:
                fail(number, "session_date", _l("The session date is required."))
        if on_date is not None:
            candidates = by_date.get(on_date, [])
            live = [s for s in candidates if not s.is_cancelled]
            if not candidates:
                if session is not None:
                    fail(number, "session_date", _l(
                        "This import is for the session of %(day)s only.",
                        day=f"{session.on_date:%d/%m/%Y}"))
                else:
                    fail(number, "session_date", _l(
                        "The class has no session on %(day)s.", day=f"{on_date:%d/%m/%Y}"))
            elif not live:
                fail(number, "session_date", _l(
                    "The session of %(day)s is cancelled: attendance cannot be taken.",
                    day=f"{on_date:%d/%m/%Y}"))
            elif len(live) > 1:
                fail(number, "session_date", _l(
                    "The class has several sessions on %(day)s: import from the page of "
                    "one session.", day=f"{on_date:%d/%m/%Y}"))
            else:
                target = live[0]
        if username or email:  # the person is checked even when the row has other errors
            parsed.append((number, "username" if username else "email", username or email,
                           target, status, note, len(errors) == before))

    # People: who they are, and their enrollment in this class.
    usernames = sorted({row[2] for row in parsed if row[1] == "username"})
    emails = sorted({row[2] for row in parsed if row[1] == "email"})
    people: dict[tuple[str, str], tuple[int, str]] = {}
    for column, values in (("username", usernames), ("email", emails)):
        attr = getattr(User, column)
        for key, user_id, full_name in _in_chunks(
            lambda chunk, attr=attr: select(attr, User.id, User.full_name).where(
                attr.in_(chunk)), values
        ):
            people[(column, key)] = (user_id, full_name)
    user_ids = sorted({uid for uid, _name in people.values()})
    enrollments = {
        row.user_id: row
        for row in _in_chunks(
            lambda chunk: select(Enrollment.id, Enrollment.user_id, Enrollment.status,
                                 Enrollment.enrolled_on).where(
                Enrollment.class_id == klass.id, Enrollment.user_id.in_(chunk)),
            user_ids,
        )
    }
    plans: dict[int, SessionPlan] = {}
    seen: dict[tuple[int, int], int] = {}
    for number, who_column, who, target, status, note, row_ok in parsed:
        person = people.get((who_column, who))
        if person is None:
            fail(number, who_column, _l("No such person: %(v)s", v=who))
            continue
        user_id, full_name = person
        enrollment = enrollments.get(user_id)
        if enrollment is None or enrollment.status != "enrolled":
            fail(number, who_column, _l(
                "%(name)s (%(v)s) is not enrolled in this class.", name=full_name, v=who))
            continue
        if not row_ok:
            continue
        if enrollment.enrolled_on is not None and enrollment.enrolled_on > target.on_date:
            fail(number, "session_date", _l(
                "%(name)s was enrolled on %(day)s, after this session.", name=full_name,
                day=f"{enrollment.enrolled_on:%d/%m/%Y}"))
            continue
        key = (target.id, enrollment.id)
        if key in seen:
            fail(number, who_column, _l(
                "%(name)s at this session is already in row %(row)d.", name=full_name,
                row=seen[key]))
            continue
        seen[key] = number
        plan = plans.setdefault(target.id, SessionPlan(target, first_row=number))
        plan.marks[enrollment.id] = (status, note)

    # What would change: compared with the marks in the database.
    if plans and not errors:
        current = {
            (row.session_id, row.enrollment_id): (row.status, row.note)
            for row in db.session.execute(
                select(Attendance.session_id, Attendance.enrollment_id, Attendance.status,
                       Attendance.note).where(Attendance.session_id.in_(list(plans)))
            )
        }
        settings = attendance_settings()
        now = local_now()
        for plan in plans.values():
            for enrollment_id, (status, note) in list(plan.marks.items()):
                old = current.get((plan.session.id, enrollment_id))
                if old is not None and not note:
                    note = old[1]  # an empty note keeps the stored one
                    plan.marks[enrollment_id] = (status, note)
                if old == (status, note):
                    plan.unchanged += 1
                    continue
                plan.changes[enrollment_id] = (status, note)
                if old is None:
                    plan.new += 1
                else:
                    plan.changed += 1
            plan.locked = is_locked(plan.session, settings, now)
            if not plan.writes:
                continue
            try:
                check_markable(plan.session, actor=actor, reason=reason, now=now,
                               settings=settings)
            except DomainError as error:
                fail(plan.first_row, "session_date", _l(
                    "Session of %(day)s: %(problem)s",
                    day=f"{plan.session.on_date:%d/%m/%Y}", problem=error.message))
    if errors:
        order = {c: i for i, c in enumerate(COLUMNS)}
        errors.sort(key=lambda e: (e.row, order.get(e.column, 99)))
        raise TableError(errors=errors)
    if not plans:
        raise TableError(message=_l("The file has no marks: every status cell is empty."))
    ordered = sorted(plans.values(), key=lambda p: (p.session.on_date, p.session.starts_at))
    return ImportPlan(ordered, skipped=skipped)


def import_marks(
    klass: Class,
    data: bytes,
    *,
    actor: Actor,
    session: ClassSession | None = None,
    reason: str | None = None,
) -> ImportPlan:
    """Check the whole file, then write its marks (only what differs, audited as "import")."""
    plan = plan_import(klass, data, actor=actor, session=session, reason=reason)
    reason = nfc(reason) or None
    for item in plan.sessions:
        if item.writes:
            write_marks(item.session, item.changes, actor=actor, method="import",
                        reason=reason if item.locked else None)
    plan.written = True
    return plan


def template_rows(
    klass: Class, *, actor: Actor, session: ClassSession | None = None
) -> list[list[str]]:
    """The import template: every enrolled trainee at every session held so far (or at the
    one session), with the mark already stored, in the reader's language."""
    require_marker(klass, actor=actor)
    now = local_now()
    sessions = [
        s for s in klass.sessions
        if not s.is_cancelled and (s.id == session.id if session is not None
                                   else has_started(s, now))
    ]
    people = db.session.execute(
        select(Enrollment.id, Enrollment.enrolled_on, User.username, User.full_name)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.class_id == klass.id, Enrollment.status == "enrolled")
        .order_by(User.sort_key, User.id)
    ).all()
    marks = {
        (row.session_id, row.enrollment_id): (row.status, row.note)
        for row in db.session.execute(
            select(Attendance.session_id, Attendance.enrollment_id, Attendance.status,
                   Attendance.note).where(Attendance.session_id.in_([s.id for s in sessions]))
        )
    } if sessions else {}
    labels = {code: str(label) for code, label in ATTENDANCE_STATUS_SHORT.items()}
    rows = []
    for s in sessions:
        for person in people:
            if person.enrolled_on is not None and person.enrolled_on > s.on_date:
                continue
            status, note = marks.get((s.id, person.id), (None, ""))
            rows.append([person.username, person.full_name, f"{s.on_date:%d/%m/%Y}",
                         labels[status] if status else "", note])
    return rows

