from datetime import date

from lms.core.formatting import fmt_date, fmt_number, fmt_percent, long_date
from lms.core.text import fold, nfc, vn_sort_key


def test_dates_have_four_digit_years():
    assert fmt_date(date(2019, 1, 5)) == "05/01/2019"
    assert long_date(date(2019, 1, 5)) == "ngày 05 tháng 01 năm 2019"


def test_numbers_use_vietnamese_grouping(app):
    with app.test_request_context():
        assert fmt_number(16837) == "16.837"
        assert fmt_percent(117) == "117%"
        assert fmt_percent(None) == "—"


def test_fold_ignores_diacritics():
    assert fold("Nguyễn Thị Ánh") == "nguyen thi anh"
    assert fold("Bồi dưỡng Đảng viên") == "boi duong dang vien"


def test_nfc_joins_decomposed_text():
    decomposed = "Nguye\u0302\u0303n"
    assert nfc(decomposed) == "Nguyễn"


def test_vietnamese_sort_is_by_given_name_then_alphabet():
    names = [
        "Trần Văn Đức",
        "Nguyễn Thị Anh",
        "Lê Văn Dũng",
        "Phạm Thị Ánh",
        "Hoàng Văn Bình",
        "Vũ Thị Ân",
    ]
    ordered = sorted(names, key=vn_sort_key)
    assert ordered == [
        "Nguyễn Thị Anh",
        "Phạm Thị Ánh",
        "Vũ Thị Ân",
        "Hoàng Văn Bình",
        "Lê Văn Dũng",
        "Trần Văn Đức",
    ]
