"""The year report as CSV (for other programs), XLSX (for people) and PDF (to sign and send)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from lms.core.clock import local_now, local_today
from lms.core.dates import document_date
from lms.core.exports import Sheet, csv_bytes, xlsx_bytes
from lms.core.formatting import fmt_number
from lms.core.models import CenterSettings
from lms.extensions import db
from lms.reports import charts
from lms.reports.report import COUNTING_RULES, Row, YearReport

CSV_COLUMNS = [
    "program_code",
    "program",
    "planned_classes",
    "held_classes",
    "classes_pct",
    "planned_attendances",
    "trainee_attendances",
    "attendances_pct",
    "unique_trainees",
    "participation_pct",
    "completions",
    "certificates",
]
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


def filename(report: YearReport, fmt: str) -> str:
    suffix = f"-den-{report.as_of:%Y-%m-%d}" if report.as_of else ""
    return f"bao-cao-ke-hoach-{report.year}{suffix}.{fmt}"


def _csv_row(code: str, row: Row) -> list:
    return [
        code,
        row.label,
        row.planned_classes,
        row.held_classes,
        row.classes_pct,
        row.planned_attendances,
        row.trainee_attendances,
        row.attendances_pct,
        row.unique_trainees,
        row.participation_pct,
        row.completions,
        row.certificates,
    ]


def report_csv(report: YearReport) -> bytes:
    rows = [_csv_row(r.code, r) for r in report.programs]
    total = _csv_row("TOTAL", report.total)
    total[1] = _("Total")
    rows.append(total)
    return csv_bytes(CSV_COLUMNS, rows)


def _headers(first: str, *, plan: bool = True) -> list[str]:
    columns = [first]
    if plan:
        columns += [_("Planned classes"), _("Classes held"), _("Class plan achievement")]
        columns += [
            _("Planned trainee-attendances"),
            _("Trainee-attendances"),
            _("Attendance plan achievement"),
        ]
    else:
        columns += [_("Classes held"), _("Trainee-attendances")]
    return columns + [
        _("Unique trainees"),
        _("Participation rate"),
        _("Completions"),
        _("Certificates"),
    ]


def _values(row: Row, *, plan: bool = True) -> list:
    values = [row.label]
    if plan:
        values += [row.planned_classes, row.held_classes, row.classes_pct]
        values += [row.planned_attendances, row.trainee_attendances, row.attendances_pct]
    else:
        values += [row.held_classes, row.trainee_attendances]
    return values + [row.unique_trainees, row.participation_pct, row.completions, row.certificates]


def _sheet(title: str, first: str, rows: list[Row], total: Row, *, plan: bool = True) -> Sheet:
    header = _headers(first, plan=plan)
    totals = _values(total, plan=plan)
    totals[0] = _("Total")
    return Sheet(
        title=title,
        header=header,
        rows=[_values(r, plan=plan) for r in rows],
        totals=totals,
        number_formats={i: "#,##0" for i in range(1, len(header))},
        widths={0: 44},
    )


def report_xlsx(report: YearReport) -> bytes:
    notes = Sheet(
        title=_("Notes"),
        header=[_("Counting rules")],
        rows=[[str(rule)] for rule in COUNTING_RULES],
        widths={0: 120},
    )
    notes.rows.insert(0, [_title(report)])
    notes.rows.insert(1, [read_line(report)])
    by_program = _sheet(_("By program"), _("Program"), report.programs, report.total)
    by_program.rows.append([])  # under the table, as on the PDF
    by_program.rows.append([read_line(report)])
    return xlsx_bytes(
        [
            by_program,
            _sheet(_("By quarter"), _("Quarter"), report.quarters, report.total),
            _sheet(_("By month"), _("Month"), report.months, report.total, plan=False),
            _sheet(_("By unit"), _("Unit"), report.units, report.total, plan=False),
            notes,
        ]
    )


def read_line(report: YearReport) -> str:
    """When the figures were read (the report reflects the rows as they were then)."""
    at = report.read_at or local_now()
    return _("Figures as of %(when)s", when=f"{at:%H:%M %d/%m/%Y}")


def _title(report: YearReport) -> str:
    title = _("Report on the implementation of the %(year)d plan", year=report.year)
    if report.as_of:
        title += " " + _("(to %(date)s)", date=f"{report.as_of:%d/%m/%Y}")
    return title


def report_charts(
    report: YearReport, previous: YearReport | None, *, layout: charts.Layout = charts.SCREEN
) -> dict:
    """The two charts, drawn for a phone's screen (the dashboard) or for the PDF (PRINT)."""
    return {
        "bars": charts.plan_actual_bars(
            report.programs,
            title=_("Trainee-attendances against the plan, by program"),
            plan_label=_("Plan"),
            actual_label=_("Actual"),
            layout=layout,
        ),
        "trend": charts.monthly_trend(
            report.months,
            previous.months if previous else None,
            title=_("Trainee-attendances by month"),
            year=report.year,
            layout=layout,
        ),
    }


def report_pdf(
    report: YearReport, previous: YearReport | None, *, today: date | None = None
) -> bytes:
    from lms.core.pdf import render_pdf

    settings = db.session.get(CenterSettings, 1)
    today = today or local_today()  # the date line under the signature: the center's day
    figures = report_charts(report, previous, layout=charts.PRINT)
    return render_pdf(
        "reports/pdf.html",
        stylesheets=("pdf.css", "report.css"),
        title=_title(report).upper(),
        parent_body=settings.parent_body if settings else "",
        center_name=settings.center_name if settings else "",
        header_kind=settings.header_kind if settings else "party",
        place=settings.place if settings else "",
        signer_title=settings.signer_title if settings else "",
        signer_name=settings.signer_name if settings else "",
        date_line=document_date(today),
        headers=_headers(_("Program")),
        program_rows=[_values(r) for r in report.programs],
        quarter_headers=_headers(_("Quarter")),
        quarter_rows=[_values(r) for r in report.quarters],
        unit_headers=_headers(_("Unit"), plan=False),
        unit_rows=[_values(r, plan=False) for r in report.units],
        total_row=[_("Total"), *_values(report.total)[1:]],
        unit_total=[_("Total"), *_values(report.total, plan=False)[1:]],
        bars=figures["bars"],
        trend=figures["trend"],
        rules=[str(rule) for rule in COUNTING_RULES],
        conference_line=_conference_line(report),
        read_line=read_line(report),
    )


def _conference_line(report: YearReport) -> str:
    c = report.conferences
    if not c.held_classes:
        return ""
    return _(
        "Dissemination conferences: %(n)d held, participation %(pct)s%%.",
        n=c.held_classes,
        pct=fmt_number(c.participation_exact),  # 98,2 in Vietnamese, 98.2 in English
    )
