"""Bulk row generation for the demo center: people, classes, sessions, enrolments, attendance.

Rows are plain dicts inserted in chunks with explicit ids (no ORM objects per row), so a
million attendance records take minutes, not hours. Every rollup (Enrollment.attended_count /
excused_count / absent_count, ClassSession.marked_count, Class.enrolled_count) is computed
from the very rows written, so the reports read exactly what the attendance table holds.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.certificates.models import Certificate, CertificateCounter
from lms.classes.models import Class, ClassSession, class_instructors
from lms.core.text import fold, vn_sort_key
from lms.demo.names import COURSE_TOPICS, person_name
from lms.enrollment.models import Enrollment
from lms.extensions import db

CHUNK = 20_000


def utc(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Writer:
    """Buffers rows per table, hands out ids, inserts in chunks in foreign-key order."""

    ORDER = (User.__table__, Class.__table__, class_instructors, ClassSession.__table__)
    ORDER += (Enrollment.__table__, Attendance.__table__, Certificate.__table__)

    def __init__(self) -> None:
        self.rows: dict = defaultdict(list)
        self.next_id = {
            t.name: (db.session.scalar(select(func.max(t.c.id))) or 0) + 1
            for t in self.ORDER
            if "id" in t.c
        }
        self.attendance_rows = 0
        if db.engine.dialect.name == "sqlite":
            # A 256 MB page cache for the bulk load (the default 2 MB makes every insert into
            # a big index read pages back from disk); this connection only.
            db.session.execute(text("PRAGMA cache_size = -262144"))

    def new_id(self, table) -> int:
        value = self.next_id[table.name]
        self.next_id[table.name] = value + 1
        return value

    def add(self, table, row: dict) -> None:
        self.rows[table].append(row)
        if table is Attendance.__table__:
            self.attendance_rows += 1

    def maybe_flush(self) -> None:
        """Between classes (never inside one: its sessions are written after its marks)."""
        if len(self.rows[Attendance.__table__]) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        postgresql = db.engine.dialect.name == "postgresql"
        for table in self.ORDER:
            rows = self.rows.pop(table, [])
            if postgresql and rows:
                _copy(table, rows)
                continue
            for start in range(0, len(rows), CHUNK):
                db.session.execute(insert(table), rows[start : start + CHUNK])

    def finish(self) -> None:
        self.flush()
        if db.engine.dialect.name == "postgresql":
            # Explicit ids bypassed the sequences: move them past the rows written. (S608: the
            # table names come from our own metadata, never from input.)
            for table in self.ORDER:
                if "id" in table.c:
                    db.session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"  # noqa: S608
                            f" (SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                        )
                    )


def _copy(table, rows: list[dict]) -> None:
    """PostgreSQL: COPY the rows in (faster than INSERT at 10 M rows, docs/benchmarks.md), on the
    session's connection and transaction. Values are plain Python (dates, aware datetimes)."""
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


class People:
    """Generated trainees (party members of the units) and instructors; one password hash."""

    def __init__(self, writer: Writer, rng: random.Random, password_hash: str) -> None:
        self.writer, self.rng, self.password_hash = writer, rng, password_hash
        self.unit_of: dict[int, int] = {}
        self.names: dict[int, tuple[str, date]] = {}
        self.count = 0
        self._keys: dict[str, tuple[str, str]] = {}  # name: (fold, sort key); names repeat

    def add(self, unit_id: int, *, instructor: bool = False) -> int:
        self.count += 1
        user_id = self.writer.new_id(User.__table__)
        name = person_name(self.rng)
        keys = self._keys.get(name)
        if keys is None:
            keys = self._keys[name] = (fold(name), vn_sort_key(name))
        birth = date(self.rng.randint(1950, 2000), self.rng.randint(1, 12), self.rng.randint(1, 28))
        prefix = "gv" if instructor else "hv"
        self.writer.add(
            User.__table__,
            {
                "id": user_id,
                "username": f"{prefix}{user_id:06d}",
                "email": None,
                "full_name": name,
                "date_of_birth": birth,
                "member_id": None if instructor else f"DV{user_id:08d}",
                "unit_id": unit_id,
                "password_hash": self.password_hash,
                "session_token": secrets.token_urlsafe(24),
                "calendar_token": secrets.token_urlsafe(24),
                "active": True,
                "is_demo": True,
                "is_trainee": not instructor,
                "is_instructor": instructor,
                "is_director": False,
                "is_admin": False,
                "search_name": keys[0],
                "sort_key": keys[1],
                "created_at": utc(date(2018, 12, 1)),
                "password_changed_at": None,
            },
        )
        self.unit_of[user_id] = unit_id
        self.names[user_id] = (name, birth)
        return user_id


