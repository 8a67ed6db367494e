"""Marking when the hall's network drops (issue 17, tests 4c and 4d): the roster opened online
keeps working offline (service worker + IndexedDB), survives a reload and a closed tab, and
sends each mark exactly once when the network returns; a conflicting mark from a second device
is kept in the audit log and shown."""

import threading

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance, OfflineMark
from lms.core.models import AuditLog
from lms.core.types import utcnow
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now
from tests.e2e.conftest import shot, sign_in


@pytest.fixture
def hall(make):
    day, starts, ends = session_times_around_now(started_minutes_ago=5)
    instructor = make.instructor(username="giangvien", full_name="Lê Thị Thu Hà")
    klass = make.klass(title="Hội nghị quán triệt Nghị quyết", start_date=day,
                       instructors=[instructor])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    unit = make.unit(name="Đảng bộ phường Hoàng Liệt")
    enrollments = [
        make.enrollment(klass, make.trainee(full_name=f"Nguyễn Văn Học {i:02d}", unit=unit))
        for i in range(60)
    ]
    db.session.commit()
    return session, instructor, enrollments


class RequestLog:
    """The paths the server was asked for: while the browser is offline, none may arrive."""

    def __init__(self, app):
        self.paths: list[str] = []
        self.lock = threading.Lock()
        inner = app.wsgi_app

        def logged(environ, start_response):
            with self.lock:
                self.paths.append(environ.get("PATH_INFO", ""))
            return inner(environ, start_response)

        app.wsgi_app = logged


def waiting(page) -> str:
    box = page.locator("[data-offline-waiting]")
    return box.inner_text() if box.is_visible() else ""


def open_roster(page, url):
    page.goto(url)
    page.wait_for_selector("form[data-roster][data-offline-ready]")  # kept on the device


def tap(page, enrollment_id, status):
    page.locator(f'label.seg-{status}:has(input[name="s-{enrollment_id}"])').click()


def test_fifty_marks_made_offline_survive_reload_and_closing_and_arrive_once(
    app, live_server, browser_page, hall
):
    session, _instructor, enrollments = hall
    requests = RequestLog(app)
    page = browser_page("phone")
    context = page.context
    sign_in(page, live_server.url, "giangvien")
    url = f"{live_server.url}/sessions/{session.id}/attendance"
    open_roster(page, url)

    context.set_offline(True)
    page.wait_for_selector("[data-offline-note]:visible")
    before = len(requests.paths)
    marked = enrollments[:50]
    for enrollment in marked:
        tap(page, enrollment.id, "present")
    page.wait_for_selector('[data-offline-waiting][data-waiting="50"]', state="attached")
    assert waiting(page) == "50 điểm danh chờ gửi"
    shot(page, "offline-roster-1-fifty-waiting")

    page.reload()  # offline: the service worker's copy
    page.wait_for_selector('[data-offline-waiting][data-waiting="50"]', state="attached")
    assert page.locator('input[type=radio][value="present"]:checked').count() == 50
    assert page.locator('[data-count="unmarked"]').inner_text() == "10"

    page.close()  # the tab closed, then opened again, still without network
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-offline-waiting][data-waiting="50"]', state="attached")
    assert waiting(page) == "50 điểm danh chờ gửi"
    # Nothing reached the server while offline, except, at times, the browser's own update
    # check of the service worker's script: Playwright's set_offline() does not cover the
    # service worker's fetches (microsoft/playwright#2311); a device without network sends none.
    reached = [p for p in requests.paths[before:] if p != "/sessions/offline-sw.js"]
    assert reached == []
    shot(page, "offline-roster-2-reopened-offline")

    context.set_offline(False)
    page.wait_for_selector("[data-offline-sent]:visible", timeout=30_000)
    assert page.locator("[data-offline-sent]").inner_text() == (
        "Đã gửi: 50 điểm danh thực hiện khi không có mạng.")
    assert not page.locator("[data-offline-waiting]").is_visible()
    assert requests.paths.count(f"/sessions/{session.id}/attendance/sync") >= 1
    shot(page, "offline-roster-3-sent")

    db.session.expire_all()
    rows = db.session.execute(
        select(Attendance.enrollment_id, Attendance.status)
        .where(Attendance.session_id == session.id)).all()
    assert sorted(rows) == sorted((e.id, "present") for e in marked)
    assert db.session.scalar(select(func.count()).select_from(OfflineMark)) == 50
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.method == "offline")) == 50
    # opened again online: the page shows the server's marks, nothing waits
    page.reload()
    assert page.locator('[data-count="present"]').inner_text() == "50"
    assert not page.locator("[data-offline-waiting]").is_visible()


