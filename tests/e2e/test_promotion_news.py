"""A trainee promoted from the waitlist reads the news on "My classes" until they dismiss it:
opening the page (a GET) marks nothing read."""

from lms.enrollment import services
from lms.extensions import db
from tests.e2e.conftest import shot, sign_in


def test_promotion_news_stays_until_dismissed(live_server, browser_page, make):
    klass = make.klass(capacity=1, title="Lớp cập nhật kiến thức")
    first, second = make.trainee(), make.trainee(username="lan")
    mine = services.enrol_self(klass, actor=first)
    services.enrol_self(klass, actor=second)
    services.withdraw(mine, actor=first)
    db.session.commit()

    page = browser_page("phone")
    sign_in(page, live_server.url, "lan")
    page.goto(live_server.url + "/my/classes")
    news = page.get_by_role("status").filter(has_text="Tin vui")
    assert "Lớp cập nhật kiến thức" in news.inner_text()
    shot(page, "promotion-news")
    page.reload()
    assert news.count() == 1  # still there: reading is not dismissing
    news.get_by_role("button", name="Đã biết").click()
    page.wait_for_load_state()
    assert page.get_by_text("Tin vui").count() == 0
