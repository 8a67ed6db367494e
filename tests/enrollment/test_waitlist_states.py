"""Clear states: a waitlist is a place in a queue (its number, a way out), and a unit larger
than the seats left can fill them and wait for the rest, in the order of the roster."""

import pytest
from sqlalchemy import select

from lms.enrollment.models import Enrollment
from lms.enrollment.overflow import SeatsShort, enrol_unit
from lms.enrollment.services import fill_from_waitlist, withdraw
from lms.enrollment.waitlist import waitlist_positions
from lms.extensions import db

# Roster order is Vietnamese name order: given name first (An, Bình, Cường, Dung, Hà).
PEOPLE = ["Trần Thị Bình", "Lê Thị Hà", "Nguyễn Văn An", "Phạm Thị Dung", "Đặng Quốc Cường"]


def test_joining_a_full_class_says_the_place_without_an_error(client, login, make):
    klass = make.klass(capacity=1, enrollment_mode="open")
    make.enrollment(klass)
    make.enrollment(klass, status="waitlisted", enrolled_on=None)
    trainee = make.trainee()
    db.session.commit()
    login(trainee)
    response = client.post(f"/classes/{klass.id}/enrol", follow_redirects=True)
    page = response.text
    assert "Lớp đã đủ chỗ: bạn là người thứ 2 trong danh sách chờ." in page
    assert "flash-info" in page  # a neutral notice, not an error box
    assert "flash-error" not in page
    assert "flash-warning" not in page
    assert "Bạn là người thứ 2 trong danh sách chờ." in page  # the notice on the class page
    assert "Rời danh sách chờ" in page
    assert "Rút khỏi lớp" not in page  # not "withdraw from the class": they are not in it


def test_leaving_the_waitlist_says_so(client, login, make):
    klass = make.klass(capacity=1, enrollment_mode="open")
    make.enrollment(klass)
    trainee = make.trainee()
    make.enrollment(klass, trainee, status="waitlisted", enrolled_on=None)
    db.session.commit()
    login(trainee)
    page = client.post(f"/classes/{klass.id}/withdraw", follow_redirects=True).text
    assert "Bạn đã rời danh sách chờ." in page


def _unit_of(make, names):
    unit = make.unit(name="Chi bộ khu dân cư số 5")
    people = [make.trainee(full_name=name, unit=unit) for name in names]
    return unit, people


def test_a_unit_larger_than_the_seats_is_refused_with_an_offer(make):
    director = make.director()
    klass = make.klass(capacity=3, enrollment_mode="assigned")
    unit, _people = _unit_of(make, PEOPLE)
    with pytest.raises(SeatsShort) as refused:
        enrol_unit(klass, unit, actor=director)
    assert (refused.value.left, refused.value.wanted) == (3, 5)
    db.session.rollback()
    assert db.session.scalars(select(Enrollment)).all() == []


def test_filling_the_seats_waitlists_the_rest_in_roster_order(make):
    director = make.director()
    klass = make.klass(capacity=3, enrollment_mode="assigned")
    unit, people = _unit_of(make, PEOPLE)
    result = enrol_unit(klass, unit, fill=True, actor=director)
    db.session.commit()
    assert [u.full_name for u in result.added] == ["Nguyễn Văn An", "Trần Thị Bình",
                                                   "Đặng Quốc Cường"]
    assert [u.full_name for u in result.waitlisted] == ["Phạm Thị Dung", "Lê Thị Hà"]
    assert klass.enrolled_count == 3
    rows = {e.user.full_name: e for e in db.session.scalars(select(Enrollment))}
    positions = waitlist_positions(e.id for e in rows.values())
    assert positions[rows["Phạm Thị Dung"].id] == 1
    assert positions[rows["Lê Thị Hà"].id] == 2
    # A freed seat goes to the first of them.
    withdraw(rows["Trần Thị Bình"], actor=director)
    db.session.commit()
    assert rows["Phạm Thị Dung"].status == "enrolled"
    assert rows["Lê Thị Hà"].status == "waitlisted"
    assert fill_from_waitlist(klass) == []  # no seat left


def test_the_assign_page_offers_to_fill_the_seats(client, login, make):
    director = make.director()
    klass = make.klass(capacity=2, enrollment_mode="assigned")
    unit, _people = _unit_of(make, PEOPLE)
    db.session.commit()
    login(director)
    form = {"kind": "unit", "unit_id": str(unit.id), "include_subunits": "y"}
    refused = client.post(f"/classes/{klass.id}/assign", data=form)
    assert refused.status_code == 200
    assert "Chỉ còn 2 chỗ cho 5 người của đơn vị này." in refused.text
    assert "Xếp đủ 2 chỗ và đưa 3 người còn lại vào danh sách chờ" in refused.text
    assert 'name="fill_seats" value="y"' in refused.text
    assert db.session.scalars(select(Enrollment)).all() == []
    done = client.post(f"/classes/{klass.id}/assign", data={**form, "fill_seats": "y"},
                       follow_redirects=True)
    assert "Đã ghi danh 2 học viên." in done.text
    assert "3 người được đưa vào danh sách chờ, theo thứ tự danh sách lớp." in done.text
    statuses = sorted(e.status for e in db.session.scalars(select(Enrollment)))
    assert statuses == ["enrolled"] * 2 + ["waitlisted"] * 3


def test_the_unit_select_is_a_tree_in_vietnamese_order(client, login, make):
    director = make.director()
    klass = make.klass()
    top = make.unit(code="QHM", name="Quận ủy Hoàng Mai")
    for code, name in (("PDC", "Đảng ủy phường Định Công"), ("PTM", "Đảng ủy phường Tân Mai"),
                       ("BTG", "Ban Tuyên giáo"), ("DV", "Dân vận"), ("DT", "Duy Tân")):
        make.unit(code=code, name=name, parent_id=top.id)
    db.session.commit()
    login(director)
    page = client.get(f"/classes/{klass.id}/assign").text
    select_html = page.split('name="unit_id"')[1].split("</select>")[0]
    codes = ["QHM", "BTG", "DV", "DT", "PDC", "PTM"]
    positions = [select_html.index(f"({code})") for code in codes]
    # d before đ: Ban < Dân vận < Duy Tân < Đảng ủy … Định Công < Đảng ủy … Tân Mai (without
    # its diacritics, "dang uy" would come before "duy tan").
    assert positions == sorted(positions)
    assert "\u2003Ban Tuyên giáo" in select_html  # indented under the district
