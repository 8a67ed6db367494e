"""Each input that once gave a 500 (found by the fuzz tests), pinned down so that it cannot come
back; and every GET page with hostile ids and query values."""

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.classes.models import Class, ClassSession
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.units.models import Unit
from tests.security.fuzzing import pop_flashes, post_form, snapshot
from tests.security.test_form_fuzz import world  # noqa: F401  (the shared fixture)

TOO_BIG = "99999999999999999999"  # above any 64-bit id: the database driver overflows
SUPERSCRIPT = "²"  # str.isdigit() says yes, int() says no


@pytest.fixture
def me(world, login):  # noqa: F811
    login(world["me"])
    return world


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_nul_in_any_value_is_refused_with_the_400_page(me, client):
    before = snapshot()
    response = client.post("/admin/units/new", data={"code": "\x00", "name": "Đơn vị"})
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.text or "không hiểu" in response.text
    assert snapshot() == before
    assert client.get("/verify/%00").status_code == 400
    assert client.get("/admin/users?q=a%00b").status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/classes/" + TOO_BIG, "/sessions/" + TOO_BIG + "/attendance", "/certificates/" + TOO_BIG],
)
def test_ids_too_big_for_the_database_are_not_found(me, client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("value", [TOO_BIG, SUPERSCRIPT, "9" * 100_000])
def test_id_filters_in_the_query_string_are_read_leniently(me, client, value):
    assert client.get("/classes", query_string={"program": value}).status_code == 200
    assert client.get("/admin/users", query_string={"unit": value}).status_code == 200


@pytest.mark.parametrize("value", [TOO_BIG, SUPERSCRIPT, "9" * 100_000])
def test_walkin_with_a_bad_person_id_says_so(me, client, value):
    before = snapshot()
    response = client.post(f"/sessions/{me['session']}/walkin/add", data={"user_id": value})
    assert response.status_code == 302
    assert [m for c, m in pop_flashes(client) if c == "error"]
    assert snapshot() == before


def test_walkin_search_with_a_huge_query_answers(me, client):
    response = client.get(f"/sessions/{me['session']}/walkin", query_string={"q": "x" * 100_000})
    assert response.status_code == 200


def test_roster_rows_with_impossible_ids_are_ignored(me, client):
    response = post_form(
        client,
        f"/sessions/{me['session']}/attendance",
        {f"s-{SUPERSCRIPT}": "present", f"s-{TOO_BIG}": "present", "s-": "present"},
    )
    assert response.status_code == 302
    assert ("info", "Không có thay đổi nào để lưu.") in pop_flashes(client)


def test_picking_an_impossible_person_saves_nothing(me, client):
    before = snapshot()
    response = client.post(
        f"/classes/{me['klass']}/assign", data={"kind": "pick", "user_ids": [TOO_BIG]}
    )
    assert response.status_code == 200
    assert snapshot() == before


def test_a_capacity_beyond_any_hall_is_refused(me, client):
    response = client.post(
        f"/classes/{me['klass']}/edit",
        data={
            "program_id": me["program"], "code": "L1", "title": "Lớp", "start_date": "2026-06-01",
            "end_date": "2026-06-05", "capacity": "9" * 30, "enrollment_mode": "open",
            "min_attendance_pct": "80", "excused_rule": "absent",
        },
    )
    assert response.status_code == 200
    assert 'class="error-text"' in response.text
    assert db.session.get(Class, me["klass"]).capacity == 50


def test_a_series_ending_on_the_last_representable_day_does_not_overflow(me, client):
    before = _count(ClassSession)
    response = client.post(
        f"/classes/{me['klass']}/sessions/series",
        data={"first_date": "9999-12-31", "last_date": "9999-12-31", "starts_at": "08:00",
              "ends_at": "10:00"},
    )
    assert response.status_code in (302, 400)
    assert _count(ClassSession) - before in (0, 1)


HOSTILE_QUERY = ["x" * 100_000, TOO_BIG, SUPERSCRIPT, "31/02/2024", "-1\u202e🇻🇳'--"]
QUERY_NAMES = ("q", "unit", "program", "status", "sort", "role", "year", "month", "page", "ytd",
               "next", "code", "kind")


def test_every_page_answers_hostile_query_values_without_a_500(app, me, client):
    """Every GET page of the app, with each hostile value in every usual query parameter."""
    ids = {"class_id": me["klass"], "session_id": me["session"], "unit_id": me["unit"],
           "user_id": me["user"], "program_id": me["program"], "cert_id": me["cert"],
           "year": date.today().year, "enrollment_id": me["e0"]}
    skipped = ("static", "certificates.download", "enrollment.sign_in_sheet", "reports.export")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in skipped:
            continue
        values = {}
        for name in rule.arguments:
            values[name] = ids.get(name, "x")
            if rule._converters[name].__class__.__name__ == "AnyConverter":
                values[name] = next(iter(rule._converters[name].items))
        url = rule.build(values, append_unknown=False)[1]
        for value in HOSTILE_QUERY:
            response = client.get(url, query_string=dict.fromkeys(QUERY_NAMES, value))
            status = response.status_code
            assert status in (200, 302, 404, 409), (url, value[:20], status)
            checked += 1
    assert checked > 150
    db.session.rollback()
    assert _count(Enrollment) == 3  # nothing enrolled or dropped by a GET
    assert _count(Unit) >= 1


DECOMPOSED = "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300"  # as some keyboards and PDFs give it
COMPOSED = "Nguyễn Thị Hoà"


def test_names_typed_decomposed_are_stored_composed_with_their_diacritics(me, client):
    from lms.auth.models import User
    from lms.classes.models import Program

    client.post("/admin/users/new", data={
        "full_name": DECOMPOSED, "username": "hoa.nfc", "roles": "trainee",
        "unit_id": str(me["unit"]), "active": "y"})
    client.post("/admin/units/new", data={"code": "NFC", "name": DECOMPOSED})
    client.post("/programs/new", data={"code": "NFC", "name": DECOMPOSED, "kind": "course",
                                       "min_attendance_pct": "80", "excused_rule": "absent"})
    db.session.rollback()
    assert db.session.scalar(select(User.full_name).where(User.username == "hoa.nfc")) == COMPOSED
    assert db.session.scalar(select(Unit.name).where(Unit.code == "NFC")) == COMPOSED
    assert db.session.scalar(select(Program.name).where(Program.code == "NFC")) == COMPOSED
