"""The class attendance grid as CSV (UTF-8 with BOM) or XLSX."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.attendance.grid import OUTSIDE, Grid
from lms.core.exports import Sheet, csv_bytes, xlsx_bytes
from lms.core.formatting import fmt_date
from lms.core.labels import ATTENDANCE_STATUS_LABELS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: str | None, held: bool, cancelled: bool) -> str:
    if cancelled:
        return _("Cancelled")
    if value == OUTSIDE:
        return _("Not enrolled yet")
    if value:
        return str(ATTENDANCE_STATUS_LABELS[value])
    return _("Not yet marked") if held else ""


def grid_table(grid: Grid) -> tuple[list[str], list[list]]:
    header = [_("Full name"), _("Username"), _("Unit")]
    header += [f"{fmt_date(s.on_date)} {s.starts_at:%H:%M}" for s in grid.sessions]
    header += [_("Attended"), _("Sessions counted"), _("Attendance rate (%)"), _("Status")]
    rows = []
    for row in grid.rows:
        summary = row.summary
        if row.outcome:
            state = _("Completed") if row.outcome == "completed" else _("Not completed")
        elif summary.at_risk:
            state = _("At risk")
        elif summary.behind:
            state = _("Below the rule")
        else:
            state = ""
        rows.append(
            [row.full_name, row.username, row.unit_name]
            + [_cell(v, h, s.is_cancelled)
               for v, h, s in zip(row.cells, grid.held, grid.sessions, strict=True)]
            + [summary.attended, summary.counted, summary.percent, state]
        )
    return header, rows


def grid_file(grid: Grid, fmt: str) -> tuple[bytes, str]:
    header, rows = grid_table(grid)
    if fmt == "csv":
        return csv_bytes(header, rows), "text/csv; charset=utf-8"
    sheet = Sheet(title=grid.klass.code, header=header, rows=rows, widths={0: 28, 2: 30})
    return xlsx_bytes([sheet]), XLSX
