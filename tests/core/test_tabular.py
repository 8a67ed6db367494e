"""Uploaded tables: type by content, limits before parsing, every problem explained."""

import io

import pytest
from openpyxl import load_workbook

from lms.core.exports import Sheet, csv_bytes, neutralise, xlsx_bytes
from lms.core.tabular import TableError, parse_date, read_table
from tests.hostile_files import billion_laughs, xlsx, zip_bomb


def test_csv_with_bom_and_semicolons(app):
    data = "\ufeffusername;full_name\nhoa;Ngô Thị Hoa\n".encode()
    table = read_table(data, required=("username", "full_name"))
    assert table.rows == [(2, {"username": "hoa", "full_name": "Ngô Thị Hoa"})]


def test_xlsx_is_read_by_content_whatever_the_name(app):
    table = read_table(
        xlsx([["Username", "Full_Name"], ["hoa", "Ngô Thị Hoa"]]),
        required=("username", "full_name"),
    )
    assert table.rows[0][1]["full_name"] == "Ngô Thị Hoa"


def test_decomposed_unicode_is_stored_as_nfc(app):
    data = "username,full_name\nhoa,Nguye\u0302\u0303n\n".encode()
    assert read_table(data, required=("username", "full_name")).rows[0][1]["full_name"] == "Nguyễn"


def test_missing_and_unknown_columns_are_listed(app):
    with pytest.raises(TableError) as error:
        read_table(b"username,colour\nhoa,red\n", required=("username", "full_name"))
    assert {(e.row, e.column) for e in error.value.errors} == {(1, "full_name"), (1, "colour")}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("username\nNgô\n".encode("cp1258"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "CSV"),
        (b"", "Tệp trống"),
        (b"PK\x03\x04not really a zip", "XLSX"),
    ],
)
def test_unreadable_files_get_a_clear_message(app, data, words):
    with pytest.raises(TableError) as error:
        read_table(data, required=("username",))
    assert words in str(error.value)


def test_zip_bomb_is_refused_before_parsing(app):
    with pytest.raises(TableError) as error:
        read_table(zip_bomb(), required=("username",))
    assert "quá lớn" in str(error.value)


def test_billion_laughs_is_refused(app):
    with pytest.raises(TableError) as error:
        read_table(billion_laughs(), required=("username",))
    assert "Không đọc được" in str(error.value)


def test_too_many_rows_are_refused(app):
    app.config["IMPORT_MAX_ROWS"] = 5
    data = ("username\n" + "\n".join(f"u{i}" for i in range(10))).encode()
    with pytest.raises(TableError) as error:
        read_table(data, required=("username",))
    assert "5" in str(error.value)


def test_dates_in_the_forms_people_type():
    assert str(parse_date("05/01/2019")) == "2019-01-05"
    assert str(parse_date("2019-01-05")) == "2019-01-05"
    with pytest.raises(ValueError, match="31/02/2019"):
        parse_date("31/02/2019")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise(value).startswith("'")
    assert csv_bytes(["a"], [[value]]).decode("utf-8-sig").splitlines()[1].startswith(("'", "\"'"))
    workbook = load_workbook(io.BytesIO(xlsx_bytes([Sheet("s", ["a"], [[value]])])))
    assert workbook["s"]["A2"].value.startswith("'")


def test_csv_has_a_bom_and_xlsx_a_frozen_header():
    assert csv_bytes(["tên"], [["Nguyễn"]]).startswith(b"\xef\xbb\xbf")
    workbook = load_workbook(io.BytesIO(xlsx_bytes([Sheet("s", ["a"], [[1]], totals=[1])])))
    assert workbook["s"].freeze_panes == "A2"


def test_row_numbers_match_the_file_even_after_blank_rows(app):
    data = b"username\nhoa\n\n\nlan\n"
    table = read_table(data, required=("username",))
    assert table.rows == [(2, {"username": "hoa"}), (5, {"username": "lan"})]
