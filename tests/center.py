"""A small center with something on every page: the data of the page-by-page browser checks
(tests/e2e/test_every_page.py) and of the home-page and class-hub tests.

    center = build_center(make)        # in an app context; commits
    center.running.id, center.trainee.username, ...

Every role has work waiting: a class running today with marks missing at its first session,
a finished class closed out with a certificate issued and one still to issue, a finished class
waiting for close-out, a full class with the trainee third on its waitlist, a failed job, a plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from lms.attendance import checkin
from lms.attendance.closeout import close_out
from lms.certificates.services import issue_certificate
from lms.core.clock import local_now
from lms.core.models import Job
from lms.extensions import db
from lms.reports.services import save_plan
from tests.attendance.conftest import session_times_around_now

LONG_UNIT = "Chi bộ khu dân cư số 5 thuộc Đảng bộ phường Tân Mai quận Hoàng Mai thành phố Hà Nội"
NAMES = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Đặng Quốc Cường",
    "Lê Thị Thu Hà",
    "Phạm Minh Đức",
    "Vũ Thị Ánh",
)


@dataclass
class Center:
    director: object
    instructor: object
    admin: object
    trainee: object
    others: list
    district: object
    cell: object
    program: object
    running: object  # runs today: a session now, one held two days ago with marks missing
    held: object  # the session two days ago
    today: object  # the session now (check-in open)
    upcoming: object  # the session in two days
    finished: object  # closed out: the trainee's certificate issued, one other still waiting
    certificate: object
    waiting: object  # every session over, every mark in: waiting for close-out
    full: object  # open, one seat, the trainee third on the waitlist
    job: object  # the director's failed job


def build_center(make) -> Center:
    now = local_now()
    today = now.date()
    make.settings()
    district = make.unit(code="QHM", name="Quận ủy Hoàng Mai")
    ward = make.unit(code="PTM", name="Đảng ủy phường Tân Mai", parent_id=district.id)
    cell = make.unit(code="CB5", name=LONG_UNIT, parent_id=ward.id)
    make.unit(code="PDC", name="Đảng ủy phường Định Công", parent_id=district.id)
    director = make.director(username="giamdoc", full_name="Nguyễn Thế Thạch")
    instructor = make.instructor(username="giangvien", full_name="Trần Văn Giảng")
    admin = make.admin(username="quantri", full_name="Hoàng Văn Quản")
    trainee = make.trainee(username="hocvien", full_name="Ngô Thị Hoa", unit=cell)
    others = [make.trainee(full_name=name, unit=cell if n % 2 else ward)
              for n, name in enumerate(NAMES)]
    program = make.program(code="BDDV", name="Bồi dưỡng lý luận chính trị cho đảng viên mới")
    conference = make.program(
        code="HNQT", name="Hội nghị quán triệt nghị quyết, chỉ thị", kind="conference"
    )

    # A class running today.
    running = make.klass(
        program=program, code="BDDV-12", title="Lớp bồi dưỡng đảng viên mới khóa 12",
        start_date=today - timedelta(days=2), end_date=today + timedelta(days=2),
        instructors=[instructor], capacity=40, enrollment_mode="assigned",
    )
    held = make.session(running, on_date=today - timedelta(days=2), topic="Chuyên đề 1")
    day, starts, ends = session_times_around_now()
    now_session = make.session(
        running, on_date=day, starts_at=starts, ends_at=ends, topic="Chuyên đề 2"
    )
    upcoming = make.session(running, on_date=today + timedelta(days=2), topic="Chuyên đề 3")
    enrolled = [make.enrollment(running, person) for person in [trainee, *others]]
    for enrollment in enrolled[:3]:
        make.attendance(held, enrollment, "present")
    make.attendance(held, enrolled[3], "late")
    checkin.open_checkin(now_session, actor=instructor)

    # A finished class, closed out, with certificates.
    finished = make.klass(
        program=program, code="BDDV-11", title="Lớp bồi dưỡng đảng viên mới khóa 11",
        start_date=today - timedelta(days=40), end_date=today - timedelta(days=39),
        instructors=[instructor], enrollment_mode="assigned",
    )
    finished_sessions = [
        make.session(finished, on_date=finished.start_date + timedelta(days=n))
        for n in range(2)
    ]
    done = [make.enrollment(finished, person) for person in [trainee, *others[:3]]]
    for enrollment in done:
        for session in finished_sessions:
            # The last one missed the second day: 50%, below the rule (not completed).
            last = enrollment is done[-1] and session is finished_sessions[-1]
            make.attendance(session, enrollment, "absent" if last else "present")
    db.session.flush()
    close_out(finished, actor=director)
    certificate = issue_certificate(done[0], actor=director, base_url="http://lms.test/")

    # A finished conference waiting for close-out: every mark in.
    waiting = make.klass(
        program=conference, code="HNQT-03", title="Hội nghị quán triệt Nghị quyết số 03",
        start_date=today - timedelta(days=5), end_date=today - timedelta(days=5),
        enrollment_mode="assigned",
    )
    conference_session = make.session(
        waiting, on_date=waiting.start_date, starts_at=time(7, 30), ends_at=time(11, 0)
    )
    for person in others:
        make.attendance(conference_session, make.enrollment(waiting, person), "present")

    # A full class open to self-enrollment: the trainee third on its waitlist.
    full = make.klass(
        program=program, code="BDDV-13", title="Lớp bồi dưỡng đảng viên mới khóa 13",
        start_date=today + timedelta(days=20), end_date=today + timedelta(days=24), capacity=1,
    )
    make.session(full, on_date=full.start_date)
    make.enrollment(full, others[0])
    for n, person in enumerate([others[1], others[2], trainee]):
        make.enrollment(
            full, person, status="waitlisted", enrolled_on=None,
            queued_at=(now - timedelta(minutes=10 - n)),
        )

    job = Job(
        id="00000000-0000-4000-8000-000000000001", kind="certificates.zip", status="failed",
        params={"class_id": finished.id}, error="Disk full", created_by_id=director.id,
    )
    db.session.add(job)
    save_plan(today.year, program, {"planned_classes": 4, "planned_attendances": 60},
              actor=director)
    save_plan(today.year, conference, {"planned_classes": 2, "planned_attendances": 400},
              actor=director)
    db.session.commit()
    return Center(
        director=director, instructor=instructor, admin=admin, trainee=trainee, others=others,
        district=district, cell=cell, program=program, running=running, held=held,
        today=now_session, upcoming=upcoming, finished=finished, certificate=certificate,
        waiting=waiting, full=full, job=job,
    )
