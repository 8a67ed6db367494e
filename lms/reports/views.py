"""Reports pages: the director's dashboard, the breakdown tables, exports, annual plans."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.clock import local_today
from lms.core.forms import ActionForm
from lms.core.labels import PLAN_FIELD_LABELS
from lms.core.tabular import TableError
from lms.core.work import saving
from lms.reports import exports, services
from lms.reports.blueprint import bp
from lms.reports.forms import PlanImportForm
from lms.reports.report import COUNTING_RULES


def _year_arg(default: int) -> int:
    year = request.args.get("year", type=int) or default
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _as_of(year: int) -> date | None:
    """Year to date (?ytd=1): to today (the center's) inside the current year, else the full
    year."""
    today = local_today()
    return today if request.args.get("ytd") == "1" and year == today.year else None


@bp.get("/")
def dashboard():
    year = _year_arg(local_today().year)
    report = services.year_report(year, actor=current_user, as_of=_as_of(year))
    # The previous year to the same day (28 February stands in for the 29th).
    same_day = report.as_of and date(year - 1, report.as_of.month, min(report.as_of.day, 28))
    previous = services.year_report(year - 1, actor=current_user, as_of=same_day, months_only=True)
    return render_template(
        "reports/dashboard.html",
        report=report,
        previous=previous,
        charts=exports.report_charts(report, previous),
        rules=COUNTING_RULES,
        years=range(local_today().year, 2014, -1),
        ytd=report.as_of is not None,
    )


@bp.get("/<int:year>/details")
def details(year: int):
    report = services.year_report(year, actor=current_user, as_of=_as_of(year))
    return render_template("reports/details.html", report=report, rules=COUNTING_RULES)


@bp.get("/<int:year>/export.<fmt>")
def export(year: int, fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    report = services.year_report(year, actor=current_user, as_of=_as_of(year))
    if fmt == "csv":
        body = exports.report_csv(report)
    elif fmt == "xlsx":
        body = exports.report_xlsx(report)
    else:
        previous = services.year_report(year - 1, actor=current_user, months_only=True)
        body = exports.report_pdf(report, previous)
    name = exports.filename(report, fmt)
    return (
        body,
        200,
        {
            "Content-Type": exports.FORMATS[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


def _plan_page(year: int, *, values=None, errors=None, import_errors=None, status=200):
    return (
        render_template(
            "reports/plans.html",
            year=year,
            rows=services.list_plans(year),
            revisions=services.list_revisions(year),
            fields=services.PLAN_FIELDS,
            values=values or {},
            errors=errors or {},
            import_errors=import_errors or [],
            form=ActionForm(),
            import_form=PlanImportForm(),
            field_labels=PLAN_FIELD_LABELS,
        ),
        status,
    )


@bp.get("/plans/<int:year>")
def plans(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    return _plan_page(year)


@bp.post("/plans/<int:year>")
def save_plans(year: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    entries = {
        program.id: {f: request.form.get(f"p{program.id}-{f}", "") for f in services.PLAN_FIELDS}
        for program, _plan in services.list_plans(year)
    }
    with saving() as done:
        changed = services.save_plans(year, entries, actor=current_user)
    if not done:  # the message is flashed; the figures stay as typed, the wrong ones marked
        marked = done.error.errors if isinstance(done.error, services.PlanErrors) else None
        return _plan_page(year, values=entries, errors=marked, status=422)
    flash(_("Plan saved: %(n)d figures changed.", n=changed), "success")
    return redirect(url_for("reports.plans", year=year))


@bp.post("/plans/<int:year>/import")
def import_plans(year: int):
    form = PlanImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a file to import."), "error")
        return redirect(url_for("reports.plans", year=year))
    try:
        with saving() as done:
            count = services.import_plans(year, form.file.data.read(), actor=current_user)
    except TableError as error:  # bad rows: rolled back by saving(), listed on the page
        if error.message:
            flash(str(error.message), "error")
        else:
            flash(_("Nothing was imported: correct the rows below and try again."), "error")
        return _plan_page(year, import_errors=error.errors, status=422)
    if not done:
        return redirect(url_for("reports.plans", year=year))
    flash(_("Plan imported for %(n)d programs.", n=count), "success")
    return redirect(url_for("reports.plans", year=year))
