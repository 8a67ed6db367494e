"""Every form of the app, posted through its real view with hostile values (ASVS 5.0 V2/V1:
input validation): random Unicode, NUL, invalid UTF-8, 100,000-character strings, lists where
one value is expected, missing fields, impossible dates and numbers.

The answer is a page (200/400/422), a redirect, or a 404 for an object that does not exist:
never a 500. When the answer says no (an error page, a re-rendered form, an error flashed
before a redirect) the database is exactly as before: nothing half-written.

FORM_TARGETS names the view(s) of each form. A new Form subclass without an entry makes
test_every_form_has_a_target fail: add its view here.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import given

import lms
from lms.admin import forms as admin
from lms.attendance import forms as attendance
from lms.auth import forms as auth
from lms.cards import forms as cards
from lms.certificates import forms as certificates
from lms.classes import forms as classes
from lms.core.forms import ActionForm, Form, LanguageForm
from lms.enrollment import forms as enrollment
from lms.extensions import db
from lms.notices import forms as notices
from lms.reports import forms as reports
from tests.attendance.conftest import session_times_around_now
from tests.security.fuzzing import (
    FAST,
    changed_tables,
    encode_form,
    form_data,
    pop_flashes,
    post_form,
    snapshot,
)

YEAR = date.today().year


@dataclass
class Target:
    url: str  # formatted with the world's ids: {klass} {session} {unit} {user} {program} {cert}
    method: str = "POST"
    anonymous: bool = False  # posted by a visitor who is not signed in
    prefix: str = ""
    fixed: dict = field(default_factory=dict)  # sent as they are (which form on a shared page)
    extra_fields: tuple = ()  # names the view reads from request.form besides the form's fields
    # Tables an answer that says no may still write, and why.
    may_write: tuple = ()


FORM_TARGETS: dict[type, list[Target]] = {
    admin.UserForm: [Target("/admin/users/new"), Target("/admin/users/{user}")],
    admin.FilterForm: [Target("/admin/users", method="GET")],
    admin.ResetPasswordForm: [Target("/admin/users/{user}/password")],
    admin.ImportForm: [Target("/admin/users/import")],
    admin.UnitForm: [Target("/admin/units/new"), Target("/admin/units/{unit}")],
    admin.SettingsForm: [Target("/admin/settings")],
    admin.SignatureForm: [Target("/admin/settings/signature")],
    attendance.RosterForm: [
        Target("/sessions/{session}/attendance", extra_fields=("s-{e0}", "o-{e0}", "n-{e0}",
                                                                "on-{e0}", "s-{e1}", "s-x"))
    ],
    attendance.ImportMarksForm: [
        Target("/classes/{klass}/attendance/import", extra_fields=("check", "confirm"))
    ],
    attendance.CheckinForm: [Target("/checkin"), Target("/checkin/{session}")],
    attendance.WalkinSearchForm: [Target("/sessions/{session}/walkin", method="GET")],
    attendance.WalkinAddForm: [Target("/sessions/{session}/walkin/add")],
    attendance.WalkinNewForm: [Target("/sessions/{session}/walkin/new")],
    cards.ScanForm: [Target("/sessions/{session}/scan")],
    cards.ClerkForm: [Target("/classes/{klass}/clerks")],
    cards.UnitCardsForm: [Target("/cards/unit.pdf")],
    auth.LoginForm: [Target("/login", anonymous=True)],
    auth.PasswordForm: [Target("/account/password")],
    auth.ConfirmForm: [Target("/login/confirm")],
    certificates.RevokeForm: [Target("/certificates/{cert}/revoke", prefix="revoke-")],
    certificates.ReissueForm: [Target("/certificates/{cert}/reissue", prefix="reissue-")],
    certificates.VerifyCodeForm: [Target("/verify", method="GET", anonymous=True)],
    certificates.VerifyNumberForm: [Target("/verify", anonymous=True)],
    classes.ProgramForm: [Target("/programs/new"), Target("/programs/{program}/edit")],
    classes.ClassForm: [Target("/classes/new"), Target("/classes/{klass}/edit")],
    classes.CancelForm: [Target("/classes/{klass}/cancel")],
    classes.CancelSessionForm: [Target("/sessions/{session}/cancel")],
    classes.ReasonForm: [Target("/sessions/{session}/restore", prefix="restore-"),
                         Target("/classes/{klass}/reopen", prefix="reopen-")],
    classes.SessionForm: [Target("/classes/{klass}/sessions"), Target("/sessions/{session}/edit")],
    classes.SeriesForm: [Target("/classes/{klass}/sessions/series")],
    # The CSRF-only form guards every button; the plan grid is the one that carries values.
    ActionForm: [
        Target(f"/reports/plans/{YEAR}", extra_fields=(
            "p{program}-planned_classes", "p{program}-planned_attendances",
            "p{program}-q1_classes", "p{program}-q2_classes", "p{program}-q1_attendances"))
    ],
    LanguageForm: [Target("/language")],
    enrollment.PickForm: [Target("/classes/{klass}/assign", fixed={"kind": "pick"})],
    enrollment.UnitForm: [Target("/classes/{klass}/assign", fixed={"kind": "unit"})],
    enrollment.RosterImportForm: [Target("/classes/{klass}/assign", fixed={"kind": "import"})],
    reports.PlanImportForm: [Target(f"/reports/plans/{YEAR}/import")],
    notices.PreferencesForm: [Target("/notices/preferences")],
    notices.ReadForm: [Target("/notices/read")],
    notices.ResendForm: [Target("/notices/outbox/resend")],
    notices.OutboxFilterForm: [Target("/notices/outbox", method="GET")],
}

# Values that make a field valid, so that some draws get past the form to the service.
PLAUSIBLE = {
    "roles": ["trainee", "admin", "director"],
    "header_kind": ["party", "state"],
    "kind": ["course", "conference"],
    "excused_rule": ["counts", "absent", "ignored"],
    "enrollment_mode": ["open", "assigned"],
    "weekdays": ["0", "1", "6", "7"],
    "lang": ["vi", "en"],
    "language": ["vi", "en"],
    "register_format": ["{seq:04d}/{year}", "{seq}", "{year}"],
    "status": ["active", "inactive"],
    "code": ["123456", "P1"],
    "s-": ["present", "absent", "late", "excused", ""],
}


def _all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = set(), [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("lms.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_form_has_a_target():
    missing = {f"{c.__module__}.{c.__name__}" for c in _all_form_classes() - set(FORM_TARGETS)}
    assert not missing, f"forms without a fuzz target in FORM_TARGETS: {sorted(missing)}"


@pytest.fixture
def world(make, app):
    """A center with one of everything, and a user holding every role (fresh sign-in)."""
    from lms.certificates.services import issue_certificate

    make.settings()
    me = make.user(roles=("trainee", "instructor", "director", "admin"), full_name="Quản Trị")
    other = make.trainee(full_name="Phạm Thu Trang", member_id="123")
    day, starts, ends = session_times_around_now()
    klass = make.klass(start_date=day, instructors=[me], capacity=50)
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    enrollments = [make.enrollment(klass, make.trainee()) for _ in range(2)]
    finished = make.klass(start_date=date.today() - timedelta(days=30))
    done = make.enrollment(finished, make.trainee(), outcome="completed", attended_count=5)
    cert = issue_certificate(done, actor=me)
    db.session.commit()
    return {
        "me": me, "user": other.id, "unit": other.unit_id, "klass": klass.id,
        "session": session.id, "program": klass.program_id, "cert": cert.id,
        "e0": enrollments[0].id, "e1": enrollments[1].id,
    }


def _plausible(field) -> list[str]:
    """Values that pass this field's own checks, so that some draws reach the service."""
    kind = type(field).__name__
    if kind == "DateField":
        formats = getattr(field, "format", None) or ["%d/%m/%Y"]
        return [date.today().strftime(formats[0]), (date.today() + timedelta(days=3)).strftime(
            formats[0])]
    if kind == "TimeField":
        return ["08:00", "10:30"]
    if kind in ("IntegerField", "WholeNumberField"):
        return ["5", "80"]
    if kind == "BooleanField":
        return ["y"]
    if kind == "PasswordField":
        return ["Mật-khẩu-mới-2026"]
    if kind in ("StringField", "TextAreaField", "HiddenField"):
        return ["Nguyễn Thị Hòa", "P9"]
    choices = getattr(field, "choices", None)
    if choices:
        return [str(c[0]) for c in field.iter_choices()][:4]
    return []