def test_a_later_mark_from_a_second_device_wins_and_the_offline_one_is_shown(
    live_server, browser_page, hall
):
    session, _instructor, enrollments = hall
    first = enrollments[0]
    url = f"{live_server.url}/sessions/{session.id}/attendance"
    door = browser_page("phone")
    sign_in(door, live_server.url, "giangvien")
    open_roster(door, url)
    door.context.set_offline(True)
    door.wait_for_selector("[data-offline-note]:visible")
    tap(door, first.id, "present")
    door.wait_for_selector('[data-offline-waiting][data-waiting="1"]', state="attached")

    desk = browser_page("desktop")  # a second device, online, marks the same person later
    sign_in(desk, live_server.url, "giangvien")
    desk.goto(url)
    tap(desk, first.id, "absent")
    desk.get_by_role("button", name="Lưu điểm danh").click()
    desk.wait_for_selector(".flash-success")

    door.context.set_offline(False)
    door.wait_for_selector("#superseded", timeout=30_000)
    assert door.locator("[data-superseded-note]").inner_text() == (
        "1 điểm danh thực hiện khi không có mạng đã bị thay bởi điểm danh sau: xem danh sách.")
    table = door.locator(".superseded-table")
    assert "Nguyễn Văn Học 00" in table.inner_text()
    assert "Có mặt" in table.inner_text()
    assert "Vắng không phép" in table.inner_text()
    log = door.locator(".audit-table").inner_text()
    assert "bị thay bởi điểm danh sau" in log
    assert "Không có mạng, gửi sau" in log
    shot(door, "offline-roster-4-superseded")

    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status).where(
        Attendance.enrollment_id == first.id)) == "absent"
    methods = db.session.execute(select(AuditLog.method, AuditLog.old_value, AuditLog.new_value)
                                 .order_by(AuditLog.id)).all()
    assert methods == [("roster", None, "absent"), ("offline", "present", "absent")]


