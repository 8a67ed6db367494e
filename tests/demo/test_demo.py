"""The demo center: the story year computes as the article says; the current year has work."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.classes.models import Class, ClassSession, class_instructors
from lms.demo import MIN_POPULATION, MIN_SCALE, DemoRefused, load_demo
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.reports.models import PlanRevision
from lms.reports.report import compute_report


@pytest.fixture
def demo(app):
    load_demo(echo=lambda *_: None)
    return app


def scalar(query):
    return db.session.scalar(query)


def test_the_2019_report_tells_the_story(demo):
    report = compute_report(2019)
    total = report.total
    assert total.held_classes == 63
    assert total.trainee_attendances == 16_837
    assert total.attendances_pct == 117
    assert report.conferences.held_classes == 51
    assert report.conferences.trainee_attendances * 100 > 97 * report.conferences.enrolled
    assert total.unique_trainees < total.trainee_attendances
    assert 0 < total.certificates <= total.completions


def test_rollups_match_the_attendance_rows(demo):
    attended = select(func.count()).where(Attendance.status.in_(("present", "late")))
    assert scalar(attended) == scalar(select(func.sum(Enrollment.attended_count)))
    assert scalar(select(func.count()).select_from(Attendance)) == scalar(
        select(func.sum(ClassSession.marked_count))
    )
    enrolled = select(func.count()).where(Enrollment.status == "enrolled")
    assert scalar(enrolled) == scalar(select(func.sum(Class.enrolled_count)))


def test_names_keep_their_diacritics_and_one_password(demo):
    names = db.session.scalars(select(User.full_name).limit(200)).all()
    assert any(set(n) & set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ") for n in names)
    hashes = scalar(select(func.count(func.distinct(User.password_hash))))
    assert hashes == 1


def test_the_current_year_gives_every_role_something_to_do(demo):
    today = date.today()
    instructor = scalar(select(User).where(User.username == "instructor"))
    trainee = scalar(select(User).where(User.username == "trainee"))
    today_classes = select(ClassSession.class_id).where(ClassSession.on_date == today)
    taught = select(class_instructors.c.class_id).where(
        class_instructors.c.user_id == instructor.id,
        class_instructors.c.class_id.in_(today_classes),
    )
    assert scalar(select(func.count()).select_from(taught.subquery())) == 1
    mine = select(func.count()).where(
        Enrollment.user_id == trainee.id, Enrollment.class_id.in_(today_classes)
    )
    assert scalar(mine) >= 1
    assert scalar(select(func.count()).where(Enrollment.user_id == trainee.id)) >= 3
    unmarked_past = select(func.count()).where(
        ClassSession.on_date < today,
        ClassSession.marked_count == 0,
        ClassSession.cancelled_at.is_(None),
    )
    assert scalar(unmarked_past) >= 1
    open_next = select(func.count()).where(
        Class.enrollment_mode == "open", Class.start_date > today,
    )
    assert scalar(open_next) >= 1
    waiting = (
        select(func.count())
        .select_from(Enrollment)
        .join(Class, Class.id == Enrollment.class_id)
        .outerjoin(Certificate, Certificate.enrollment_id == Enrollment.id)
        .where(
            Enrollment.outcome == "completed",
            Class.closed_at.is_not(None),
            Certificate.id.is_(None),
        )
    )
    assert scalar(waiting) > 0
    assert scalar(select(func.count()).select_from(PlanRevision)) > 0
    assert compute_report(today.year).total.held_classes > 0


def test_the_demo_needs_an_empty_database(demo):
    with pytest.raises(DemoRefused):
        load_demo(echo=lambda *_: None)


def test_a_larger_year_for_benchmarks(app):
    load_demo(year=2018, years=2, scale=0.3, seed=7, echo=lambda *_: None)
    for year in (2017, 2018):
        total = compute_report(year).total
        assert total.held_classes == round(51 * 0.3) + 3
        assert total.trainee_attendances == round(16_837 * 0.3)
    assert compute_report(2019).total.held_classes == 0


def _month_ends(year: int) -> list[date]:
    days = []
    for month in range(1, 13):
        days.append(date(year, month, 1))
        following = date(year + (month == 12), month % 12 + 1, 1)
        days.append(following - timedelta(days=1))
    return days


@pytest.mark.parametrize("today", _month_ends(2026), ids=str)
def test_the_demo_builds_on_any_day_of_the_year(app, today):
    """The current-year part is placed relative to the day it is loaded: on the first and last
    day of every month it builds at the smallest size (no one enrolled twice in a class, no
    class closed before it ended) and its counters agree with its rows."""
    load_demo(scale=MIN_SCALE, population=MIN_POPULATION, today=today, echo=lambda *_: None)
    pairs = select(Enrollment.class_id, Enrollment.user_id).distinct().subquery()
    assert scalar(select(func.count()).select_from(pairs)) == scalar(
        select(func.count()).select_from(Enrollment)
    )
    closed_early = select(func.count()).where(
        Class.closed_at.is_not(None), Class.end_date >= today
    )
    assert scalar(closed_early) == 0
    assert scalar(select(func.count()).where(Certificate.issued_on > today)) == 0
    attended = select(func.count()).where(Attendance.status.in_(("present", "late")))
    assert scalar(attended) == scalar(select(func.sum(Enrollment.attended_count)))
    taught_today = select(func.count()).where(ClassSession.on_date == today)
    assert scalar(taught_today) >= 1
    assert compute_report(2019).total.held_classes == round(51 * MIN_SCALE) + 3


@pytest.mark.parametrize(("scale", "population"), [(0.01, None), (MIN_SCALE, 100)])
def test_a_demo_too_small_to_build_is_refused_with_a_reason(app, scale, population):
    with pytest.raises(DemoRefused, match="at least"):
        load_demo(scale=scale, population=population, echo=lambda *_: None)
