"""Annual plans: entering, revising (with history) and importing; the report for a director."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.classes.models import Program
from lms.core.actors import SystemActor, actor_id, require
from lms.core.snapshot import read_from_one_snapshot
from lms.core.tabular import RowError, TableError, read_table
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.reports.models import QUARTER_FIELDS, AnnualPlan, PlanRevision
from lms.reports.report import YearReport, compute_report

PLAN_FIELDS = ("planned_classes", "planned_attendances", *QUARTER_FIELDS)
IMPORT_REQUIRED = ("program_code", "planned_classes", "planned_attendances")
MAX_FIGURE = 10_000_000


DIRECTOR_ONLY = _l("Only a director may do this.")

Actor = User | SystemActor  # the command line's report acts as SYSTEM


def check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise DomainError(_l("The year must be between 2000 and 2100."))


def year_report(
    year: int, *, actor: Actor, as_of: date | None = None, months_only: bool = False
) -> YearReport:
    """The plan-versus-actual report of a year (to `as_of` when given)."""
    require(actor, "director", message=DIRECTOR_ONLY)
    check_year(year)
    read_from_one_snapshot()  # its many queries must agree with each other
    return compute_report(year, as_of=as_of, months_only=months_only)


def list_plans(year: int) -> list[tuple[Program, AnnualPlan | None]]:
    """Every active program (and retired ones that have a plan) with its plan of the year."""
    plans = {
        p.program_id: p
        for p in db.session.scalars(select(AnnualPlan).where(AnnualPlan.year == year))
    }
    programs = db.session.scalars(select(Program).order_by(Program.code))
    return [(p, plans.get(p.id)) for p in programs if p.retired_at is None or p.id in plans]


def list_revisions(year: int) -> list[PlanRevision]:
    query = (
        select(PlanRevision)
        .join(AnnualPlan, AnnualPlan.id == PlanRevision.plan_id)
        .where(AnnualPlan.year == year)
        .options(selectinload(PlanRevision.plan).selectinload(AnnualPlan.program))
        .options(selectinload(PlanRevision.changed_by))
        .order_by(PlanRevision.changed_at.desc(), PlanRevision.id.desc())
    )
    return list(db.session.scalars(query))


def check_figures(values: dict[str, int | None]) -> list[tuple[str, object]]:
    """Problems with one program's figures: [(field, message)]; empty when they are fine."""
    problems = []
    for name in PLAN_FIELDS:
        value = values.get(name)
        if value is None:
            if name in ("planned_classes", "planned_attendances"):
                problems.append((name, _l("Enter a whole number.")))
        elif not 0 <= value <= MAX_FIGURE:
            problems.append((name, _l("Enter a whole number from 0 to 10,000,000.")))
    if problems:
        return problems
    for what in ("classes", "attendances"):
        quarters = [values.get(f"q{q}_{what}") for q in range(1, 5)]
        given = [v for v in quarters if v is not None]
        if given and len(given) < 4:
            problems.append((f"q1_{what}", _l("Fill in all four quarters, or none.")))
        elif given and sum(given) != values[f"planned_{what}"]:
            problems.append(
                (f"q1_{what}", _l("The four quarters must add up to the year's figure."))
            )
    return problems


def save_plan(
    year: int, program: Program, values: dict[str, int | None], *, actor: Actor
) -> AnnualPlan:
    """Set one program's plan for a year; every changed figure leaves a revision."""
    require(actor, "director", message=DIRECTOR_ONLY)
    check_year(year)
    problems = check_figures(values)
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)
    plan = db.session.scalar(
        select(AnnualPlan).where(AnnualPlan.year == year, AnnualPlan.program_id == program.id)
    )
    new = plan is None
    if new:
        plan = AnnualPlan(
            year=year, program_id=program.id, planned_classes=0, planned_attendances=0
        )
        db.session.add(plan)
        db.session.flush()
    now = utcnow()
    changed = False
    for name in PLAN_FIELDS:
        old = None if new else getattr(plan, name)
        value = values.get(name)
        if old == value and not new:
            continue
        if new and value is None:
            continue
        setattr(plan, name, value)
        db.session.add(
            PlanRevision(
                plan_id=plan.id,
                field=name,
                old_value=old,
                new_value=value,
                changed_at=now,
                changed_by_id=actor_id(actor),
            )
        )
        changed = True
    if changed:
        plan.updated_at = now
        plan.updated_by_id = actor_id(actor)
    db.session.flush()
    return plan


