"""SVG charts drawn on the server, for the dashboard and the PDF (no JS).

Only presentation attributes are used (no style=""), so the page's CSP allows them inline.
Two layouts: SCREEN, drawn 360 units wide, so that on a 360 px phone (about 310 px for the
chart) no text is under 11 px; PRINT, 640 units wide for the 150 mm of the PDF. The axis of the
monthly chart has round ticks (0, 500, 1.000, …) and the months are named (T1…T12, Jan…Dec).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import pgettext
from markupsafe import Markup, escape

from lms.core.formatting import fmt_number, fmt_percent
from lms.reports.report import Row

PLAN_COLOUR = "#b8c2cc"
ACTUAL_COLOUR = "#b3261e"
PREVIOUS_COLOUR = "#1f5fa8"
FONT = "LMS Serif, Noto Serif, DejaVu Serif, serif"
CHAR = 0.56  # width of an average character, in font sizes (to fit labels without a browser)


@dataclass(frozen=True)
class Layout:
    width: int
    font: int  # every text but the title
    title: int


SCREEN = Layout(width=360, font=13, title=15)
PRINT = Layout(width=640, font=12, title=14)


def month_names() -> list[str]:
    """Short month names in the page's language: T1…T12 in Vietnamese, Jan…Dec in English."""
    return [
        pgettext("month", "Jan"),
        pgettext("month", "Feb"),
        pgettext("month", "Mar"),
        pgettext("month", "Apr"),
        pgettext("month", "May"),
        pgettext("month", "Jun"),
        pgettext("month", "Jul"),
        pgettext("month", "Aug"),
        pgettext("month", "Sep"),
        pgettext("month", "Oct"),
        pgettext("month", "Nov"),
        pgettext("month", "Dec"),
    ]


def nice_ticks(peak: float, most: int = 5) -> list[int]:
    """Round ticks from 0 to at least `peak`: steps of 1, 2 or 5 times a power of ten, at
    most `most` intervals (peak 1.234 → 0, 500, 1.000, 1.500)."""
    peak = max(peak, 1)
    raw = peak / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(int(step), 1)
    top = step * math.ceil(peak / step)
    return list(range(0, top + 1, step))


def _text(x, y, value, *, size, anchor="start", weight="normal", fill="#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f' font-weight="{weight}" fill="{fill}" font-family="{FONT}">{escape(value)}</text>'
    )


def _wrap(text: str, room: float, size: int, lines: int = 2) -> list[str]:
    """The words of `text` in at most `lines` lines of `room` units (the last one cut with …)."""
    most = max(int(room / (CHAR * size)), 4)
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= most:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: most - 1].rstrip() + "…"
    return [line if len(line) <= most else line[: most - 1] + "…" for line in out]


def _legend(x: float, y: float, items: list[tuple[str, str]], size: int) -> list[str]:
    parts = []
    for colour, label in items:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - size + 2:.1f}" width="{size}" height="{size}"'
            f' fill="{colour}"/>'
        )
        parts.append(_text(x + size + 4, y, label, size=size))
        x += size + 16 + CHAR * size * len(label)
    return parts


def plan_actual_bars(
    rows: list[Row], *, title: str, plan_label: str, actual_label: str, layout: Layout = PRINT
) -> Markup:
    """Horizontal bars per program: planned vs actual trainee-attendances."""
    width, size, left = layout.width, layout.font, 10
    bar, gap = size + 2, size
    value_room = CHAR * size * 15  # "12.345 (117%)"
    title_lines = _wrap(title, width - 2 * left, layout.title)
    top = len(title_lines) * (layout.title + 6) + size + 14
    labels = [_wrap(r.label, width - 2 * left, size) for r in rows]
    height = top + sum(len(lines) * (size + 4) + 2 * (bar + 2) + gap for lines in labels) + 6
    peak = max(
        [r.trainee_attendances for r in rows] + [r.planned_attendances or 0 for r in rows] + [1]
    )
    scale = (width - left - value_room) / peak
    parts = [
        _text(left, 4 + layout.title * (n + 1) + 6 * n, line, size=layout.title, weight="bold")
        for n, line in enumerate(title_lines)
    ]
    parts += _legend(
        left, top - 10, [(PLAN_COLOUR, plan_label), (ACTUAL_COLOUR, actual_label)], size
    )
    y = top
    for row, lines in zip(rows, labels, strict=True):
        for line in lines:
            parts.append(_text(left, y + size, line, size=size, weight="bold"))
            y += size + 4
        y += 2
        for value, colour in (
            (row.planned_attendances, PLAN_COLOUR),
            (row.trainee_attendances, ACTUAL_COLOUR),
        ):
            length = (value or 0) * scale
            parts.append(
                f'<rect x="{left}" y="{y:.1f}" width="{length:.1f}" height="{bar}"'
                f' fill="{colour}"/>'
            )
            label = "—" if value is None else fmt_number(value)
            if colour == ACTUAL_COLOUR and row.attendances_pct is not None:
                label += f" ({fmt_percent(row.attendances_pct)})"
            parts.append(_text(left + length + 5, y + bar - 3, label, size=size))
            y += bar + 2
        y += gap
    return _svg(width, height, title, parts)


def monthly_trend(
    months: list[Row],
    previous: list[Row] | None,
    *,
    title: str,
    year: int,
    layout: Layout = PRINT,
) -> Markup:
    """Trainee-attendances per month (bars), the previous year as a line."""
    width, size = layout.width, layout.font
    values = [m.trainee_attendances for m in months]
    before = [m.trainee_attendances for m in previous] if previous else []
    if not any(before):
        before, previous = [], None
    ticks = nice_ticks(max(values + before + [1]))
    top_value = ticks[-1]
    left = 8 + CHAR * size * len(fmt_number(top_value))
    title_lines = _wrap(title, width - 20, layout.title)
    top = len(title_lines) * (layout.title + 6) + size + 18
    bottom = size + 12
    height = top + (150 if layout is SCREEN else 180) + bottom
    plot_h = height - top - bottom
    step = (width - left - 6) / 12
    parts = [
        _text(10, 4 + layout.title * (n + 1) + 6 * n, line, size=layout.title, weight="bold")
        for n, line in enumerate(title_lines)
    ]
    parts += _legend(
        10,
        top - 14,
        [(ACTUAL_COLOUR, str(year))] + ([(PREVIOUS_COLOUR, str(year - 1))] if previous else []),
        size,
    )
    for tick in ticks:
        y = top + plot_h * (1 - tick / top_value)
        parts.append(
            f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(_text(left - 4, y + size / 3, fmt_number(tick), size=size, anchor="end"))
    names = month_names()
    for index, value in enumerate(values):
        bar_h = plot_h * value / top_value
        x = left + index * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{step * 0.7:.1f}"'
            f' height="{bar_h:.1f}" fill="{ACTUAL_COLOUR}"/>'
        )
        parts.append(
            _text(
                left + index * step + step / 2, height - 6, names[index], size=size, anchor="middle"
            )
        )
    if before:
        points = " ".join(
            f"{left + i * step + step / 2:.1f},{top + plot_h * (1 - v / top_value):.1f}"
            for i, v in enumerate(before)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{PREVIOUS_COLOUR}" stroke-width="2"/>'
        )
    return _svg(width, height, title, parts)


def _svg(width: int, height: float, title: str, parts: list[str]) -> Markup:
    return Markup(  # noqa: S704  (every text node above is escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}"'
        f' width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
