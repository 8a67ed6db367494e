"""The notice pages: a person's notices and preferences, the director's outbox. Thin: load,
call one service inside saving(), redirect."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.core.forms import parse_id
from lms.core.work import saving
from lms.notices import inbox
from lms.notices.blueprint import bp
from lms.notices.content import build
from lms.notices.forms import OutboxFilterForm, PreferencesForm, ReadForm, ResendForm
from lms.notices.labels import KIND_LABELS, SKIP_LABELS, STATE_LABELS
from lms.notices.outbox import resend as resend_notice
from lms.notices.services import mail_on


def _actor():
    return current_user._get_current_object()


def with_content(notices, user) -> list:
    """(notice, content) pairs: the text in the reader's language, links inside the site."""
    return [(n, build(n, url_for, user.calendar_token)) for n in notices]


@dataclass
class HomeNotices:
    unread: int
    items: list
    form: ReadForm


HOME_ITEMS = 3


def home_notices(user) -> HomeNotices:
    """For the home page: how many are unread and the newest few of them."""
    unread = [n for n in inbox.list_my_notices(user, limit=HOME_ITEMS) if n.read_at is None]
    return HomeNotices(
        inbox.count_unread(user) if unread else 0, with_content(unread, user), ReadForm()
    )


@bp.app_context_processor
def _labels():
    return {
        "notice_kind_names": KIND_LABELS,
        "notice_state_names": STATE_LABELS,
        "notice_skip_names": SKIP_LABELS,
    }


@bp.get("/notices")
def index():
    user = _actor()
    return render_template(
        "notices/index.html",
        notices=with_content(inbox.list_my_notices(user), user),
        read_form=ReadForm(),
    )


@bp.post("/notices/read")
def mark_read():
    form = ReadForm()
    if form.validate_on_submit():
        notice_id = parse_id(form.notice_id.data)
        if notice_id is not None or form.all.data == "1":
            with saving():
                inbox.mark_read(notice_id, actor=_actor())
    target = request.form.get("next") or ""
    return redirect(url_for("core.index") if target == "home" else url_for("notices.index"))


@bp.route("/notices/preferences", methods=["GET", "POST"])
def preferences():
    user = _actor()
    preference = inbox.preference_of(user)
    form = PreferencesForm(
        obj=None,
        data=None
        if request.method == "POST"
        else {
            "language": user.language,
            "reminders": preference.reminders,
            "email": user.email,
        },
    )
    if form.validate_on_submit():
        data = inbox.Preferences(
            language=form.language.data,
            reminders=form.reminders.data,
            email=form.email.data,
            password=form.password.data or "",
        )
        with saving(form) as done:
            inbox.update_preferences(user, data, actor=user)
        if done:
            flash(_("Your preferences are saved."), "success")
            return redirect(url_for("notices.preferences"))
    return render_template(
        "notices/preferences.html",
        form=form,
        bounced=inbox.is_bounced(user, preference),
        preference=preference,
        mail_on=mail_on(),
    )


@bp.get("/notices/outbox")
def outbox():
    form = OutboxFilterForm(request.args)
    form.kind.choices = _choices(_("All kinds"), KIND_LABELS.items())
    form.state.choices = _choices(_("All states"), STATE_LABELS.items())
    classes = inbox.classes_with_notices()
    form.class_id.choices = _choices(
        _("All classes"), ((str(i), f"{code} — {title}") for i, code, title in classes)
    )
    filters = inbox.OutboxFilter(
        kind=request.args.get("kind") or None,
        state=request.args.get("state") or None,
        class_id=parse_id(request.args.get("class_id", "")),
    )
    director = _actor()
    rows = inbox.list_outbox(filters)
    return render_template(
        "notices/outbox.html",
        form=form,
        rows=[(n, u, build(n, url_for)) for n, u in rows],
        counts=inbox.outbox_counts(),
        resend_form=ResendForm(),
        mail_on=mail_on(),
        director=director,
    )


def _choices(everything: str, pairs) -> list[SelectChoice]:
    return [SelectChoice("", everything), *(SelectChoice(k, str(v)) for k, v in pairs)]


@bp.post("/notices/outbox/resend")
def resend():
    form = ResendForm()
    if form.validate_on_submit():
        with saving() as done:
            resend_notice(parse_id(form.notice_id.data), actor=_actor())
        if done:
            flash(_("The notice is queued to be sent again."), "success")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("notices.outbox"))


def _same_site(target: str | None) -> bool:
    return bool(target) and target.startswith(request.host_url + "notices/outbox")
