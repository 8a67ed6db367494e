"""A small world for the access tests: seven personas around one class.

Class A (enrolment by assignment, not open) is taught by `instructor`; `trainee` is enrolled
in it, has a mark, completed it, holds a certificate (its PDF not stored yet) and has
the news of a waitlist promotion to read; `other_trainee` and
`other_instructor` belong to class B; the director has started a job. Every endpoint's URL is
built from these objects (`world.url(rule)`).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.attendance.models import OfflineMark
from lms.certificates.services import issue_certificates
from lms.core.models import Job
from lms.core.types import utcnow
from lms.extensions import db

# A 1×1 PNG: the signature image the admin settings page shows.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4f30000000049454e44ae426082"
)
PERSONAS = (
    "anonymous",
    "trainee",
    "other_trainee",
    "instructor",
    "other_instructor",
    "director",
    "admin",
)
# The roles each persona holds (anonymous: none, and not signed in).
ROLES = {
    "anonymous": frozenset(),
    "trainee": frozenset({"trainee"}),
    "other_trainee": frozenset({"trainee"}),
    "instructor": frozenset({"instructor"}),
    "other_instructor": frozenset({"instructor"}),
    "director": frozenset({"director"}),
    "admin": frozenset({"admin"}),
}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # URL argument -> value

    def url(self, rule) -> str:
        missing = set(rule.arguments) - set(self.values)
        assert not missing, f"{rule.endpoint}: no value in the world for {missing}"
        values = {name: self.values[name] for name in rule.arguments}
        if "fmt" in values and rule.endpoint == "reports.export":
            values["fmt"] = "csv"
        return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def world(app, make, tmp_path) -> World:
    make.settings(signature_png=PNG)
    unit = make.unit(name="Phường Hoàng Liệt")
    trainee = make.trainee(full_name="Nguyễn Thị Lan", unit=unit)
    other_trainee = make.trainee(full_name="Trần Văn Bình")
    instructor = make.instructor(full_name="Lê Văn Giảng")
    other_instructor = make.instructor(full_name="Phạm Thị Dạy")
    director = make.director(full_name="Vũ Văn Giám")
    admin = make.admin(full_name="Đỗ Thị Quản")
    program = make.program()
    start = date.today() - timedelta(days=3)
    klass = make.klass(
        program=program, instructors=[instructor], enrollment_mode="assigned",
        start_date=start, code="LOP-A", title="Lớp A",
    )
    other = make.klass(program=program, instructors=[other_instructor], code="LOP-B")
    session = make.session(klass, on_date=start)
    make.session(other)
    enrollment = make.enrollment(klass, trainee, outcome="completed")
    make.enrollment(other, other_trainee)
    make.attendance(session, enrollment, "present")
    # As the demo loader leaves them: a certificate without its stored PDF, and the news of a
    # waitlist promotion not yet dismissed (neither may change on a GET).
    [cert] = issue_certificates([enrollment], actor=director, issued_on=start, render=False)
    enrollment.promoted_at, enrollment.promotion_seen = utcnow(), False
    result = tmp_path / "storage" / "result.zip"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    job = Job(
        id=str(uuid.uuid4()), kind="certificates.zip", status="done", params={},
        result_name="result.zip", result_path=str(result), created_by_id=director.id,
    )
    db.session.add(job)
    # A mark made offline after the session locked, waiting for the director (attendance).
    pending = OfflineMark(client_key=str(uuid.uuid4()), session_id=session.id,
                          enrollment_id=enrollment.id, status="present", note="",
                          marked_by_id=instructor.id, marked_at=utcnow(), outcome="pending")
    db.session.add(pending)
    db.session.commit()
    users = {
        "trainee": trainee,
        "other_trainee": other_trainee,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "director": director,
        "admin": admin,
    }
    values = {
        "class_id": klass.id,
        "session_id": session.id,
        "enrollment_id": enrollment.id,
        "cert_id": cert.id,
        "program_id": program.id,
        "unit_id": unit.id,
        "user_id": trainee.id,
        "job_id": job.id,
        "year": start.year,
        "token": trainee.calendar_token,
        "code": cert.verification_code,
        "fmt": "csv",
        "what": "zip",
        "filename": "css/app.css",
        "mark_id": pending.id,
        "decision": "reject",
    }
    return World(users=users, values=values)


@pytest.fixture
def client_as(app, world):
    """client_as(persona) -> a test client signed in as that persona (fresh sign-in), or
    anonymous. The session is written directly: a password hash per sign-in would be slow."""

    def build(persona: str):
        client = app.test_client()
        if persona != "anonymous":
            user = world.users[persona]
            now = int(time.time())
            with client.session_transaction() as session:
                session.update(
                    {"_user_id": user.session_token, "_fresh": True, "auth_at": now,
                     "seen_at": now}
                )
        return client

    return build


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table, read outside the test's session."""
    state = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            state[table.name] = (len(rows), digest)
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