def _fields(form_class: type, prefix: str, app) -> dict[str, list[str]]:
    with app.test_request_context():
        form = form_class(meta={"csrf": False}, prefix=prefix.rstrip("-"))
        return {f.name: _plausible(f) for f in form}


def _cases():
    for form_class, targets in FORM_TARGETS.items():
        for target in targets:
            yield pytest.param(form_class, target, id=f"{form_class.__name__}:{target.url}")


@pytest.mark.parametrize(("form_class", "target"), list(_cases()))
def test_hostile_values_never_give_a_500_or_a_partial_write(
    form_class, target, app, client, login, world
):
    login(world["me"])
    visitor = app.test_client()
    ids = {k: v for k, v in world.items() if k != "me"}
    url = target.url.format(**ids)
    extras = _fields(form_class, target.prefix, app)
    extras.update({n.format(**ids): [] for n in target.extra_fields})
    for name in extras:
        extras[name] = PLAUSIBLE.get(name.removeprefix(target.prefix)) or PLAUSIBLE.get(
            name[:2]) or extras[name] or ["5"]
    names = list(extras)
    who = visitor if target.anonymous else client

    @FAST
    @given(values=form_data(names, extras))
    def check(values):
        before = snapshot()
        if target.method == "GET":
            response = who.get(url + "?" + encode_form(values, target.fixed).decode())
        else:
            response = post_form(who, url, values, target.fixed)
        flashes = pop_flashes(who)
        assert response.status_code != 500, response.text[:2000]
        assert response.status_code in (200, 302, 303, 400, 404, 409, 422), response.status_code
        refused = response.status_code >= 400 or any(c == "error" for c, _m in flashes)
        # A POST may answer a file (the cards PDF): only a page can show a form error.
        if response.status_code == 200 and target.method == "POST" and (
            response.mimetype == "text/html"
        ):
            refused = refused or 'class="error-text"' in response.text
        if refused:
            after = snapshot()
            assert set(changed_tables(before, after)) <= set(target.may_write), (
                changed_tables(before, after)
            )

    check()
