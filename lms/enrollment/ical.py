"""A small iCalendar (RFC 5545) writer for the session feed: no library needed for VEVENTs.

Times go out in UTC ("Z"): every calendar app understands them without a VTIMEZONE block.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lms.classes.models import ClassSession

# Line breaks under any convention a reader might split on: CRLF, a lone CR or LF, and the
# other breaks of Unicode (VT, FF, FS/GS/RS, NEL, LINE/PARAGRAPH SEPARATOR; Python's
# str.splitlines() splits on all of them). Each becomes one escaped newline, so a title cannot
# end its content line and start one of its own ("\rEND:VEVENT\rBEGIN:VEVENT...").
_LINE_BREAK = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Every other control character (C0 but tab, DEL, C1) is removed: RFC 5545 forbids them in
# TEXT, and a parser that stops at one (NUL) or drops the line would lose the event.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma; any line break
    becomes \\n; other control characters are dropped."""
    text = _CONTROL.sub("", text)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _LINE_BREAK.sub("\\\\n", text)


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (never inside a UTF-8 character), CRLF + space."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(
    sessions: list[ClassSession], *, zone: ZoneInfo, name: str, host: str, now: datetime
) -> str:
    """The VCALENDAR document of these sessions."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//LMS training center//Sessions//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for session in sessions:
        klass = session.klass
        start = datetime.combine(session.on_date, session.starts_at, tzinfo=zone)
        end = datetime.combine(session.on_date, session.ends_at, tzinfo=zone)
        summary = klass.title + (f" — {session.topic}" if session.topic else "")
        location = ", ".join(part for part in (session.room, klass.place) if part)
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.id}@{escape(host)}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(end)}",
            f"SUMMARY:{escape(summary)}",
        ]
        if location:
            lines.append(f"LOCATION:{escape(location)}")
        lines.append(f"DESCRIPTION:{escape(klass.code)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)
