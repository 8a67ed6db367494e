"""Hostile input for property-based tests: strategies for form values and table cells, a
snapshot of the whole database (to prove an error wrote nothing), and posting raw bytes."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.extensions import db

# Small budgets: the suite runs on 2 cores; the interesting values are listed explicitly
# below, so a few dozen draws reach them.
FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no .hypothesis folder in the tree; failures print their example
)

HUGE = 100_000
MISSING = object()  # the field is left out of the request

# Characters people and attackers send: combining marks (decomposed Vietnamese), right-to-left
# text and overrides, zero-width joiners, NUL and other controls, emoji, CJK, the BOM.
TRICKY = [
    "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300",  # decomposed diacritics (NFD)
    "Nguyễn Thị Hòa",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",  # Arabic (RTL)
    "שלום",  # Hebrew (RTL)
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c",
    "\u200b\u200d\ufeff",
    "👩🏽‍🏫🇻🇳",
    "e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301",  # stacked combining marks
    "漢字かなカナ",
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%s%n%x",
    "=HYPERLINK(\"http://x\")",
    "../../etc/passwd",
    " ",
    "",
]
NUMBERS = [
    "0", "-1", "1", "80", "100", "101", "2.5", "1e309", "NaN", "inf", "-0", "+5", "0x10",
    "²", "١٢٣", "٣", "𝟗", "9" * 30, "9" * 5000, "None", "true", "[]", "{}",
]
DATES = [
    "31/02/2024", "29/02/2023", "00/00/0000", "01/01/0000", "01/01/0001", "31/12/9999",
    "01/01/99999", "2024-02-31", "0000-01-01", "99999-01-01", "2024-13-01", "1/1/1",
    "32/13/2024", "15/06/2026", "2026-06-15", "2026-06-15T08:00", "15.06.2026", "tomorrow",
    "0001-01-01", "9999-12-31", "1900-01-01", "31/12/9999", "01/01/1900",
    "25:61", "08:00", "23:59", "24:00", "00:00", "-1:00", "8h", "",
]

# Any Unicode scalar (no lone surrogates: those cannot be sent as UTF-8 text; bytes() below
# sends their invalid encodings instead).
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# Invalid UTF-8 in the request body: lone surrogates as CESU-8, stray continuation bytes.
bad_bytes = st.sampled_from([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\x80\x81", b"\xff\xfe", b"\xc3"])


class Huge(str):
    """A 100,000-character value that prints short when Hypothesis reports an example."""

    def __repr__(self) -> str:
        return f"{self[:1]!r} * {len(self)}"


def huge(alphabet: str = "xđ9") -> st.SearchStrategy[str]:
    return st.sampled_from(alphabet).map(lambda c: Huge(c * HUGE))


def scalar(extra: list[str] | tuple[str, ...] = ()) -> st.SearchStrategy:
    """One hostile value for a form field (text or raw bytes)."""
    choices = [
        st.sampled_from(TRICKY),
        st.sampled_from(NUMBERS),
        st.sampled_from(DATES),
        unicode_text,
        huge(),
        bad_bytes,
        st.builds(lambda a, b: a + b, st.sampled_from(TRICKY), unicode_text),
    ]
    if extra:
        choices.insert(0, st.sampled_from(list(extra)))
    return st.one_of(*choices)


def field_value(plausible=()) -> st.SearchStrategy:
    """A field's value: often a plausible one (so that the other fields' hostile values reach
    the service), else missing, one hostile value, or several where one is expected."""
    good = st.sampled_from(list(plausible)) if plausible else scalar()
    return st.one_of(
        good,
        good,
        st.just(MISSING),
        scalar(plausible),
        scalar(plausible),
        st.lists(scalar(plausible), min_size=2, max_size=3),
    )


def form_data(names: list[str], extras: dict[str, list] | None = None) -> st.SearchStrategy:
    """{field name: value or [values] or MISSING} for these field names."""
    extras = extras or {}
    return st.fixed_dictionaries({name: field_value(extras.get(name, ())) for name in names})


def encode_form(values: dict, fixed: dict | None = None) -> bytes:
    """application/x-www-form-urlencoded bytes; values may be bytes (sent undecoded)."""
    pairs = []
    for name, value in {**(fixed or {}), **values}.items():
        if value is MISSING:
            continue
        for one in value if isinstance(value, list) else [value]:
            raw = one if isinstance(one, bytes) else str(one).encode("utf-8")
            pairs.append(quote_from_bytes(name.encode()) + "=" + quote_from_bytes(raw, safe=""))
    return "&".join(pairs).encode("ascii")


def post_form(client, url: str, values: dict, fixed: dict | None = None):
    return client.post(
        url, data=encode_form(values, fixed), content_type="application/x-www-form-urlencoded"
    )


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing was written."""
    db.session.rollback()  # see what is committed, as another request would
    state = {}
    for table in db.metadata.sorted_tables:
        columns = list(table.c)
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        state[table.name] = [tuple(row) for row in rows]
    db.session.rollback()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def pop_flashes(client) -> list[tuple[str, str]]:
    """The (category, message) flashed and not shown yet (a redirect after a refusal);
    taken out of the session so the next example starts clean."""
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))