def test_a_save_the_network_loses_while_the_browser_says_online_is_kept_and_sent_once(
    app, live_server, browser_page, hall
):
    """The hall's Wi-Fi is connected but reaches nothing: navigator.onLine stays true, the
    save's POST gets no answer. The marks of that save wait on the device, survive a reload,
    and are sent once the network answers again."""
    session, _instructor, enrollments = hall
    page = browser_page("phone")
    sign_in(page, live_server.url, "giangvien")
    url = f"{live_server.url}/sessions/{session.id}/attendance"
    open_roster(page, url)

    def no_answer(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    attendance_posts = f"**/sessions/{session.id}/attendance**"  # the save and the sync
    page.route(attendance_posts, no_answer)
    marked = enrollments[:10]
    for enrollment in marked:
        tap(page, enrollment.id, "present")
    saved_at = utcnow()
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_selector('[data-offline-waiting][data-waiting="10"]', state="attached")
    assert page.evaluate("navigator.onLine") is True
    assert waiting(page) == "10 điểm danh chờ gửi"
    assert page.locator("[data-offline-lost]").inner_text().startswith("Mất kết nối")
    assert not page.locator("[data-offline-note]").is_visible()  # the browser is not offline
    assert page.locator('[data-count="changed"]').inner_text() == "0"  # none lost: all queued
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    shot(page, "network-lost-1-ten-waiting")

    page.reload()  # still no answer to the page's POSTs: still waiting, on the device
    page.wait_for_selector('[data-offline-waiting][data-waiting="10"]', state="attached")
    page.wait_for_selector("[data-offline-lost]:visible")  # the send on opening got no answer
    assert page.locator('input[type=radio][value="present"]:checked').count() == 10
    shot(page, "network-lost-2-reloaded")

    page.unroute(attendance_posts)  # the network answers again: the retry sends them
    page.wait_for_selector("[data-offline-sent]:visible", timeout=30_000)
    assert page.locator("[data-offline-sent]").inner_text() == (
        "Đã gửi: 10 điểm danh thực hiện khi không có mạng.")
    assert not page.locator("[data-offline-waiting]").is_visible()
    assert not page.locator("[data-offline-lost]").is_visible()
    shot(page, "network-lost-3-sent")

    db.session.expire_all()
    rows = db.session.execute(
        select(Attendance.enrollment_id, Attendance.status)
        .where(Attendance.session_id == session.id)).all()
    assert sorted(rows) == sorted((e.id, "present") for e in marked)
    offline_marks = db.session.execute(select(OfflineMark.enrollment_id, OfflineMark.outcome,
                                              OfflineMark.marked_at)).all()
    assert sorted((m.enrollment_id, m.outcome) for m in offline_marks) == sorted(
        (e.id, "applied") for e in marked)
    assert all(m.marked_at < saved_at for m in offline_marks)  # the time of each tap
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.method == "offline")) == 10


def test_a_save_the_server_refuses_is_shown_and_not_queued(live_server, browser_page, hall):
    """An answer is not a lost network: the server's refusal page (here a stale form token,
    answered 400) is shown as the plain form shows it, and nothing waits on the device."""
    session, _instructor, enrollments = hall
    page = browser_page("desktop")
    sign_in(page, live_server.url, "giangvien")
    url = f"{live_server.url}/sessions/{session.id}/attendance"
    open_roster(page, url)
    page.locator('#roster-form input[name="csrf_token"]').evaluate("(el) => { el.value = 'x'; }")
    for enrollment in enrollments[:3]:
        tap(page, enrollment.id, "present")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Lưu điểm danh").click()
    assert answer.value.status == 400
    page.wait_for_selector("text=Không hiểu được yêu cầu. Hãy tải lại trang và thử lại.")
    assert page.locator("#roster-form").count() == 0
    shot(page, "network-lost-4-refusal-shown")
    page.goto(url)
    assert not page.locator("[data-offline-waiting]").is_visible()
    assert page.evaluate(
        f"OfflineQueue.list({session.id}).then((marks) => marks.length)") == 0


def test_a_save_without_an_answer_in_eight_seconds_is_kept_on_the_device(
    live_server, browser_page, hall
):
    """The hall's Wi-Fi that accepts the request and never answers: after 8 s the marks of
    the save wait on the device instead of a page that never comes."""
    session, _instructor, enrollments = hall
    page = browser_page("phone")
    sign_in(page, live_server.url, "giangvien")
    url = f"{live_server.url}/sessions/{session.id}/attendance"
    open_roster(page, url)
    held = []  # the POSTs, never answered
    page.route(f"**/sessions/{session.id}/attendance**", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    for enrollment in enrollments[:3]:
        tap(page, enrollment.id, "late")
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_timeout(6_000)
    assert not page.locator("[data-offline-waiting]").is_visible()  # still waiting for the answer
    page.wait_for_selector('[data-offline-waiting][data-waiting="3"]', state="attached",
                           timeout=5_000)
    assert waiting(page) == "3 điểm danh chờ gửi"
    assert page.locator("[data-offline-lost]").is_visible()
    assert len(held) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
