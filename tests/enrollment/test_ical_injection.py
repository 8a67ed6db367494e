"""Calendar feeds cannot be injected (issue 18, point 2): a carriage return, line feed or any
other control character in a title, topic, room, place, code or name cannot end its content
line and start one of its own. The feed is read back with a real iCalendar parser (the
`icalendar` package), once as RFC 5545 says (lines end with CRLF) and once as a lenient reader
would (any line break ends a line): both must see the same single event, with the text as
typed (line breaks kept as escaped newlines, other control characters gone)."""

import sys
import unicodedata

from icalendar import Calendar

from lms.enrollment.ical import escape
from lms.extensions import db

# Every line break a reader might split on: Python's str.splitlines() boundaries.
LINE_BREAKS = ["\r\n", "\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85",
               "\u2028", "\u2029"]
CONTROLS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"]


def test_every_control_character_is_escaped_or_removed():
    for char in CONTROLS + LINE_BREAKS:
        escaped = escape(f"a{char}b")
        if char in LINE_BREAKS:
            assert escaped == "a\\nb", repr(char)
        elif char == "\t":  # allowed in TEXT (RFC 5545: WSP)
            assert escaped == "a\tb"
        else:
            assert escaped == "ab", repr(char)
    assert escape("\r\r\n\n") == "\\n\\n\\n"  # CR, CRLF, LF: three breaks


# Stored as an import or an old version might have stored them (the model validators only
# trim and normalise); NUL is left out because PostgreSQL cannot store it (the unit test above
# covers it).
TITLE = "Lớp\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:Giả mạo\rDTSTART:20300101T000000Z\rX"
TOPIC = "Chuyên đề\nX-A:1\x0bX-B:2\x0cX-C:3\x1cD\x1dE\x1eF\x85G\u2028H\u2029I"
ROOM = "Phòng\x01\x02\x07\x08\x0e\x1b\x1f\x7f\x80\x9f 5\r\nTầng 2"
PLACE = "Hội trường; A, B\\C\tD"
CODE = "L-\x1b[31m-1\rUID:x"
NAME = "Nguyễn\rMETHOD:REQUEST\x1b\x7fVăn\nAn"

SUMMARY = (
    "Lớp\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Giả mạo\nDTSTART:20300101T000000Z\nX"
    " — Chuyên đề\nX-A:1\nX-B:2\nX-C:3\nD\nE\nF\nG\nH\nI"
)
LOCATION = "Phòng 5\nTầng 2, Hội trường; A, B\\C\tD"
DESCRIPTION = "L-[31m-1\nUID:x"
CALNAME_END = "Nguyễn\\nMETHOD:REQUESTVăn\\nAn"  # as sent (escaped)


def _read(text: str) -> list[dict]:
    calendar = Calendar.from_ical(text)
    events = [
        {key: str(event.get(key)) for key in ("SUMMARY", "LOCATION", "DESCRIPTION", "UID")}
        for event in calendar.walk("VEVENT")
    ]
    # The parser keeps an X- property as it came (vUnknown, still escaped).
    name = calendar["X-WR-CALNAME"].to_ical().decode()
    return [{"CALNAME": name, **e} for e in events]


def test_hostile_text_in_every_field_stays_inside_its_property(client, make):
    trainee = make.trainee(full_name=NAME)
    klass = make.klass(title=TITLE, code=CODE, place=PLACE)
    make.session(klass, topic=TOPIC, room=ROOM)
    make.enrollment(klass, trainee)
    db.session.commit()

    feed = client.get(f"/calendar/{trainee.calendar_token}.ics")
    assert feed.status_code == 200
    body = feed.data.decode("utf-8")

    # On the wire: CRLF ends every line and nothing else does; no control character but tab.
    assert body.endswith("\r\n")
    lines = body.split("\r\n")[:-1]
    assert body.splitlines() == lines
    assert not [line for line in lines if any(
        unicodedata.category(c) == "Cc" and c != "\t" for c in line
    )]

    strict, lenient = _read(body), _read("\r\n".join(body.splitlines()) + "\r\n")
    assert strict == lenient
    [event] = strict
    assert event["SUMMARY"] == SUMMARY
    assert event["LOCATION"] == LOCATION
    assert event["DESCRIPTION"] == DESCRIPTION
    assert event["UID"].startswith("session-")
    assert event["CALNAME"].endswith(CALNAME_END)
