"""No page runs more SQL statements when it shows more rows (no N+1 anywhere).

Each big page is requested at a small size and at three times that size (trainees, sessions,
classes, users, certificates) and must run the same number of statements both times, within
a fixed ceiling. A lazy load in a loop (an N+1) adds statements at the bigger size and fails
here, long before it shows at province scale (bench/pages.py measures the time there).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from lms.certificates.services import issue_certificates
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now
from tests.query_counter import count_queries

N = 4  # the small size; the big one is 3 × N
PAST = date(2019, 10, 14)


@dataclass
class Page:
    """A page and the rows it shows; grow(k) adds k more rows of what the page lists."""

    user: object
    path: str
    grow: object
    state: dict = field(default_factory=dict)


def roster_page(make):
    instructor = make.instructor()
    day, starts, ends = session_times_around_now()
    klass = make.klass(start_date=day, instructors=[instructor])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    units = [make.unit(), make.unit()]

    def grow(k):
        for i in range(k):
            enrollment = make.enrollment(klass, make.trainee(unit=units[i % 2]))
            if i % 2:
                make.attendance(session, enrollment, status="present")

    return Page(instructor, f"/sessions/{session.id}/attendance", grow)


def class_roster_page(make):
    instructor = make.instructor()
    klass = make.klass(instructors=[instructor])
    make.session(klass)

    def grow(k):
        for _ in range(k):
            make.enrollment(klass, make.trainee())

    return Page(instructor, f"/classes/{klass.id}/roster", grow)


def grid_page(make):
    """Grows both ways: k more trainees and k more sessions, every cell marked."""
    instructor = make.instructor()
    klass = make.klass(start_date=PAST, end_date=PAST + timedelta(days=60),
                       instructors=[instructor])
    sessions, enrollments = [], []

    def grow(k):
        for _ in range(k):
            sessions.append(make.session(klass, on_date=PAST + timedelta(days=len(sessions))))
            enrollments.append(make.enrollment(klass, make.trainee(), enrolled_on=PAST))
        for session in sessions:
            for enrollment in enrollments[-k:] if session not in sessions[-k:] else enrollments:
                make.attendance(session, enrollment, status="present")

    return Page(instructor, f"/classes/{klass.id}/attendance", grow)


def class_list_page(make):
    director = make.director()
    teachers = [make.instructor(), make.instructor()]

    def grow(k):
        for i in range(k):
            klass = make.klass(instructors=teachers[: 1 + i % 2])
            make.session(klass)
            make.enrollment(klass)

    return Page(director, "/classes?year=all", grow)


def catalog_page(make):
    trainee = make.trainee()

    def grow(k):
        for _ in range(k):
            klass = make.klass(enrollment_mode="open", capacity=30)
            make.session(klass)
            make.enrollment(klass)

    return Page(trainee, "/classes/catalog", grow)


def report_page(make):
    director = make.director()
    program = make.program()

    def grow(k):
        for _ in range(k):
            klass = make.klass(program=program, start_date=PAST)
            session = make.session(klass)
            for _ in range(2):
                make.attendance(session, make.enrollment(klass), status="present")

    return Page(director, f"/reports/?year={PAST.year}", grow)


def my_classes_page(make):
    trainee = make.trainee()

    def grow(k):
        for i in range(k):
            start = date.today() + timedelta(days=3) if i % 2 else PAST
            klass = make.klass(start_date=start)
            session = make.session(klass)
            enrollment = make.enrollment(klass, trainee)
            if start == PAST:
                make.attendance(session, enrollment, status="present")

    return Page(trainee, "/my/classes", grow)


def my_attendance_page(make):
    trainee = make.trainee()

    def grow(k):
        for _ in range(k):
            klass = make.klass(start_date=PAST)
            make.attendance(make.session(klass), make.enrollment(klass, trainee))

    return Page(trainee, "/my/attendance", grow)


def _completed(make, klass, user=None):
    return make.enrollment(klass, user, outcome="completed", attended_count=1)


def class_certificates_page(make):
    make.settings()
    director = make.director()
    klass = make.klass(start_date=PAST)
    make.session(klass)

    def grow(k):
        enrollments = [_completed(make, klass) for _ in range(k)]
        issue_certificates(enrollments, actor=director, issued_on=PAST, render=False)

    return Page(director, f"/classes/{klass.id}/certificates", grow)


def certificates_overview_page(make):
    make.settings()
    director = make.director()

    def grow(k):
        for _ in range(k):
            klass = make.klass(start_date=PAST)
            issue_certificates([_completed(make, klass)], actor=director, issued_on=PAST,
                               render=False)

    return Page(director, "/certificates", grow)


def my_certificates_page(make):
    make.settings()
    director, trainee = make.director(), make.trainee()

    def grow(k):
        for _ in range(k):
            klass = make.klass(start_date=PAST)
            issue_certificates([_completed(make, klass, trainee)], actor=director,
                               issued_on=PAST, render=False)

    return Page(trainee, "/my/certificates", grow)


def user_list_page(make):
    admin = make.admin()
    units = [make.unit(), make.unit()]

    def grow(k):
        for i in range(k):
            make.trainee(unit=units[i % 2])

    return Page(admin, "/admin/users", grow)


def unit_list_page(make):
    admin = make.admin()
    parent = make.unit()

    def grow(k):
        for _ in range(k):
            make.trainee(unit=make.unit(parent=parent))

    return Page(admin, "/admin/units", grow)


def teaching_page(make):
    instructor = make.instructor()

    def grow(k):
        for _ in range(k):
            klass = make.klass(instructors=[instructor])
            make.session(klass)
            make.enrollment(klass)

    return Page(instructor, "/teaching", grow)


def verify_page(make):
    make.settings()
    director = make.director()
    klass = make.klass(start_date=PAST)
    page = Page(None, "", None)

    def grow(k):
        enrollments = [_completed(make, klass) for _ in range(k)]
        issued = issue_certificates(enrollments, actor=director, issued_on=PAST, render=False)
        page.path = page.path or f"/verify/{issued[0].verification_code}"

    page.grow = grow
    return page


# page → the most statements it may run (what it ran when this test was written, plus two;
# the director dashboard's report has more room while its counting changes).
PAGES = {
    "session roster": (roster_page, 9),
    "class roster": (class_roster_page, 8),
    "attendance grid": (grid_page, 8),
    "class list": (class_list_page, 7),
    "catalog": (catalog_page, 6),
    "director dashboard": (report_page, 16),
    "my classes": (my_classes_page, 7),
    "my attendance": (my_attendance_page, 4),
    "certificates of a class": (class_certificates_page, 8),
    "certificates overview": (certificates_overview_page, 4),
    "my certificates": (my_certificates_page, 4),
    "user list": (user_list_page, 6),
    "unit list": (unit_list_page, 5),
    "teaching": (teaching_page, 5),
    "verification": (verify_page, 3),
}


def statements_of(app, client, path) -> int:
    client.get(path)  # first: fills per-process caches (settings, translations)
    with count_queries(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


@pytest.mark.parametrize("name", PAGES)
def test_statements_do_not_grow_with_the_rows(name, app, client, login, make):
    build, ceiling = PAGES[name]
    page = build(make)
    page.grow(N)
    db.session.commit()
    if page.user is not None:
        login(page.user)
    small = statements_of(app, client, page.path)
    page.grow(2 * N)
    db.session.commit()
    big = statements_of(app, client, page.path)
    print(f"{name}: {small} statements at {N} rows, {big} at {3 * N}")
    assert big == small, f"{name}: {small} statements at {N} rows but {big} at {3 * N}"
    assert big <= ceiling, f"{name}: {big} statements, more than {ceiling}"