class ClassBuilder:
    """One class with its sessions, enrolments, attendance and (optionally) close-out."""

    def __init__(self, writer: Writer, people: People, rng: random.Random, staff: dict) -> None:
        self.writer, self.people, self.rng, self.staff = writer, people, rng, staff

    def build(
        self,
        *,
        program,
        code: str,
        title: str,
        days: list[date],
        instructors: list[int],
        participants: list[int],
        no_shows: list[int] = (),
        marked_days: int | None = None,
        close: bool = False,
        mode: str = "assigned",
        capacity: int | None = None,
        cancel: str | None = None,
        enrol_window: tuple[date, date] | None = None,
        unmarked: tuple[int, ...] = (),
        place: str = "Hội trường Trung tâm Bồi dưỡng chính trị",
    ) -> dict:
        """`participants` attend at least one marked session, `no_shows` none; the first
        `marked_days` sessions (default all) are marked except the indexes in `unmarked`."""
        rng, w = self.rng, self.writer
        class_id = w.new_id(Class.__table__)
        enrolled = len(participants) + len(no_shows)
        closed_on = days[-1] + timedelta(days=2)
        w.add(
            Class.__table__,
            {
                "id": class_id,
                "program_id": program.id,
                "code": code,
                "title": title,
                "search_text": fold(f"{title} {code}"),
                "place": place,
                "start_date": days[0],
                "end_date": days[-1],
                "capacity": capacity,
                "enrolled_count": enrolled,
                "enrollment_mode": mode,
                "enrol_opens_on": enrol_window[0] if enrol_window else None,
                "enrol_closes_on": enrol_window[1] if enrol_window else None,
                "min_attendance_pct": program.min_attendance_pct,
                "excused_rule": "absent",
                "cancelled_at": utc(days[0] - timedelta(days=5)) if cancel else None,
                "cancelled_by_id": self.staff["director"] if cancel else None,
                "cancel_reason": cancel,
                "closed_at": utc(closed_on) if close else None,
                "closed_by_id": self.staff["director"] if close else None,
                "created_at": utc(days[0] - timedelta(days=30)),
            },
        )
        for user_id in instructors:
            w.add(class_instructors, {"class_id": class_id, "user_id": user_id})
        marked_days = len(days) if marked_days is None else marked_days
        marked = [i < marked_days and i not in unmarked for i in range(len(days))]
        marks = [0] * len(days)
        afternoon = rng.random() < 0.4
        session_ids = [w.new_id(ClassSession.__table__) for _ in days]
        enrollment_ids, completed = [], []
        marker = instructors[0] if instructors else self.staff["director"]
        for user_id, attends in [(u, True) for u in participants] + [(u, False) for u in no_shows]:
            enrollment_id = w.new_id(Enrollment.__table__)
            enrollment_ids.append(enrollment_id)
            statuses = [self._status(attends) if m else None for m in marked]
            if attends and any(marked) and not any(s in ("present", "late") for s in statuses):
                statuses[rng.choice([i for i, m in enumerate(marked) if m])] = "present"
            attended = sum(s in ("present", "late") for s in statuses)
            excused = statuses.count("excused")
            absent = statuses.count("absent")
            outcome = None
            if close:
                rate = attended * 100 >= program.min_attendance_pct * len(days)
                outcome = "completed" if rate else "not_completed"
                if rate:
                    completed.append((enrollment_id, user_id))
            w.add(
                Enrollment.__table__,
                {
                    "id": enrollment_id,
                    "class_id": class_id,
                    "user_id": user_id,
                    "unit_id": self.people.unit_of[user_id],
                    "status": "enrolled",
                    "source": "self" if mode == "open" else "assigned",
                    "created_at": utc(days[0] - timedelta(days=10)),
                    "queued_at": utc(days[0] - timedelta(days=10)),
                    "enrolled_on": days[0] - timedelta(days=10),
                    "withdrawn_at": None,
                    "promoted_at": None,
                    "promotion_seen": True,
                    "outcome": outcome,
                    "outcome_at": utc(closed_on) if close else None,
                    "attended_count": attended,
                    "excused_count": excused,
                    "absent_count": absent,
                },
            )
            for index, status in enumerate(statuses):
                if status is None:
                    continue
                marks[index] += 1
                w.add(
                    Attendance.__table__,
                    {
                        "session_id": session_ids[index],
                        "enrollment_id": enrollment_id,
                        "status": status,
                        "note": "",
                        "method": "checkin"
                        if status != "absent" and rng.random() < 0.3
                        else "roster",
                        "marked_by_id": marker,
                        "marked_at": utc(days[index], 11),
                    },
                )
        for index, day in enumerate(days):
            start = time(13, 30) if afternoon else time(7, 30)
            w.add(
                ClassSession.__table__,
                {
                    "id": session_ids[index],
                    "class_id": class_id,
                    "on_date": day,
                    "starts_at": start,
                    "ends_at": time(start.hour + 3, 30),
                    "topic": rng.choice(COURSE_TOPICS) if len(days) > 2 else title,
                    "room": "Hội trường A"
                    if enrolled > 120
                    else rng.choice(("Phòng 201", "Phòng 202")),
                    "cancelled_at": None,
                    "cancel_reason": None,
                    "checkin_secret": None,
                    "marked_count": marks[index],
                },
            )
        w.maybe_flush()
        return {
            "id": class_id,
            "enrollments": enrollment_ids,
            "completed": completed,
            "days": days,
            "code": code,
            "title": title,
        }

    def _status(self, attends: bool) -> str:
        roll = self.rng.random()
        if attends:
            if roll < 0.90:
                return "present"
            if roll < 0.95:
                return "late"
            return "excused" if roll < 0.98 else "absent"
        return "excused" if roll < 0.2 else "absent"

    def withdraw(self, class_id: int, user_id: int, day: date) -> None:
        """A withdrawn enrolment: on the roster history, never counted."""
        self.writer.add(
            Enrollment.__table__,
            {
                "id": self.writer.new_id(Enrollment.__table__),
                "class_id": class_id,
                "user_id": user_id,
                "unit_id": self.people.unit_of[user_id],
                "status": "withdrawn",
                "source": "assigned",
                "created_at": utc(day - timedelta(days=20)),
                "queued_at": utc(day - timedelta(days=20)),
                "enrolled_on": day - timedelta(days=20),
                "withdrawn_at": utc(day - timedelta(days=3)),
                "promoted_at": None,
                "promotion_seen": True,
                "outcome": None,
                "outcome_at": None,
                "attended_count": 0,
                "excused_count": 0,
                "absent_count": 0,
            },
        )


