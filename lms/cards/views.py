"""Check-in cards: the scan page at the door (JSON for its script, HTML without it), printing
cards for a class or a unit, reissuing a lost card, naming clerks, and a trainee's own card."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms import ratelimit
from lms.cards import services
from lms.cards.blueprint import bp
from lms.cards.forms import ClerkForm, ScanForm, UnitCardsForm
from lms.classes.models import Class, ClassSession
from lms.core.forms import ActionForm
from lms.core.work import attempt, saving
from lms.extensions import db
from lms.units.models import Unit
from lms.units.services import unit_choices

# Per scanning person: a door with 300 people in 15 minutes is 20 a minute; a quick clerk
# with a queue may reach one a second. Unknown codes (typing mistakes, or someone trying
# numbers) have a tighter limit of their own. Both settable (RATELIMIT_SCAN...).
SCAN_LIMIT = "90 per minute"
UNKNOWN_LIMIT = "20 per minute; 100 per hour"


def _limits() -> tuple[str, str]:
    config = current_app.config
    return (config.get("RATELIMIT_SCAN", SCAN_LIMIT),
            config.get("RATELIMIT_SCAN_UNKNOWN", UNKNOWN_LIMIT))


def _user():
    return current_user._get_current_object()


def _session_for_scanner(session_id: int) -> ClassSession:
    session = db.get_or_404(ClassSession, session_id)
    services.require_scanner(session.klass, actor=_user())
    return session


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/sessions/<int:session_id>/scan", methods=["GET", "POST"])
def scan(session_id: int):
    session = _session_for_scanner(session_id)
    form = ScanForm()
    answer = None
    status = 200
    if request.method == "POST":
        user_id = str(_user().id)
        scan_limit, unknown_limit = _limits()
        if not form.validate_on_submit():
            # (A stale CSRF token never gets here: CSRFProtect answers 400 first, and the
            # page's script says "expired" for it.)
            answer = services.ScanAnswer(services.UNKNOWN, _(
                "Type the card's 8-digit number, or scan its QR code."))
            status = 400
        elif not ratelimit.within(unknown_limit, "scan-unknown", user_id) or not ratelimit.hit(
            scan_limit, "scan", user_id
        ):
            answer = services.ScanAnswer("busy", _(
                "Too many scans in a short time. Wait a minute, then go on."))
            status = 429
        else:
            done = attempt(lambda: services.scan_card(session, form.code.data, actor=_user()))
            if done.ok:
                answer = done.result
                if answer.kind == services.UNKNOWN:
                    ratelimit.hit(unknown_limit, "scan-unknown", user_id)
            else:
                answer = services.ScanAnswer(services.REFUSED, str(done.error.message))
        if _wants_json():
            return jsonify(answer.as_json()), status
        form.code.data = ""
    return render_template(
        "cards/scan.html", session=session, klass=session.klass, form=form, answer=answer,
        lookup=services.scan_lookup(session),
    ), status


def _pdf(cards: list, title: str, filename: str) -> Response:
    from lms.cards.printing import cards_pdf

    response = Response(cards_pdf(cards, title=title), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/classes/<int:class_id>/cards")
def class_cards(class_id: int):
    klass = db.get_or_404(Class, class_id)
    unit_form = UnitCardsForm()
    unit_form.unit.choices = unit_choices()
    return render_template(
        "cards/class_cards.html", klass=klass, people=services.class_card_list(klass),
        action_form=ActionForm(), unit_form=unit_form,
    )


@bp.post("/classes/<int:class_id>/cards.pdf")
def class_cards_pdf(class_id: int):
    klass = db.get_or_404(Class, class_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with saving() as done:
        cards = services.cards_for_class(klass, actor=_user())
    if not done:
        return redirect(url_for(".class_cards", class_id=klass.id))
    return _pdf(cards, klass.title, f"cards-{klass.code}.pdf")


@bp.post("/cards/unit.pdf")
def unit_cards_pdf():
    form = UnitCardsForm()
    form.unit.choices = unit_choices()
    if not form.validate_on_submit():
        flash(_("Choose a unit."), "error")
        return redirect(url_for("core.index"))
    unit = db.get_or_404(Unit, form.unit.data)
    with saving() as done:
        cards = services.cards_for_unit(unit, actor=_user())
    if not done:
        return redirect(url_for("core.index"))
    return _pdf(cards, unit.name, f"cards-unit-{unit.id}.pdf")


@bp.post("/classes/<int:class_id>/cards/<int:user_id>/reissue")
def reissue(class_id: int, user_id: int):
    klass = db.get_or_404(Class, class_id)
    person = services.enrolled_person(klass, user_id)
    if person is None:
        abort(404)
    if ActionForm().validate_on_submit():
        with saving() as done:
            card = services.revoke_and_reissue(person, actor=_user())
        if done:
            flash(_("The old card of %(name)s is revoked. New card number: %(number)s.",
                    name=person.full_name, number=card.number), "success")
    return redirect(url_for(".class_cards", class_id=klass.id))


@bp.post("/classes/<int:class_id>/clerks")
def clerk_add(class_id: int):
    klass = db.get_or_404(Class, class_id)
    form = ClerkForm()
    if form.validate_on_submit():
        with saving() as done:
            clerk = services.name_clerk(klass, form.username.data, actor=_user())
        if done:
            flash(_("%(name)s can now scan cards at this class's sessions.",
                    name=clerk.user.full_name), "success")
    else:
        flash(_("Type the clerk's username."), "error")
    return redirect(url_for("classes.hub", class_id=klass.id) + "#clerks")


@bp.post("/classes/<int:class_id>/clerks/<int:user_id>/remove")
def clerk_remove(class_id: int, user_id: int):
    klass = db.get_or_404(Class, class_id)
    if ActionForm().validate_on_submit():
        with saving():
            services.remove_clerk(klass, user_id, actor=_user())
    return redirect(url_for("classes.hub", class_id=klass.id) + "#clerks")


@bp.post("/my/card")
def my_card_issue():
    if ActionForm().validate_on_submit():
        with saving():
            services.issue_own_card(actor=_user())
    return redirect(url_for("enrollment.my_classes") + "#my-card")
