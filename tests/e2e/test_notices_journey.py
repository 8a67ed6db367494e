"""A trainee promoted from the waitlist finds the notice on their home page (the dashboard),
opens the class from it, and marks it read; the director finds it in the outbox."""

from lms.enrollment import services
from lms.extensions import db
from tests.e2e.conftest import shot, sign_in


def test_a_promotion_notice_on_the_dashboard(live_server, browser_page, make):
    klass = make.klass(capacity=1, title="Lớp Bồi dưỡng lý luận chính trị")
    first, second = make.trainee(), make.trainee(username="hoa", full_name="Ngô Thị Hoa")
    make.director(username="giamdoc")
    mine = services.enrol_self(klass, actor=first)
    services.enrol_self(klass, actor=second)
    services.withdraw(mine, actor=first)
    db.session.commit()

    page = browser_page("phone")
    sign_in(page, live_server.url, "hoa")
    page.goto(live_server.url + "/")
    notices = page.locator(".home-notices")
    promotion = notices.get_by_role("status").filter(has_text="Tin vui")
    assert "Tin vui: bạn đã có chỗ trong lớp Lớp Bồi dưỡng lý luận chính trị" in (
        promotion.inner_text()
    )
    shot(page, "notices-promotion-home")

    promotion.get_by_role("link", name="Mở trang lớp").click()
    page.wait_for_load_state()
    assert "Lớp Bồi dưỡng lý luận chính trị" in page.locator("h1").inner_text()

    page.goto(live_server.url + "/")
    promotion.get_by_role("button", name="Đánh dấu đã đọc").click()
    page.wait_for_load_state()
    assert notices.get_by_text("Tin vui").count() == 0
    page.goto(live_server.url + "/notices")
    assert page.get_by_text("Tin vui: bạn đã có chỗ").count() == 1  # kept, read
    shot(page, "notices-list")

    # The director's outbox: with e-mail off the notice is on the dashboard only.
    desk = browser_page("desktop")
    sign_in(desk, live_server.url, "giamdoc")
    desk.goto(live_server.url + "/notices/outbox?kind=promoted")
    row = desk.locator("tbody tr").filter(has_text="Ngô Thị Hoa")
    assert row.count() == 1
    assert "Chỉ trên trang chủ" in row.inner_text()
    assert "không gửi e-mail" in row.inner_text()
    shot(desk, "notices-outbox")
