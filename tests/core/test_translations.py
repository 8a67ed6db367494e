"""Both languages are complete: every message in the code has a Vietnamese translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "lms/translations/vi/LC_MESSAGES/messages.po"
METHODS = [("lms/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}


def test_every_message_has_a_vietnamese_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    missing = []
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid, context=context)  # pgettext: the same msgid per context
        if (
            entry is None
            or not entry.string
            or entry.fuzzy
            or (isinstance(entry.string, tuple) and not all(entry.string))
        ):
            missing.append(msgid)
    assert missing == [], (
        "messages without a Vietnamese translation (make extract-messages, then translate): "
        f"{sorted(set(missing))}"
    )
