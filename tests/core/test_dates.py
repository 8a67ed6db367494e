"""Dates typed as people here write them (dd/mm/yyyy), whatever the browser's language."""

from datetime import date

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from lms.core.dates import DateField, day_in_words, document_date, parse_date
from lms.core.forms import Form


class DayForm(Form):
    class Meta:
        csrf = False

    day = DateField("Day")
    legacy = DateField("Legacy", accept_iso=True)


@pytest.mark.parametrize(
    "typed", ["07/12/2026", "7/12/2026", "07-12-2026", "07.12.2026", "07122026", " 7/12/2026 "]
)
def test_the_ways_people_type_a_day(typed):
    assert parse_date(typed) == date(2026, 12, 7)


@pytest.mark.parametrize("typed", ["12/31/2026", "31/02/2026", "7/12/26", "2026/12/07", "tomorrow"])
def test_what_is_not_a_day_is_refused(typed):
    with pytest.raises(ValueError):  # noqa: PT011  (the field turns it into its message)
        parse_date(typed)


def test_iso_only_where_the_field_used_to_be_a_date_input():
    assert parse_date("2026-12-07") == date(2026, 12, 7)
    with pytest.raises(ValueError):  # noqa: PT011
        parse_date("2026-12-07", iso=False)


def test_the_field_reads_and_writes_dd_mm_yyyy_and_says_the_day(app):
    with app.test_request_context():
        form = DayForm(MultiDict({"day": "7/12/2026", "legacy": "2026-12-07"}))
        assert form.validate()
        assert form.day.data == form.legacy.data == date(2026, 12, 7)
        html = str(form.day())
        assert 'value="07/12/2026"' in html  # written out in full
        assert 'type="text"' in html  # never type="date": Chrome in English shows mm/dd/yyyy
        assert 'inputmode="numeric"' in html
        assert form.day.day_in_words == "Thứ Hai, 07/12/2026"
        wrong = DayForm(MultiDict({"day": "2026-12-07"}))
        assert not wrong.validate()
        assert wrong.day.errors == ["Hãy viết ngày theo dạng dd/mm/yyyy."]
        assert 'value="2026-12-07"' in str(wrong.day())  # what was typed stays to be fixed


def test_day_in_words_and_document_dates_follow_the_language(app):
    with app.test_request_context():
        assert day_in_words(date(2026, 12, 7)) == "Thứ Hai, 07/12/2026"
        assert document_date(date(2019, 1, 5)) == "ngày 05 tháng 01 năm 2019"
        with force_locale("en"):
            assert day_in_words(date(2026, 12, 13)) == "Sunday, 13/12/2026"
            assert document_date(date(2019, 1, 5)) == "5 January 2019"


def test_the_form_macro_shows_the_day_under_a_date_field(app, client, login, make):
    director = make.director()
    klass = make.klass()
    login(director)
    page = client.get(f"/classes/{klass.id}/edit").text
    start = klass.start_date
    assert f'value="{start:%d/%m/%Y}"' in page
    assert 'id="start_date-day"' in page
    assert day_in_words_vi(start) in page


def day_in_words_vi(value: date) -> str:
    names = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
    return f"{names[value.weekday()]}, {value:%d/%m/%Y}"
