"""Every page of each role, and what the browser checks on each (tests/e2e/test_every_page.py).

PAGES lists, per role, the HTML pages that role opens, as (endpoint, URL arguments taken from
the center of tests/center.py). tests/core/test_page_inventory.py keeps it complete: every GET
endpoint is either a page listed here or a file download named in NOT_PAGES.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.center import Center

VENDOR = Path(__file__).resolve().parent / "vendor"
PHONE_WIDTH = 360

# GET endpoints that answer a file or JSON, not a page: nothing to lay out or read aloud.
NOT_PAGES = {
    "static",
    "admin.signature_image",
    "admin.users_import_template",
    "attendance.grid_export",
    "attendance.import_template",
    "attendance.offline_sw",
    "attendance.projector_code",
    "certificates.download",
    "certificates.job_download",
    "certificates.job_status",
    "enrollment.calendar_feed",
    "enrollment.roster_csv",
    "enrollment.roster_xlsx",
    "enrollment.sign_in_sheet",
    "reports.export",
}

Args = Callable[[Center], dict]


def _none(_center: Center) -> dict:
    return {}


def _year(center: Center) -> dict:
    return {"year": center.running.start_date.year}


USERNAMES = {
    "director": "giamdoc",
    "instructor": "giangvien",
    "trainee": "hocvien",
    "admin": "quantri",
    "anonymous": None,
}

PAGES: dict[str, list[tuple[str, Args]]] = {
    "director": [
        ("core.index", _none),
        ("classes.class_list", _none),
        ("classes.class_new", _none),
        ("classes.hub", lambda c: {"class_id": c.running.id}),
        ("classes.hub", lambda c: {"class_id": c.finished.id}),
        ("classes.hub", lambda c: {"class_id": c.waiting.id}),
        ("classes.class_manage", lambda c: {"class_id": c.running.id}),
        ("classes.class_edit", lambda c: {"class_id": c.running.id}),
        ("classes.session_edit", lambda c: {"session_id": c.held.id}),
        ("classes.class_page", lambda c: {"class_id": c.running.id}),
        ("classes.programs", _none),
        ("classes.program_new", _none),
        ("classes.program_edit", lambda c: {"program_id": c.program.id}),
        ("enrollment.assign", lambda c: {"class_id": c.running.id}),
        ("enrollment.roster", lambda c: {"class_id": c.full.id}),
        ("attendance.teaching", _none),
        ("attendance.roster", lambda c: {"session_id": c.held.id}),
        ("attendance.grid", lambda c: {"class_id": c.running.id}),
        ("attendance.import_page", lambda c: {"class_id": c.running.id}),
        ("attendance.projector", lambda c: {"session_id": c.today.id}),
        ("attendance.walkin", lambda c: {"session_id": c.today.id}),
        ("cards.scan", lambda c: {"session_id": c.today.id}),
        ("cards.class_cards", lambda c: {"class_id": c.running.id}),
        ("certificates.overview", _none),
        ("certificates.class_certificates", lambda c: {"class_id": c.finished.id}),
        ("certificates.detail", lambda c: {"cert_id": c.certificate.id}),
        ("certificates.job", lambda c: {"job_id": c.job.id}),
        ("reports.dashboard", _none),
        ("reports.details", _year),
        ("reports.plans", _year),
        ("enrollment.my_classes", _none),
        ("notices.outbox", _none),
        ("auth.confirm", _none),
        ("auth.change_password", _none),
    ],
    "instructor": [
        ("core.index", _none),
        ("attendance.teaching", _none),
        ("classes.hub", lambda c: {"class_id": c.running.id}),
        ("enrollment.roster", lambda c: {"class_id": c.running.id}),
        ("attendance.roster", lambda c: {"session_id": c.today.id}),
        ("attendance.grid", lambda c: {"class_id": c.running.id}),
        ("attendance.import_page", lambda c: {"class_id": c.running.id}),
        ("attendance.projector", lambda c: {"session_id": c.today.id}),
        ("cards.scan", lambda c: {"session_id": c.today.id}),
        ("enrollment.my_classes", _none),
        ("classes.class_page", lambda c: {"class_id": c.running.id}),
    ],
    "trainee": [
        ("core.index", _none),
        ("enrollment.my_classes", _none),
        ("classes.catalog", _none),
        ("classes.class_page", lambda c: {"class_id": c.full.id}),
        ("classes.class_page", lambda c: {"class_id": c.running.id}),
        ("attendance.checkin_form", _none),
        ("attendance.checkin_landing", lambda c: {"session_id": c.today.id}),
        ("attendance.my_index", _none),
        ("attendance.my_class", lambda c: {"class_id": c.running.id}),
        ("certificates.my_certificates", _none),
        ("notices.index", _none),
        ("notices.preferences", _none),
        ("auth.change_password", _none),
    ],
    "admin": [
        ("core.index", _none),
        ("admin.users", _none),
        ("admin.user_new", _none),
        ("admin.user_edit", lambda c: {"user_id": c.trainee.id}),
        ("admin.users_import", _none),
        ("admin.units", _none),
        ("admin.unit_new", _none),
        ("admin.unit_edit", lambda c: {"unit_id": c.cell.id}),
        ("admin.settings", _none),
    ],
    "anonymous": [
        ("auth.login", _none),
        ("certificates.verify_form", _none),
        ("certificates.verify", lambda c: {"code": c.certificate.verification_code}),
    ],
}


def listed_endpoints() -> set[str]:
    return {endpoint for pages in PAGES.values() for endpoint, _args in pages}


# --- what the browser checks on each page -----------------------------------------------------

# Labels must name a field of their own form, and ids must be unique (a label "for" a
# duplicated id points at the first one: the other form's field).
LABEL_CHECK = """() => {
  const problems = [];
  const seen = {};
  document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  Object.entries(seen).forEach(([id, n]) => {
    if (n > 1) problems.push(`id "${id}" used ${n} times`);
  });
  document.querySelectorAll("label[for]").forEach((label) => {
    const target = document.getElementById(label.htmlFor);
    const text = label.textContent.trim();
    if (!target) problems.push(`label "${text}" names no field (${label.htmlFor})`);
    else if (label.closest("form") !== target.closest("form"))
      problems.push(`label "${text}" names a field of another form`);
  });
  return problems;
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""

# Wider than the screen: the page itself, and which elements stick out (to know what to fix).
WIDTH_CHECK = """(limit) => {
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return [];
  const wide = [];
  document.querySelectorAll("body *").forEach((el) => {
    const box = el.getBoundingClientRect();
    if (box.right > limit + 1 && !el.closest(".table-wrap")) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(box.right)}`);
    }
  });
  return [`page ${width} px wide: ` + wide.slice(0, 4).join(", ")];
}"""


def axe_source() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


def with_axe(page) -> None:
    """Load axe-core in every page this page's context opens (before the page's own scripts:
    half the time of adding it to each page afterwards). The context must bypass the CSP."""
    page.context.add_init_script(script=axe_source())


def check_page(page, *, phone: bool) -> list[str]:
    """What is wrong with the page now open: wider than a phone, labels, axe findings."""
    problems = list(page.evaluate(LABEL_CHECK))
    if phone:
        problems += page.evaluate(WIDTH_CHECK, PHONE_WIDTH)
    problems += page.evaluate(AXE_RUN)
    return problems
