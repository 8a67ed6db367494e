"""SVG charts drawn on the server: the same markup on the dashboard and in the PDF (no JS).

Only presentation attributes are used (no style=""), so the page's CSP allows them inline.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from lms.core.formatting import fmt_number
from lms.reports.report import Row

PLAN_COLOUR = "#b8c2cc"
ACTUAL_COLOUR = "#b3261e"
PREVIOUS_COLOUR = "#1f5fa8"
FONT = "LMS Serif, Noto Serif, DejaVu Serif, serif"


def _text(x, y, value, *, size=12, anchor="start", weight="normal", fill="#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f' font-weight="{weight}" fill="{fill}" font-family="{FONT}">{escape(value)}</text>'
    )


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> list[str]:
    parts = []
    for colour, label in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y, label, size=12))
        x += 24 + 7.5 * len(label)
    return parts


def plan_actual_bars(rows: list[Row], *, title: str, plan_label: str, actual_label: str) -> Markup:
    """Horizontal bars per program: planned vs actual trainee-attendances."""
    width, bar, gap, left = 640, 14, 22, 10
    top = 48
    height = top + len(rows) * (2 * bar + gap + 16) + 10
    peak = max(
        [r.trainee_attendances for r in rows] + [r.planned_attendances or 0 for r in rows] + [1]
    )
    scale = (width - left - 120) / peak
    parts = [_text(left, 18, title, size=14, weight="bold")]
    parts += _legend(left, 38, [(PLAN_COLOUR, plan_label), (ACTUAL_COLOUR, actual_label)])
    y = top
    for row in rows:
        parts.append(_text(left, y + 12, row.label, size=12, weight="bold"))
        y += 16
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
                label += f" ({row.attendances_pct}%)"
            parts.append(_text(left + length + 6, y + bar - 2, label, size=11))
            y += bar + 2
        y += gap
    return _svg(width, height, title, parts)


def monthly_trend(
    months: list[Row], previous: list[Row] | None, *, title: str, year: int
) -> Markup:
    """Trainee-attendances per month (bars), the previous year as a line."""
    width, height, left, bottom, top = 640, 260, 48, 30, 48
    plot_h = height - top - bottom
    values = [m.trainee_attendances for m in months]
    before = [m.trainee_attendances for m in previous] if previous else []
    if not any(before):
        before, previous = [], None
    peak = max(values + before + [1])
    step = (width - left - 10) / 12
    parts = [_text(10, 18, title, size=14, weight="bold")]
    parts += _legend(
        10,
        38,
        [(ACTUAL_COLOUR, str(year))] + ([(PREVIOUS_COLOUR, str(year - 1))] if previous else []),
    )
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            _text(left - 4, y + 4, fmt_number(round(peak * fraction)), size=10, anchor="end")
        )
    for index, value in enumerate(values):
        bar_h = plot_h * value / peak
        x = left + index * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{step * 0.7:.1f}"'
            f' height="{bar_h:.1f}" fill="{ACTUAL_COLOUR}"/>'
        )
        parts.append(
            _text(
                left + index * step + step / 2,
                height - 12,
                str(index + 1),
                size=11,
                anchor="middle",
            )
        )
    if before:
        points = " ".join(
            f"{left + i * step + step / 2:.1f},{top + plot_h * (1 - v / peak):.1f}"
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
