"""Who acts on plans and the report: a forgotten or missing actor fails loudly, anyone but a
director is refused with the reports' message, and the system actor (the command line's
report) reads and writes, recorded as no user."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from lms.core.actors import SYSTEM, ActorMissing
from lms.errors import DomainError
from lms.extensions import db
from lms.reports.models import PlanRevision
from lms.reports.services import import_plans, save_plan, save_plans, year_report

REFUSAL = "Chỉ giám đốc được thực hiện việc này."
FIGURES = {"planned_classes": 4, "planned_attendances": 400}
CSV = b"program_code,planned_classes,planned_attendances\nSC,4,400\n"


@pytest.fixture
def calls(make):
    """Every reports service, as a function of the actor keywords it is given."""
    program = make.program(code="SC")
    entries = {program.id: {name: str(value) for name, value in FIGURES.items()}}
    return {
        "year_report": lambda **a: year_report(2019, **a),
        "save_plan": lambda **a: save_plan(2019, program, FIGURES, **a),
        "save_plans": lambda **a: save_plans(2019, entries, **a),
        "import_plans": lambda **a: import_plans(2019, CSV, **a),
    }


SERVICES = ["year_report", "save_plan", "save_plans", "import_plans"]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_called_without_an_actor_fails_loudly(calls, service):
    with pytest.raises(TypeError, match="actor"):
        calls[service]()
    with pytest.raises(ActorMissing):
        calls[service](actor=None)


@pytest.mark.parametrize("service", SERVICES)
def test_anyone_but_a_director_is_refused_with_the_reports_message(calls, make, service):
    with pytest.raises(DomainError, match=REFUSAL):
        calls[service](actor=make.instructor())


def test_the_system_reads_the_report_and_plans_recorded_as_no_user(calls):
    assert year_report(2019, actor=SYSTEM).year == 2019
    plan = calls["save_plan"](actor=SYSTEM)
    revisions = db.session.query(PlanRevision).filter_by(plan_id=plan.id).all()
    assert len(revisions) == 2
    assert {r.changed_by_id for r in revisions} == {None}
    assert plan.updated_by_id is None


def test_year_to_date_ends_on_the_centers_today_not_the_servers(app, client, login, make):
    """The center's day, not the server's: in Vietnam "today" changes at 17:00 UTC. Of two
    zones 26 hours apart, one is on another date than the server right now."""
    server_today = date.today()  # what the report used to read
    zone = next(z for z in ("Etc/GMT-14", "Etc/GMT+12")
                if datetime.now(UTC).astimezone(ZoneInfo(z)).date() != server_today)
    app.config["TIMEZONE"] = zone
    center_today = datetime.now(ZoneInfo(zone)).date()
    director = make.director()
    db.session.commit()
    login(director)
    page = client.get("/reports/?ytd=1").text
    assert f"{center_today:%d/%m/%Y}" in page
    assert f"{server_today:%d/%m/%Y}" not in page
