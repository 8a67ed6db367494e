"""Scanning cards when the hall's network drops (issue 17, point 3, the scan page): the scan
page opened online keeps answering offline from the session's cards kept in it, queues each
scan on the device (IndexedDB), survives a reload and a closed tab without network, and sends
each scan exactly once when the network returns, recorded present and audited how "scan".
A scan whose request fails while the browser believes it is online is queued, not lost."""

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance, OfflineMark
from lms.cards.services import issue_cards
from lms.core.actors import SYSTEM
from lms.core.models import AuditLog
from lms.extensions import db
from tests.e2e.conftest import scan_door, shot, sign_in
from tests.e2e.test_offline_roster import RequestLog


@pytest.fixture
def door(make):
    _day, _klass, session, _unit, trainees, enrollments, outsider = scan_door(
        make, [f"Nguyễn Thị Quét {i:02d}" for i in range(8)])
    db.session.flush()
    cards = issue_cards([*trainees, outsider], actor=SYSTEM)
    db.session.commit()
    return session, trainees, enrollments, cards, outsider


def open_scan(page, url):
    page.goto(url)
    page.wait_for_selector("#scan-form[data-offline-ready]")  # kept on the device


def type_number(page, number):
    page.get_by_label("Số thẻ").fill(number)
    page.get_by_role("button", name="Ghi nhận").click()


def waiting(page):
    return page.locator("[data-offline-waiting]")


def test_five_cards_typed_offline_survive_reload_and_arrive_once(
    app, live_server, browser_page, door
):
    session, trainees, enrollments, cards, outsider = door
    requests = RequestLog(app)
    page = browser_page("phone")
    context = page.context
    sign_in(page, live_server.url, "giangvien")
    url = f"{live_server.url}/sessions/{session.id}/scan"
    open_scan(page, url)

    context.set_offline(True)
    page.wait_for_selector("[data-offline-note]:visible")
    before = len(requests.paths)
    answer = page.locator("#scan-answer")
    for trainee in trainees[:5]:
        number = cards[trainee.id].number
        type_number(page, f"{number[:4]} {number[4:]}")
        name = trainee.full_name
        page.wait_for_selector(f'#scan-answer[data-kind="saved"] .scan-name:text-is("{name}")')
        assert answer.locator(".scan-message").inner_text() == (
            "Có mặt. Đã lưu trên máy này, sẽ gửi khi có mạng.")
    shot(page, "offline-scan-1-saved")
    type_number(page, cards[trainees[0].id].number)  # the same card again: queued once
    page.wait_for_selector('#scan-answer[data-kind="already"]')
    assert answer.locator(".scan-message").inner_text() == (
        "Đã lưu trên máy này rồi: sẽ chỉ gửi một lần.")
    type_number(page, cards[outsider.id].number)  # another class's card: not queued
    page.wait_for_selector('#scan-answer[data-kind="not_in_class"]')
    assert answer.locator(".scan-message").inner_text() == (
        "Không thuộc lớp này, hoặc thẻ chưa có trên máy này. Hãy kiểm tra thẻ.")
    page.wait_for_selector('[data-offline-waiting][data-waiting="5"]', state="attached")
    assert waiting(page).inner_text() == "5 điểm danh chờ gửi"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.reload()  # offline: the service worker's copy
    page.wait_for_selector('[data-offline-waiting][data-waiting="5"]', state="attached")
    assert waiting(page).inner_text() == "5 điểm danh chờ gửi"
    page.close()  # the tab closed, then opened again, still without network
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-offline-waiting][data-waiting="5"]', state="attached")
    # what the page needs came from the device: the QR decoder and the style sheet too
    assert page.evaluate("typeof window.jsQR") == "function"
    assert page.evaluate("getComputedStyle(document.querySelector('#scan-answer')).borderStyle")\
        != "none"
    shot(page, "offline-scan-2-reopened-offline")
    # (the service worker's own update check is not covered by set_offline(): see
    # test_offline_roster)
    assert [p for p in requests.paths[before:] if p != "/sessions/offline-sw.js"] == []

    context.set_offline(False)
    page.wait_for_selector("[data-offline-sent]:visible", timeout=30_000)
    assert page.locator("[data-offline-sent]").inner_text() == (
        "Đã gửi: 5 lần quét thẻ thực hiện khi không có mạng.")
    assert not waiting(page).is_visible()
    assert requests.paths.count(f"/sessions/{session.id}/attendance/sync") == 1
    assert page.locator("#scan-count").inner_text() == "5"  # recorded from this page
    shot(page, "offline-scan-3-sent")

    db.session.expire_all()
    rows = db.session.execute(
        select(Attendance.enrollment_id, Attendance.status)
        .where(Attendance.session_id == session.id)).all()
    assert sorted(rows) == sorted((e.id, "present") for e in enrollments[:5])
    audits = db.session.execute(
        select(AuditLog.object_id, AuditLog.method).where(AuditLog.session_id == session.id)
    ).all()
    assert sorted(audits) == sorted((e.id, "scan") for e in enrollments[:5])
    assert db.session.scalar(select(func.count()).select_from(OfflineMark)) == 5

    # online again: a card already sent answers "already marked" from the server
    type_number(page, cards[trainees[1].id].number)
    page.wait_for_selector('#scan-answer[data-kind="already"]')
    assert page.locator("#scan-answer .scan-message").inner_text() == "Đã điểm danh: Có mặt."
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 5


def test_a_scan_whose_request_fails_is_queued_and_sent_later(live_server, browser_page, door):
    session, trainees, enrollments, cards, _outsider = door
    # No service worker here: the page's own requests are what the test cuts.
    page = browser_page("phone", service_workers="block")
    sign_in(page, live_server.url, "giangvien")
    page.goto(f"{live_server.url}/sessions/{session.id}/scan")

    def cut(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/sessions/*/scan", cut)
    page.route("**/sessions/*/attendance/sync", lambda route: route.abort("internetdisconnected"))
    type_number(page, cards[trainees[6].id].number)  # navigator.onLine is still true
    page.wait_for_selector('#scan-answer[data-kind="saved"]')
    assert page.locator("#scan-answer .scan-name").inner_text() == trainees[6].full_name
    page.wait_for_selector('[data-offline-waiting][data-waiting="1"]', state="attached")
    assert page.locator("[data-offline-note]").is_visible()
    type_number(page, cards[trainees[7].id].number)  # the next one goes straight to the queue
    page.wait_for_selector('[data-offline-waiting][data-waiting="2"]', state="attached")
    shot(page, "offline-scan-4-request-failed")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0

    page.unroute("**/sessions/*/scan")
    page.unroute("**/sessions/*/attendance/sync")
    page.wait_for_selector("[data-offline-sent]:visible", timeout=30_000)  # the 20 s retry
    db.session.expire_all()
    rows = db.session.execute(
        select(Attendance.enrollment_id, Attendance.status)
        .where(Attendance.session_id == session.id)).all()
    assert sorted(rows) == sorted((e.id, "present") for e in enrollments[6:8])