class PlanErrors(DomainError):
    """Some figures of the plan form are wrong: {(program id, field): message}."""

    def __init__(self, errors: dict[tuple[int, str], object]):
        super().__init__(_l("Nothing was saved: correct the marked figures."))
        self.errors = errors


def save_plans(year: int, entries: dict[int, dict[str, object]], *, actor: Actor) -> int:
    """The plan form: every program's figures as typed; all saved or none. Returns how many
    figures changed."""
    require(actor, "director", message=DIRECTOR_ONLY)
    check_year(year)
    errors: dict[tuple[int, str], object] = {}
    parsed: dict[int, dict[str, int | None]] = {}
    for program_id, cells in entries.items():
        values: dict[str, int | None] = {}
        for name in PLAN_FIELDS:
            try:
                values[name] = _integer(cells.get(name))
            except ValueError:
                errors[(program_id, name)] = _l("Enter a whole number.")
        blank = all(values.get(n) is None for n in PLAN_FIELDS) and not any(
            k[0] == program_id for k in errors
        )
        if blank:
            continue  # a program without a plan this year
        for name, message in check_figures(values):
            errors.setdefault((program_id, name), message)
        parsed[program_id] = values
    if errors:
        raise PlanErrors(errors)
    before = db.session.scalar(select(func.count()).select_from(PlanRevision))
    programs = {p.id: p for p in db.session.scalars(select(Program).where(Program.id.in_(parsed)))}
    for program_id, values in parsed.items():
        if program_id in programs:
            save_plan(year, programs[program_id], values, actor=actor)
    return db.session.scalar(select(func.count()).select_from(PlanRevision)) - before


def _integer(value) -> int | None:
    if value in ("", None):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(".", "").replace(",", "").replace(" ", "")
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def import_plans(year: int, data: bytes, *, actor: Actor) -> int:
    """Plans of a year from a CSV/XLSX table (program_code, planned_classes, planned_attendances,
    optional q1_classes … q4_attendances): all rows or none. Returns the number of programs."""
    require(actor, "director", message=DIRECTOR_ONLY)
    check_year(year)
    table = read_table(data, required=IMPORT_REQUIRED, optional=QUARTER_FIELDS)
    programs = {p.code.lower(): p for p in db.session.scalars(select(Program))}
    errors: list[RowError] = []
    parsed: list[tuple[Program, dict]] = []
    seen: set[str] = set()
    for number, cells in table.rows:
        code = str(cells.get("program_code", "")).strip().lower()
        program = programs.get(code)
        if program is None:
            errors.append(RowError(number, "program_code", _l("No program has this code.")))
            continue
        if code in seen:
            errors.append(RowError(number, "program_code", _l("This program appears twice.")))
            continue
        seen.add(code)
        values: dict[str, int | None] = {}
        bad = False
        for name in PLAN_FIELDS:
            try:
                values[name] = _integer(cells.get(name))
            except ValueError:
                errors.append(RowError(number, name, _l("Enter a whole number.")))
                bad = True
        if bad:
            continue
        errors += [RowError(number, f, m) for f, m in check_figures(values)]
        parsed.append((program, values))
    if errors:
        raise TableError(errors=errors)
    for program, values in parsed:
        save_plan(year, program, values, actor=actor)
    return len(parsed)
