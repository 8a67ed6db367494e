"""Writing CSV (UTF-8 with BOM, for Excel) and XLSX files; formula-like cells neutralised."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    number_formats: dict[int, str] = field(default_factory=dict)  # column index -> format
    totals: list | None = None  # a bold last row
    widths: dict[int, int] = field(default_factory=dict)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """One workbook: a frozen bold header row per sheet, number formats, an optional totals row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        sheet.append([neutralise(h) for h in spec.header])
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in spec.rows:
            sheet.append([neutralise(v) for v in row])
        if spec.totals is not None:
            sheet.append([neutralise(v) for v in spec.totals])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for index, number_format in spec.number_formats.items():
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = number_format
        for index, header in enumerate(spec.header):
            width = spec.widths.get(index) or min(max(len(str(header)) + 2, 10), 50)
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
