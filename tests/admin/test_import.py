"""Importing users from CSV/XLSX: all or nothing, every error listed, idempotent."""

import io
import unicodedata

import pytest
from sqlalchemy import func, select

from lms.admin.importing import import_users
from lms.auth.models import User
from lms.auth.services import authenticate
from lms.core.exports import Sheet, xlsx_bytes
from lms.core.tabular import TableError
from lms.errors import DomainError
from lms.extensions import db

HEADER = "full_name,username,email,date_of_birth,unit_code,roles,member_id"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(make):
    make.unit(code="P1")
    make.unit(code="P2")
    return make.admin(username="boss")


GOOD = (
    "Nguyễn Thị Hòa,hoa.nt,hoa@example.vn,05/01/1985,P1,trainee,DV-001",
    'Trần Văn Đức,duc.tv,,1979-12-31,P2,"trainee,instructor",',
    "Lê Minh Châu,chau.lm,chau@example.vn,,,director,",
)


def test_import_creates_then_reimport_changes_nothing(admin):
    before = user_count()
    result = import_users(csv(*GOOD), actor=admin)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert user_count() == before + 3
    duc = db.session.scalar(select(User).where(User.username == "duc.tv"))
    assert duc.roles == {"trainee", "instructor"}
    assert duc.unit.code == "P2"
    assert duc.password_hash is None  # cannot sign in until an admin sets a password

    again = import_users(csv(*GOOD), actor=admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    changed = import_users(csv(GOOD[0].replace(",P1,", ",P2,"), *GOOD[1:]), actor=admin)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)


def test_one_bad_file_saves_nothing_and_lists_every_error(admin, make):
    make.user(username="someone", email="taken@example.vn")
    db.session.flush()
    before = user_count()
    rows = (
        GOOD[0],
        ",x,bad-email,31/02/1990,NOPE,king,",  # row 3: five problems
        "Phạm Văn An,hoa.nt,,,P1,trainee,",  # row 4: username already in row 2
        "Võ Thị Bình,binh.vt,taken@example.vn,,P1,trainee,",  # row 5: e-mail of another user
        "Đỗ Văn Cường,cuong.dv,,,,trainee,",  # row 6: trainee without a unit
    )
    with pytest.raises(TableError) as caught:
        import_users(csv(*rows), actor=admin)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "full_name"),
        (3, "username"),
        (3, "email"),
        (3, "date_of_birth"),
        (3, "unit_code"),
        (3, "roles"),
        (4, "username"),
        (5, "email"),
        (6, "unit_code"),
    }
    messages = {(e.row, e.column): str(e.message) for e in caught.value.errors}
    assert "dòng 2" in messages[(4, "username")]
    assert "someone" in messages[(5, "email")]
    assert "NOPE" in messages[(3, "unit_code")]
    assert user_count() == before


def test_text_is_stored_as_nfc(admin):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hòa")
    assert decomposed != "Nguyễn Thị Hòa"
    import_users(csv(f"{decomposed},hoa.nt,,,P1,trainee,"), actor=admin)
    hoa = db.session.scalar(select(User).where(User.username == "hoa.nt"))
    assert hoa.full_name == "Nguyễn Thị Hòa"
    assert hoa.search_name == "nguyen thi hoa"
    # the same name typed decomposed again is not a change
    again = import_users(csv(f"{decomposed},hoa.nt,,,P1,trainee,"), actor=admin)
    assert again.unchanged == 1


def test_xlsx_with_real_dates_and_vietnamese_role_words(admin):
    from datetime import date

    sheet = Sheet(
        "Users",
        HEADER.split(","),
        [["Nguyễn Thị Hòa", "hoa.nt", "", date(1985, 1, 5), "P1", "học viên, giảng viên", ""]],
    )
    result = import_users(xlsx_bytes([sheet]), actor=admin)
    assert result.created == 1
    hoa = db.session.scalar(select(User).where(User.username == "hoa.nt"))
    assert hoa.date_of_birth == date(1985, 1, 5)
    assert hoa.roles == {"trainee", "instructor"}


def test_initial_password_for_new_users(admin):
    import_users(csv(*GOOD), actor=admin, password="first-pass-1")
    assert authenticate("hoa.nt", "first-pass-1") is not None
    with pytest.raises(DomainError):
        import_users(csv(*GOOD), actor=admin, password="short")


def test_admin_cannot_strip_own_admin_role_by_import(admin):
    with pytest.raises(TableError) as caught:
        import_users(csv("Quản Trị,boss,,,P1,trainee,"), actor=admin)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "roles")]


def test_unreadable_files_are_refused_with_a_message(admin):
    with pytest.raises(TableError) as caught:
        import_users("full_name\nHòa\n".encode("latin-1"), actor=admin)
    assert "UTF-8" in str(caught.value)
    with pytest.raises(TableError) as caught:
        import_users(b"full_name,username\nA,b\n", actor=admin)
    assert {e.column for e in caught.value.errors} >= {"email", "roles"}


def test_import_page_lists_errors_then_reports_counts(client, login, admin):
    db.session.commit()
    login(admin)
    bad = client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(csv(GOOD[0], ",x,,,P1,trainee,")), "users.csv")},
    )
    assert bad.status_code == 200
    assert "Chưa nhập gì" in bad.text
    assert "<code>full_name</code>" in bad.text
    good = client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(csv(*GOOD)), "users.csv")},
        follow_redirects=True,
    )
    assert "tạo mới 3, cập nhật 0, giữ nguyên 0" in good.text
    template = client.get("/admin/users/import/template.csv")
    assert template.data.startswith(b"\xef\xbb\xbffull_name,username,email")
