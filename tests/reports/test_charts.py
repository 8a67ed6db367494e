"""Charts that read on a phone and in both languages; the previous year without data is "—"."""

import re
from datetime import date

import pytest

from lms.extensions import db
from lms.reports.charts import PRINT, SCREEN, nice_ticks

PAST = date(2019, 10, 14)


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (6, [0, 2, 4, 6]),
        (1234, [0, 500, 1000, 1500]),
        (16837, [0, 5000, 10000, 15000, 20000]),
        (0, [0, 1]),
        (97, [0, 20, 40, 60, 80, 100]),
    ],
)
def test_axis_ticks_are_round(peak, ticks):
    assert nice_ticks(peak) == ticks


def test_the_screen_layout_keeps_text_readable_on_a_360_px_phone():
    # A 360 px phone leaves the chart about 310 px: a 360-unit drawing is scaled by 0.86.
    assert SCREEN.width == 360
    assert SCREEN.font * 310 / SCREEN.width >= 11
    assert PRINT.width == 640  # the PDF's 150 mm


def _held_class(make, program):
    klass = make.klass(program=program, start_date=PAST)
    session = make.session(klass)
    make.attendance(session, make.enrollment(klass), status="present")


def _dashboard(client, lang):
    client.post("/language", data={"lang": lang})
    return client.get(f"/reports/?year={PAST.year}").text


def test_months_are_named_in_the_page_language(client, login, make):
    program = make.program(name="Bồi dưỡng lý luận chính trị cho đảng viên mới")
    _held_class(make, program)
    director = make.director()
    db.session.commit()
    login(director)
    vi, en = _dashboard(client, "vi"), _dashboard(client, "en")
    months = re.compile(r">(T\d{1,2}|[A-Z][a-z]{2})</text>")
    assert months.findall(vi) == [f"T{m}" for m in range(1, 13)]
    assert months.findall(en) == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                  "Oct", "Nov", "Dec"]
    # Round ticks on the axis, and no chart text under 13 units (≥ 11 px on a phone).
    sizes = {int(size) for size in re.findall(r'<text [^>]*font-size="(\d+)"', vi)}
    assert min(sizes) >= 13


def test_a_previous_year_without_data_is_a_dash_not_zero(client, login, make):
    program = make.program()
    _held_class(make, program)
    director = make.director()
    db.session.commit()
    login(director)
    page = client.get(f"/reports/?year={PAST.year}").text
    assert f"{PAST.year - 1}: —" in page
    assert f"{PAST.year - 1}: 0" not in page
    later = client.get(f"/reports/?year={PAST.year + 1}").text
    assert f"{PAST.year}: 1" in later  # a year with figures shows them
