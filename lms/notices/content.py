"""What a notice says, made from its frozen values in the current language: a subject, a few
sentences, facts (label: value) and links. The dashboard shows it with links inside the site;
the e-mail (lms/notices/mailer.py) with absolute links from PUBLIC_BASE_URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.core.formatting import fmt_date
from lms.notices.models import Notice

# link(endpoint, **values) -> URL
Link = Callable[..., str]


@dataclass
class Content:
    subject: str
    lines: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def _day(value: str | None) -> str:
    return fmt_date(date.fromisoformat(value)) if value else ""


def _dates(p: dict) -> str:
    start, end = _day(p.get("start")), _day(p.get("end"))
    return start if start == end else f"{start} – {end}"


def _class(p: dict) -> str:
    return f"{p.get('class_title', '')} ({p.get('class_code', '')})"


def _class_facts(p: dict) -> list[tuple[str, str]]:
    facts = [(_("Class"), _class(p)), (_("Dates"), _dates(p))]
    if p.get("place"):
        facts.append((_("Place"), p["place"]))
    return facts


def _when(p: dict, prefix: str = "") -> str:
    starts, ends = p.get(prefix + "starts", ""), p.get(prefix + "ends", "")
    text = f"{_day(p.get(prefix + 'date'))} {starts}–{ends}"
    room = p.get(prefix + "room")
    return f"{text}, {room}" if room else text


def _session_line(s: dict) -> str:
    text = f"{s.get('starts', '')}–{s.get('ends', '')}: {_class(s)}"
    where = ", ".join(part for part in (s.get("room"), s.get("place")) if part)
    topic = f" — {s['topic']}" if s.get("topic") else ""
    return text + topic + (f" ({where})" if where else "")


def build(notice: Notice, link: Link, calendar_token: str | None = None) -> Content:
    """The content of one notice for its recipient (calendar_token: theirs, for the feed link)."""
    p = notice.params or {}
    kind = notice.kind
    class_page = (
        [(_("Open the class"), link("classes.class_page", class_id=notice.class_id))]
        if notice.class_id
        else []
    )
    calendar = (
        [
            (
                _("Add the sessions to your calendar"),
                link("enrollment.calendar_feed", token=calendar_token),
            )
        ]
        if calendar_token
        else []
    )
    if kind == "enrolled":
        subject = (
            _("You are enrolled in %(title)s", title=p.get("class_title", ""))
            if p.get("assigned")
            else _("Enrolment confirmed: %(title)s", title=p.get("class_title", ""))
        )
        line = (
            _("The center has enrolled you in this class.")
            if p.get("assigned")
            else _("You have a seat in this class.")
        )
        return Content(subject, [line], _class_facts(p), [*class_page, *calendar])
    if kind == "waitlisted":
        return Content(
            _("You are on the waitlist of %(title)s", title=p.get("class_title", "")),
            [_("The class is full. You will have a seat, and a notice, as soon as one frees up.")],
            _class_facts(p),
            class_page,
        )
    if kind == "promoted":
        return Content(
            _("Good news: a seat is yours in %(title)s", title=p.get("class_title", "")),
            [_("A seat freed up and the next on the waitlist was you: you are now enrolled.")],
            _class_facts(p),
            [*class_page, *calendar],
        )
    if kind == "reminder":
        sessions = p.get("sessions", [])
        return Content(
            ngettext(
                "Tomorrow, %(day)s: %(num)d session",
                "Tomorrow, %(day)s: %(num)d sessions",
                len(sessions),
                day=_day(p.get("day")),
            ),
            [_session_line(s) for s in sessions],
            [],
            [
                (_("My classes"), link("enrollment.my_classes")),
                (_("Check in"), link("attendance.checkin_form")),
            ],
        )
    if kind == "session_moved":
        return Content(
            _("Session moved: %(title)s", title=p.get("class_title", "")),
            [p["topic"]] if p.get("topic") else [],
            [(_("Class"), _class(p)), (_("Was"), _when(p, "old_")), (_("Now"), _when(p))],
            class_page,
        )
    if kind == "session_cancelled":
        facts = [(_("Class"), _class(p)), (_("Session"), _when(p))]
        if p.get("reason"):
            facts.append((_("Reason"), p["reason"]))
        return Content(
            _("Session cancelled: %(title)s", title=p.get("class_title", "")),
            [],
            facts,
            class_page,
        )
    if kind == "class_cancelled":
        facts = _class_facts(p)
        if p.get("reason"):
            facts.append((_("Reason"), p["reason"]))
        return Content(
            _("Class cancelled: %(title)s", title=p.get("class_title", "")),
            [_("The class will not take place.")],
            facts,
            class_page,
        )
    if kind == "certificate":
        links = [
            (
                _("Download the certificate"),
                link("certificates.download", cert_id=p.get("certificate_id")),
            )
        ]
        if p.get("code"):
            links.append(
                (_("Public verification page"), link("certificates.verify", code=p["code"]))
            )
        return Content(
            _("Your certificate is ready: %(title)s", title=p.get("class_title", "")),
            [_("The center has issued your certificate of completion.")],
            [
                (_("Class"), _class(p)),
                (_("Dates"), _dates(p)),
                (_("Register number"), p.get("register_number", "")),
            ],
            links,
        )
    if kind == "class_assigned":
        return Content(
            _("You teach %(title)s", title=p.get("class_title", "")),
            [_("The center has assigned you to this class.")],
            _class_facts(p),
            [
                (_("Roster"), link("enrollment.roster", class_id=notice.class_id)),
                (_("My sessions and attendance"), link("attendance.teaching")),
            ],
        )
    if kind == "marks_missing":
        sessions = p.get("sessions", [])
        return Content(
            _("Attendance still to take for %(day)s", day=_day(p.get("day"))),
            [
                ngettext(
                    "%(title)s, %(starts)s: %(num)d trainee not marked",
                    "%(title)s, %(starts)s: %(num)d trainees not marked",
                    s.get("missing", 0),
                    title=_class(s),
                    starts=s.get("starts", ""),
                )
                for s in sessions
            ],
            [],
            [(_("My sessions and attendance"), link("attendance.teaching"))],
        )
    return Content(kind)
