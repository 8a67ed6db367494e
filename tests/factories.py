"""Factories: each returns a saved row (flushed), with defaults that can be overridden.

def test_x(make):
    klass = make.klass(capacity=30)
    session = make.session(klass)
    enrollment = make.enrollment(klass)
"""

import itertools
from datetime import date, time, timedelta

from werkzeug.security import generate_password_hash

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.classes.models import Class, ClassSession, Program
from lms.core.models import CenterSettings
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.units.models import Unit

# One hash for every test user: scrypt per user would make the suite slow.
PASSWORD = "secret-pass"
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
_counter = itertools.count(1)


def _save(row):
    db.session.add(row)
    db.session.flush()
    return row


class Factories:
    def settings(self, **overrides) -> CenterSettings:
        row = db.session.get(CenterSettings, 1)
        if row is None:
            row = CenterSettings(
                id=1,
                parent_body="QUẬN ỦY HOÀNG MAI",
                center_name="TRUNG TÂM BỒI DƯỠNG CHÍNH TRỊ",
                place="Quận Hoàng Mai",
                signer_title="GIÁM ĐỐC",
                signer_name="Nguyễn Thế Thạch",
            )
        for key, value in overrides.items():
            setattr(row, key, value)
        return _save(row)

    def unit(self, **overrides) -> Unit:
        n = next(_counter)
        values = {"code": f"U{n}", "name": f"Đơn vị {n}"}
        values.update(overrides)
        return _save(Unit(**values))

    def user(
        self, *, roles=("trainee",), unit=None, password_hash=PASSWORD_HASH, **overrides
    ) -> User:
        n = next(_counter)
        values = {
            "username": f"user{n}",
            "full_name": f"Nguyễn Văn Thành {n}",
            "date_of_birth": date(1980, 1, 1),
        }
        values.update(overrides)
        user = User(**values)
        user.roles = set(roles)
        if unit is None and "trainee" in roles:
            unit = self.unit()
        user.unit = unit
        user.password_hash = password_hash
        return _save(user)

    def trainee(self, **overrides) -> User:
        return self.user(roles=("trainee",), **overrides)

    def instructor(self, **overrides) -> User:
        return self.user(roles=("instructor",), **overrides)

    def director(self, **overrides) -> User:
        return self.user(roles=("director",), **overrides)

    def admin(self, **overrides) -> User:
        return self.user(roles=("admin",), **overrides)

    def program(self, **overrides) -> Program:
        n = next(_counter)
        values = {"code": f"P{n}", "name": f"Bồi dưỡng đảng viên mới {n}", "kind": "course"}
        values.update(overrides)
        return _save(Program(**values))

    def klass(self, *, program=None, instructors=(), **overrides) -> Class:
        n = next(_counter)
        start = overrides.pop("start_date", date.today() + timedelta(days=7))
        values = {
            "code": f"L{n}",
            "title": f"Lớp bồi dưỡng {n}",
            "place": "Hội trường Trung tâm",
            "start_date": start,
            "end_date": start + timedelta(days=4),
            "enrollment_mode": "open",
        }
        values.update(overrides)
        klass = Class(program=program or self.program(), **values)
        klass.instructors = list(instructors)
        return _save(klass)

    def session(self, klass=None, **overrides) -> ClassSession:
        klass = klass or self.klass()
        values = {
            "on_date": klass.start_date,
            "starts_at": time(8, 0),
            "ends_at": time(11, 0),
            "topic": "Chuyên đề",
            "room": "Hội trường A",
        }
        values.update(overrides)
        return _save(ClassSession(klass=klass, **values))

    def session_now(self, trainees: int):
        """A class whose session is happening now (local time), its instructor and `trainees`
        enrolled trainees of one unit: (session, instructor, enrolments)."""
        from tests.attendance.conftest import session_times_around_now

        day, starts, ends = session_times_around_now()
        instructor = self.instructor()
        klass = self.klass(start_date=day, instructors=[instructor])
        session = self.session(klass, on_date=day, starts_at=starts, ends_at=ends)
        unit = self.unit()
        enrollments = [self.enrollment(klass, self.trainee(unit=unit)) for _ in range(trainees)]
        return session, instructor, enrollments

    def enrollment(self, klass=None, user=None, **overrides) -> Enrollment:
        klass = klass or self.klass()
        user = user or self.trainee()
        values = {"status": "enrolled", "source": "assigned", "enrolled_on": klass.start_date}
        values.update(overrides)
        enrollment = Enrollment(klass=klass, user=user, unit_id=user.unit_id, **values)
        if values["status"] == "enrolled":
            klass.enrolled_count += 1
        return _save(enrollment)

    def attendance(self, session, enrollment, status="present", **overrides) -> Attendance:
        """A raw attendance row (the database moves the counters); services should be used
        where they exist."""
        values = {"method": "roster"}
        values.update(overrides)
        row = _save(Attendance(
            session_id=session.id, enrollment_id=enrollment.id, status=status, **values
        ))
        db.session.expire(session, ["marked_count"])
        db.session.expire(enrollment, ["attended_count", "excused_count", "absent_count"])
        return row
