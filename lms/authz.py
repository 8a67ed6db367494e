"""Who may do what: the authorization matrix, one row per endpoint.

Each row says which roles may call the endpoint (`PUBLIC`, `SIGNED_IN`, or any of the named
roles) and which relation to the object in the URL the caller must also have (the *scope*).
`lms.access.check_access` enforces the roles before the view runs (deny by default: an
endpoint missing here answers 403); the scope is enforced by the service function named in
`SCOPES`, which answers 404 for an object the caller may not see (no existence oracle).
`tests/security/test_authorization_matrix.py` visits every endpoint as seven personas and
derives the expected answer from this table; docs/security.md prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC = "public"
SIGNED_IN = "signed_in"

# Scopes: the relation to the object named in the URL that the role alone does not give.
ANY = "any"
SELF = "self"
OWN_ENROLLMENT = "own enrolment"
OWN_CERTIFICATE = "own certificate"
OWN_JOB = "own job"
CLASS_STAFF = "class staff"
CLASS_VISIBLE = "visible class"
OPEN_CLASS = "open class"
CLASS_SCANNER = "class scanner"
CAPABILITY_URL = "capability URL"

# What each scope means, and the function that enforces it.
SCOPES = {
    ANY: ("any object: the role is enough", "—"),
    SELF: (
        "only the caller's own data (the identity comes from the session, never the request)",
        "current_user in the view",
    ),
    OWN_ENROLLMENT: (
        "a class the caller is enrolled in; anyone else: 404",
        "lms.attendance.grid.my_attendance, lms.enrollment.views.withdraw",
    ),
    OWN_CERTIFICATE: (
        "the caller's own valid certificate; directors: any; anyone else: 404",
        "lms.certificates.services.certificate_for",
    ),
    OWN_JOB: ("a job the caller started; anyone else: 404", "lms.certificates.views._own_job"),
    CLASS_STAFF: (
        "an instructor of this class; directors: any class; other instructors: 404",
        "lms.attendance.services.require_marker, lms.enrollment.queries.roster_class, "
        "lms.classes.hub.hub_class",
    ),
    CLASS_VISIBLE: (
        "a class open for enrolment, or one the caller is enrolled in or teaches; directors: "
        "any; anyone else: 404",
        "lms.classes.services.visible_class_for_trainee",
    ),
    CLASS_SCANNER: (
        "an instructor or a clerk named for this class; directors: any class; anyone else: 404",
        "lms.cards.services.require_scanner",
    ),
    OPEN_CLASS: (
        "a class whose enrolment mode is open (self-enrolment); any other class: 404",
        "lms.enrollment.views.enrol",
    ),
    CAPABILITY_URL: ("whoever holds the secret in the URL (calendar token, verification code)",
                     "—"),
}


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    scope: str = ANY


def _rule(*who: str, scope: str = ANY) -> Rule:
    return Rule(frozenset(who), scope)


DIRECTOR, INSTRUCTOR, TRAINEE, ADMIN = "director", "instructor", "trainee", "admin"

MATRIX: dict[str, Rule] = {
    # --- sign-in, own account, language ---------------------------------------------------
    "static": _rule(PUBLIC),
    "core.index": _rule(PUBLIC),
    "core.set_language": _rule(PUBLIC),
    "auth.login": _rule(PUBLIC),
    "auth.logout": _rule(SIGNED_IN, scope=SELF),
    "auth.confirm": _rule(SIGNED_IN, scope=SELF),
    "auth.change_password": _rule(SIGNED_IN, scope=SELF),
    # --- admin ----------------------------------------------------------------------------
    "admin.users": _rule(ADMIN),
    "admin.user_new": _rule(ADMIN),
    "admin.user_edit": _rule(ADMIN),
    "admin.user_password": _rule(ADMIN),
    "admin.user_activate": _rule(ADMIN),
    "admin.user_deactivate": _rule(ADMIN),
    "admin.users_import": _rule(ADMIN),
    "admin.users_import_template": _rule(ADMIN),
    "admin.units": _rule(ADMIN),
    "admin.unit_new": _rule(ADMIN),
    "admin.unit_edit": _rule(ADMIN),
    "admin.unit_activate": _rule(ADMIN),
    "admin.unit_deactivate": _rule(ADMIN),
    "admin.settings": _rule(ADMIN),
    "admin.signature_upload": _rule(ADMIN),
    "admin.signature_image": _rule(ADMIN),
    "admin.signature_remove": _rule(ADMIN),
    # --- programs and classes -------------------------------------------------------------
    "classes.programs": _rule(DIRECTOR),
    "classes.program_new": _rule(DIRECTOR),
    "classes.program_edit": _rule(DIRECTOR),
    "classes.program_retire": _rule(DIRECTOR),
    "classes.class_list": _rule(DIRECTOR),
    "classes.class_new": _rule(DIRECTOR),
    "classes.class_edit": _rule(DIRECTOR),
    "classes.class_manage": _rule(DIRECTOR),
    "classes.class_cancel": _rule(DIRECTOR),
    "classes.session_add": _rule(DIRECTOR),
    "classes.session_series": _rule(DIRECTOR),
    "classes.session_edit": _rule(DIRECTOR),
    "classes.session_cancel": _rule(DIRECTOR),
    "classes.session_restore": _rule(DIRECTOR),
    "classes.catalog": _rule(SIGNED_IN),
    "classes.class_page": _rule(SIGNED_IN, scope=CLASS_VISIBLE),
    "classes.hub": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    # --- enrollment ------------------------------------------------------------------------
    "enrollment.enrol": _rule(TRAINEE, scope=OPEN_CLASS),
    "enrollment.withdraw": _rule(TRAINEE, scope=OWN_ENROLLMENT),
    "enrollment.director_withdraw": _rule(DIRECTOR),
    "enrollment.assign": _rule(DIRECTOR),
    "enrollment.roster": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "enrollment.roster_csv": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "enrollment.roster_xlsx": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "enrollment.sign_in_sheet": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "enrollment.my_classes": _rule(SIGNED_IN, scope=SELF),
    "enrollment.dismiss_promotions": _rule(SIGNED_IN, scope=SELF),
    "enrollment.rotate_calendar": _rule(SIGNED_IN, scope=SELF),
    "enrollment.calendar_feed": _rule(PUBLIC, scope=CAPABILITY_URL),
    # --- attendance -----------------------------------------------------------------------
    "attendance.teaching": _rule(DIRECTOR, INSTRUCTOR, scope=SELF),
    "attendance.roster": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.grid": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.grid_export": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.import_page": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.import_template": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.close_out_class": _rule(DIRECTOR),
    "attendance.reopen_class": _rule(DIRECTOR),
    "attendance.open_checkin": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.projector": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.projector_code": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.walkin": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.walkin_add": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.walkin_new": _rule(DIRECTOR, INSTRUCTOR, scope=CLASS_STAFF),
    "attendance.offline_sw": _rule(PUBLIC),
    # Marks: class staff (checked by the service); scans only: also the class's clerks.
    "attendance.offline_sync": _rule(SIGNED_IN, scope=CLASS_SCANNER),
    "attendance.offline_decide": _rule(DIRECTOR),
    # Check-in: the session's details only for a class the caller may see; the mark is the
    # caller's own, for their own enrollment (refused with a message otherwise).
    "attendance.checkin_form": _rule(SIGNED_IN, scope=SELF),
    "attendance.checkin_landing": _rule(SIGNED_IN, scope=SELF),
    "attendance.my_index": _rule(SIGNED_IN, scope=SELF),
    "attendance.my_class": _rule(SIGNED_IN, scope=OWN_ENROLLMENT),
    # --- check-in cards (lms/cards): a clerk may hold any role, the scope decides ----------
    "cards.scan": _rule(SIGNED_IN, scope=CLASS_SCANNER),
    "cards.class_cards": _rule(DIRECTOR),
    "cards.class_cards_pdf": _rule(DIRECTOR),
    "cards.unit_cards_pdf": _rule(DIRECTOR),
    "cards.reissue": _rule(DIRECTOR),
    "cards.clerk_add": _rule(DIRECTOR),
    "cards.clerk_remove": _rule(DIRECTOR),
    "cards.my_card_issue": _rule(SIGNED_IN, scope=SELF),
    # --- certificates ---------------------------------------------------------------------
    "certificates.overview": _rule(DIRECTOR),
    "certificates.class_certificates": _rule(DIRECTOR),
    "certificates.issue_one": _rule(DIRECTOR),
    "certificates.start_batch": _rule(DIRECTOR),
    "certificates.detail": _rule(DIRECTOR),
    "certificates.revoke": _rule(DIRECTOR),
    "certificates.reissue": _rule(DIRECTOR),
    "certificates.download": _rule(SIGNED_IN, scope=OWN_CERTIFICATE),
    "certificates.my_certificates": _rule(TRAINEE, scope=SELF),
    "certificates.job": _rule(SIGNED_IN, scope=OWN_JOB),
    "certificates.job_status": _rule(SIGNED_IN, scope=OWN_JOB),
    "certificates.job_retry": _rule(SIGNED_IN, scope=OWN_JOB),
    "certificates.job_download": _rule(SIGNED_IN, scope=OWN_JOB),
    "certificates.verify_form": _rule(PUBLIC),
    "certificates.verify": _rule(PUBLIC, scope=CAPABILITY_URL),
    # --- reports --------------------------------------------------------------------------
    "reports.dashboard": _rule(DIRECTOR),
    "reports.details": _rule(DIRECTOR),
    "reports.export": _rule(DIRECTOR),
    "reports.plans": _rule(DIRECTOR),
    "reports.save_plans": _rule(DIRECTOR),
    "reports.import_plans": _rule(DIRECTOR),
    # --- notices (lms/notices) ------------------------------------------------------------
    "notices.index": _rule(SIGNED_IN, scope=SELF),
    "notices.mark_read": _rule(SIGNED_IN, scope=SELF),
    "notices.preferences": _rule(SIGNED_IN, scope=SELF),
    "notices.outbox": _rule(DIRECTOR),
    "notices.resend": _rule(DIRECTOR),
}


def as_markdown(app) -> str:
    """The matrix as a Markdown table (docs/security.md holds a copy that a test keeps
    current): `python -c "from lms import create_app; from lms.authz import as_markdown;
    print(as_markdown(create_app()))"`."""
    names = {PUBLIC: "anyone", SIGNED_IN: "signed in"}
    lines = ["| endpoint | URL | methods | who | scope |", "| --- | --- | --- | --- | --- |"]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        row = MATRIX.get(rule.endpoint)
        who = ", ".join(sorted(names.get(w, w) for w in row.who)) if row else "—"
        methods = ", ".join(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        scope = row.scope if row else "not classified: refused"
        lines.append(f"| `{rule.endpoint}` | `{rule.rule}` | {methods} | {who} | {scope} |")
    return "\n".join(lines) + "\n"
