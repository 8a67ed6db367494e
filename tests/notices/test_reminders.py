"""`flask lms send-reminders`: tomorrow's sessions to trainees (one message a day), missing
marks to instructors the day after; running it again sends nothing twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from lms.core.clock import local_today, local_zone
from lms.extensions import db
from lms.notices.models import Notice, NoticePreference
from lms.notices.scheduled import write_scheduled


@pytest.fixture
def app_config(app_config):
    return app_config | {"REMINDERS_FROM_HOUR": 0}


@pytest.fixture
def tomorrow_world(make):
    make.settings()
    tomorrow = local_today() + timedelta(days=1)
    teacher = make.instructor(email="gv@example.vn")
    klass = make.klass(
        start_date=tomorrow, title="Hội nghị quán triệt Nghị quyết", instructors=[teacher]
    )
    other = make.klass(start_date=tomorrow, title="Lớp cập nhật kiến thức")
    make.session(klass, on_date=tomorrow, starts_at=time(7, 30), ends_at=time(11, 0))
    make.session(klass, on_date=tomorrow, starts_at=time(13, 30), ends_at=time(16, 30))
    make.session(other, on_date=tomorrow, starts_at=time(18, 0), ends_at=time(20, 0))
    cancelled = make.session(other, on_date=tomorrow, starts_at=time(20, 0), ends_at=time(21, 0))
    cancelled.cancelled_at, cancelled.cancel_reason = cancelled.klass.created_at, "Hoãn"
    busy = make.trainee(full_name="Đặng Thị Thu", email="thu@example.vn")
    english = make.trainee(full_name="Hoàng Văn Minh", email="minh@example.vn", language="en")
    quiet = make.trainee(email="quiet@example.vn")
    waiting = make.trainee(email="waiting@example.vn")
    for person in (busy, english, quiet):
        make.enrollment(klass, person)
    make.enrollment(other, busy)
    make.enrollment(other, waiting, status="waitlisted")
    db.session.add(NoticePreference(user_id=quiet.id, reminders=False))
    db.session.commit()
    return {
        "busy": busy,
        "english": english,
        "quiet": quiet,
        "waiting": waiting,
        "teacher": teacher,
    }


def test_one_reminder_per_trainee_and_day_and_never_twice(app, mailbox, tomorrow_world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "send-reminders"])
    second = runner.invoke(args=["lms", "send-reminders"])

    assert first.exit_code == 0, first.output
    assert "2 reminders" in first.output
    assert "0 reminders" in second.output
    assert sorted(a for r in mailbox.received for a in r.rcpt_tos) == [
        "minh@example.vn",
        "thu@example.vn",
    ]
    [thu] = mailbox.to("thu@example.vn")
    assert thu.message["Subject"].startswith("Ngày mai, ")
    assert thu.message["Subject"].endswith(": 3 buổi học")  # the cancelled one left out
    assert "Hội nghị quán triệt Nghị quyết" in thu.text
    assert "Lớp cập nhật kiến thức" in thu.text
    [minh] = mailbox.to("minh@example.vn")
    assert minh.message["Subject"].endswith(": 2 sessions")
    # Opting out stops reminders only; nothing is written for them at all.
    quiet = tomorrow_world["quiet"]
    assert db.session.scalars(select(Notice).where(Notice.user_id == quiet.id)).all() == []


def test_missing_marks_go_to_the_instructors_the_day_after(app, make, mailbox):
    make.settings()
    yesterday = local_today() - timedelta(days=1)
    teacher = make.instructor(email="gv@example.vn", full_name="Lê Văn Giảng")
    klass = make.klass(start_date=yesterday, title="Lớp sơ cấp", instructors=[teacher])
    session = make.session(klass, on_date=yesterday)
    marked = make.enrollment(klass)
    make.enrollment(klass)
    make.enrollment(klass)
    make.attendance(session, marked, "present")
    done = make.klass(start_date=yesterday, instructors=[make.instructor(email="x@example.vn")])
    complete = make.session(done, on_date=yesterday)
    make.attendance(complete, make.enrollment(done), "present")
    db.session.commit()

    runner = app.test_cli_runner()
    assert runner.invoke(args=["lms", "send-reminders"]).exit_code == 0
    assert runner.invoke(args=["lms", "send-reminders"]).exit_code == 0

    [message] = mailbox.received
    assert message.rcpt_tos == ["gv@example.vn"]
    assert "Lớp sơ cấp" in message.text
    assert "2 học viên chưa được điểm danh" in message.text


def test_nothing_is_written_at_night(app, tomorrow_world):
    app.config["REMINDERS_FROM_HOUR"] = 7
    night = datetime.combine(local_today(), time(6, 59), tzinfo=local_zone())
    assert write_scheduled(night) == (0, 0)
    morning = night.replace(hour=7, minute=0)
    assert write_scheduled(morning)[0] == 2
