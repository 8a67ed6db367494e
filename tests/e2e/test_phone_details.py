"""Details that decide whether a page works on a phone or in an English browser: dates typed as
dd/mm/yyyy whatever the browser's language (the day echoed in words), the sticky save bar
never over the last rows, chart text readable at 360 px, and the director's day from the home
page through the class hub (close-out, then certificates) one click at a time."""

import re
from datetime import date

from lms.classes.models import Class
from lms.extensions import db
from tests.center import build_center
from tests.e2e.conftest import shot, sign_in


def test_dates_are_typed_dd_mm_yyyy_in_an_english_browser(live_server, browser_page, make):
    make.director(username="giamdoc")
    make.instructor(full_name="Trần Văn Giảng")
    make.program(name="Bồi dưỡng đảng viên mới")
    db.session.commit()
    page = browser_page("phone", locale="en-US")  # Chrome would show mm/dd/yyyy in a date input
    sign_in(page, live_server.url, "giamdoc")
    page.goto(live_server.url + "/classes/new")
    first = page.get_by_label("Ngày khai giảng")
    assert first.get_attribute("type") == "text"
    assert first.get_attribute("placeholder") == "dd/mm/yyyy"
    first.fill("7/12/2026")
    assert page.locator("#start_date-day").inner_text() == "Thứ Hai, 07/12/2026"
    page.get_by_label("Ngày bế giảng").fill("11.12.2026")
    assert first.input_value() == "07/12/2026"  # written out in full on leaving the field
    assert page.locator("#end_date-day").inner_text() == "Thứ Sáu, 11/12/2026"
    shot(page, "phone-date-fields")
    page.locator("[name=code]").fill("BDDV-2026-12")
    page.locator("[name=title]").fill("Lớp bồi dưỡng tháng 12")
    page.get_by_label("Trần Văn Giảng").check()
    page.get_by_role("button", name="Lưu").click()
    assert page.get_by_text("Đã lưu lớp học.").first.is_visible()
    klass = db.session.scalar(db.select(Class).where(Class.code == "BDDV-2026-12"))
    assert (klass.start_date, klass.end_date) == (date(2026, 12, 7), date(2026, 12, 11))

    with page.expect_navigation():
        page.locator(".lang-switch button").evaluate("button => button.click()")
    page.goto(f"{live_server.url}/classes/{klass.id}/edit")
    assert page.locator("#start_date-day").inner_text() == "Monday, 07/12/2026"
    page.get_by_label("First day").fill("13/12/2026")
    assert page.locator("#start_date-day").inner_text() == "Sunday, 13/12/2026"


def test_the_save_bar_never_covers_the_last_rows(live_server, browser_page, make):
    session, instructor, _enrollments = make.session_now(trainees=25)
    instructor.username = "giangvien"
    db.session.commit()
    page = browser_page("phone")
    sign_in(page, live_server.url, "giangvien")
    page.goto(f"{live_server.url}/sessions/{session.id}/attendance")
    bar = page.locator(".roster-save")
    last = page.locator(".roster-row").last
    for scroll in (
        lambda: last.evaluate("row => row.scrollIntoView({block: 'end'})"),
        lambda: last.locator("input[type=radio]").last.focus(),  # the keyboard's way there
    ):
        page.evaluate("window.scrollTo(0, 0)")
        scroll()
        row_bottom = last.evaluate("row => row.getBoundingClientRect().bottom")
        bar_top = bar.evaluate("bar => bar.getBoundingClientRect().top")
        assert row_bottom <= bar_top + 1, (row_bottom, bar_top)
    last.locator(".seg-present").click()  # the last row can be tapped: nothing over it
    assert last.locator("input[value=present]").is_checked()
    shot(page, "phone-roster-last-row")


def test_chart_text_is_at_least_11_px_on_a_phone(live_server, browser_page, make):
    build_center(make)
    page = browser_page("phone")
    sign_in(page, live_server.url, "giamdoc")
    page.goto(live_server.url + "/reports/")
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll("svg.chart text"))
      .map((t) => parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a)""")
    assert len(sizes) > 20
    assert min(sizes) >= 11, min(sizes)
    axis = page.locator("svg.chart").nth(1).locator("text[text-anchor=end]")
    ticks = [int(text.replace(".", "")) for text in axis.all_text_contents()]
    assert ticks[0] == 0
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1  # evenly spaced round ticks
    shot(page, "phone-dashboard-charts")


def test_the_directors_day_from_home_through_the_class_hub(live_server, browser_page, make):
    center = build_center(make)
    page = browser_page("desktop")
    page.on("dialog", lambda dialog: dialog.accept())  # "Close out this class?"
    sign_in(page, live_server.url, "giamdoc")
    shot(page, "director-home")
    waiting = page.locator("h3", has_text="Chờ kết thúc lớp").locator("xpath=following::ul[1]")
    waiting.get_by_role("link", name=center.waiting.title).click()
    assert page.get_by_text("có thể kết thúc lớp").is_visible()
    page.get_by_role("button", name="Kết thúc lớp").click()
    assert page.get_by_text(re.compile("Đã kết thúc lớp")).first.is_visible()
    shot(page, "hub-closed-out")
    page.get_by_role("button", name=re.compile(r"Cấp tất cả \(6\)")).click()
    page.get_by_text("Đã xong.").wait_for()
    page.goto(f"{live_server.url}/classes/{center.waiting.id}/hub")
    assert page.get_by_text("Hoàn thành: 6 · đã có giấy chứng nhận: 6 · đang chờ: 0").is_visible()
    page.goto(live_server.url + "/")
    todo = page.locator("section", has_text="Việc đang chờ")
    assert todo.get_by_role("link", name=center.waiting.title).count() == 0
