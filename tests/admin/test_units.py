"""The units tree: create, rename, move without cycles, deactivate only when unused."""

import pytest

from lms.errors import DomainError
from lms.extensions import db
from lms.units import services


@pytest.fixture
def tree(make):
    """district → ward → cell, plus a second ward."""
    admin = make.admin()
    district = services.create_unit("Q", "Quận Hoàng Mai", None, actor=admin)
    ward = services.create_unit("P1", "Đảng bộ phường Đại Kim", district.id, actor=admin)
    cell = services.create_unit("C1", "Chi bộ khu dân cư số 1", ward.id, actor=admin)
    other = services.create_unit("P2", "Đảng bộ phường Định Công", district.id, actor=admin)
    return admin, district, ward, cell, other


def test_subtree_ids_of_a_three_level_tree(tree):
    _admin, district, ward, cell, other = tree
    assert sorted(services.subtree_ids(district.id)) == sorted(
        [district.id, ward.id, cell.id, other.id]
    )
    assert sorted(services.subtree_ids(ward.id)) == sorted([ward.id, cell.id])
    assert services.subtree_ids(cell.id) == [cell.id]


def test_tree_lists_parents_before_children_with_depth(tree, make):
    _admin, district, ward, cell, other = tree
    make.user(unit=ward)
    make.user(unit=ward, active=False)  # inactive members are not counted
    rows = services.unit_tree()
    assert [(r.unit.code, r.depth) for r in rows] == [("Q", 0), ("P1", 1), ("C1", 2), ("P2", 1)]
    assert {r.unit.code: r.members for r in rows}["P1"] == 1


def test_move_refuses_cycles(tree):
    admin, district, ward, cell, other = tree
    with pytest.raises(DomainError) as caught:
        services.move_unit(ward, cell.id, actor=admin)
    assert "cấp dưới" in str(caught.value.message)
    with pytest.raises(DomainError):
        services.move_unit(district, district.id, actor=admin)
    services.move_unit(cell, other.id, actor=admin)
    assert sorted(services.subtree_ids(other.id)) == sorted([other.id, cell.id])


def test_rename_checks_code_uniqueness_and_normalises(tree):
    admin, district, ward, cell, other = tree
    with pytest.raises(DomainError) as caught:
        services.update_unit(ward, "P2", "Tên mới", district.id, actor=admin)
    assert "P2" in str(caught.value.message)
    with pytest.raises(DomainError):
        services.update_unit(ward, "P 1", "Tên mới", district.id, actor=admin)
    services.update_unit(ward, "P1", "Phươ\u0300ng Đại Kim", district.id, actor=admin)
    assert ward.name == "Phường Đại Kim"
    assert ward.search_name == "phuong dai kim"


def test_deactivate_refuses_while_members_or_children_are_active(tree, make):
    admin, district, ward, cell, other = tree
    member = make.user(unit=cell)
    with pytest.raises(DomainError) as caught:
        services.set_unit_active(cell, False, actor=admin)
    assert "1 thành viên" in str(caught.value.message)
    member.active = False
    services.set_unit_active(cell, False, actor=admin)
    with pytest.raises(DomainError) as caught:
        services.set_unit_active(district, False, actor=admin)
    assert "2 đơn vị cấp dưới" in str(caught.value.message)
    with pytest.raises(DomainError):  # nothing new goes under a deactivated unit
        services.create_unit("C9", "Chi bộ 9", cell.id, actor=admin)
    assert (cell.id, "\u2003\u2003Chi bộ khu dân cư số 1 (C1)") not in services.unit_choices()
    services.set_unit_active(cell, True, actor=admin)
    assert cell.active


def test_only_admins_manage_units(make):
    with pytest.raises(DomainError):
        services.create_unit("X", "X", None, actor=make.director())


def test_unit_pages(client, login, make, tree):
    admin, district, ward, cell, other = tree
    make.user(unit=cell)
    db.session.commit()
    login(admin)
    page = client.get("/admin/units")
    assert page.status_code == 200
    assert "Chi bộ khu dân cư số 1" in page.text
    assert "depth-2" in page.text
    created = client.post(
        "/admin/units/new", data={"code": "C2", "name": "Chi bộ 2", "parent_id": str(ward.id)}
    )
    assert created.status_code == 302
    cycle = client.post(
        f"/admin/units/{ward.id}",
        data={"code": "P1", "name": "Phường Đại Kim", "parent_id": str(cell.id)},
    )
    # the parent choices leave out the unit's own subtree: the form refuses the choice
    assert cycle.status_code == 200
    refused = client.post(f"/admin/units/{cell.id}/deactivate", follow_redirects=True)
    assert "còn 1 thành viên đang hoạt động" in refused.text
    assert client.get("/admin/units/9999").status_code == 404