def certificate_row(
    writer: Writer,
    *,
    enrollment_id,
    year,
    seq,
    person,
    unit_name,
    klass,
    program,
    settings,
    director_id,
    issued_on,
) -> dict:  # noqa: E501
    """A frozen certificate without its PDF (rendered on first download)."""
    name, birth = person
    row = {
        "id": writer.new_id(Certificate.__table__),
        "enrollment_id": enrollment_id,
        "year": year,
        "seq": seq,
        "register_number": settings.register_format.format(seq=seq, year=year),
        "verification_code": secrets.token_urlsafe(24),
        "full_name": name,
        "date_of_birth": birth,
        "unit_name": unit_name,
        "class_code": klass["code"],
        "class_title": klass["title"],
        "program_name": program.name,
        "start_date": klass["days"][0],
        "end_date": klass["days"][-1],
        "result": "Hoàn thành",
        "signer_title": settings.signer_title,
        "signer_name": settings.signer_name,
        "place": settings.place,
        "issued_on": issued_on,
        "issued_at": utc(issued_on),
        "issued_by_id": director_id,
        "pdf": None,
        "revoked_at": None,
        "revoked_by_id": None,
        "revoke_reason": None,
        "replaces_id": None,
    }
    writer.add(Certificate.__table__, row)
    return row


def set_counter(year: int, last_seq: int) -> None:
    db.session.add(CertificateCounter(year=year, last_seq=last_seq))
