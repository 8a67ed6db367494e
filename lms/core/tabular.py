"""Reading uploaded tables (CSV or XLSX) safely, for every import in the app.

The file type is decided by its content, not its name. Limits are checked before parsing:
size, rows, and for XLSX the uncompressed size and ratio of the zip (zip bombs); openpyxl
parses XML through defusedxml, which refuses entity expansion (billion laughs).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.core.text import nfc

MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_RATIO = 100


@dataclass
class RowError:
    row: int  # as the user sees it: the header is row 1
    column: str
    message: object  # a (lazy) translated string

    def __str__(self) -> str:
        return f"{self.row}/{self.column}: {self.message}"


@dataclass
class TableError(Exception):
    """The file cannot be read, or some rows are wrong: nothing is saved."""

    errors: list[RowError] = field(default_factory=list)
    message: object = None

    def __str__(self) -> str:
        return str(self.message) if self.message else "; ".join(map(str, self.errors))


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, object]]]  # (row number, {column: value})


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)) or ""


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TableError(message=_l("The file is not a valid XLSX workbook.")) from None
    entries = archive.infolist()
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if len(entries) > 1000 or total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise TableError(message=_l("The workbook expands to an unreasonable size; refused."))
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        raise TableError(message=_l("The file is not a valid XLSX workbook."))


def _read_xlsx(data: bytes) -> list[list[object]]:
    import openpyxl

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any parse error, including defusedxml's refusals
        raise TableError(message=_l("The XLSX workbook could not be read.")) from None
    try:
        sheet = workbook.worksheets[0]
        limit = current_app.config["IMPORT_MAX_ROWS"] + 1
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > limit:
                break
        return rows
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list[list[object]]:
    if b"\x00" in data:
        raise TableError(message=_l("The file is neither a CSV text file nor an XLSX workbook."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(
            message=_l("The CSV file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    limit = current_app.config["IMPORT_MAX_ROWS"] + 1
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            rows.append([_cell(v) for v in row])
            if len(rows) > limit:
                break
    except csv.Error:
        raise TableError(message=_l("The CSV file is malformed.")) from None
    return rows


def read_table(data: bytes, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Table:
    """Parse an uploaded CSV or XLSX file into rows keyed by the (lower-case) header names."""
    if not data:
        raise TableError(message=_l("The file is empty."))
    if len(data) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise TableError(message=_l("The file is larger than the allowed size."))
    raw = _read_xlsx(data) if data[:4] == b"PK\x03\x04" else _read_csv(data)
    # Keep each row's number as the user sees it in the file, blank rows skipped but counted.
    numbered = [(n, r) for n, r in enumerate(raw, start=1) if any(v != "" for v in r)]
    if not numbered:
        raise TableError(message=_l("The file is empty."))
    if len(numbered) - 1 > current_app.config["IMPORT_MAX_ROWS"]:
        raise TableError(
            message=_l(
                "The file has more than %(n)d rows.", n=current_app.config["IMPORT_MAX_ROWS"]
            )
        )
    header_number, header_values = numbered[0]
    header = [str(h).strip().lower() for h in header_values]
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h and h not in required + optional]
    errors = [RowError(header_number, c, _l("Required column is missing.")) for c in missing]
    errors += [RowError(header_number, c, _l("Unknown column.")) for c in unknown]
    if errors:
        raise TableError(errors=errors)
    rows = []
    for number, values in numbered[1:]:
        values = values + [""] * (len(header) - len(values))
        rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h}))
    return Table(columns=header, rows=rows)


def parse_date(value) -> date | None:
    """A date from a cell: a real date, dd/mm/yyyy, or yyyy-mm-dd. Raises ValueError."""
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)
