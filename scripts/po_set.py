"""Set Vietnamese translations in the catalog: reads a JSON object {msgid: msgstr} on stdin.

make extract-messages            # new msgids appear, untranslated
.venv/bin/python scripts/po_set.py < new.json
.venv/bin/python scripts/po_set.py --missing   # list what still lacks a translation

A message with a context (pgettext) is keyed "context\u0004msgid", as gettext keys it.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "lms/translations/vi/LC_MESSAGES/messages.po"


CONTEXT = "\u0004"  # between a message's context and its msgid, in the keys


def _key(message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}{CONTEXT}{msgid}" if message.context else msgid


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def main() -> int:
    with open(PO, "rb") as handle:
        catalog = read_po(handle, locale="vi")
    if sys.argv[1:] == ["--missing"]:
        missing = [m for m in catalog if m.id and (not _translated(m) or m.fuzzy)]
        print(
            json.dumps(
                {_key(m): "" for m in missing},
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    updates = json.load(sys.stdin)
    unknown = []
    for key, msgstr in updates.items():
        context, _sep, msgid = key.rpartition(CONTEXT)
        message = catalog.get(msgid, context=context or None)
        if message is None:
            unknown.append(key)
            continue
        # Vietnamese has one plural form: a plural message takes the same text.
        message.string = (msgstr,) if message.pluralizable else msgstr
        message.flags.discard("fuzzy")
    with open(PO, "wb") as handle:
        # 76 columns, as `pybabel update` writes: the two never rewrap each other's lines.
        write_po(handle, catalog, width=76, omit_header=False)
    if unknown:
        print("not in the catalog (run make extract-messages first):", *unknown, sep="\n  ")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
