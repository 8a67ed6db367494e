"""The A4 sheet of check-in cards (WeasyPrint, the certificates' Noto Serif): 8 cards a page,
each with the name, the unit, the QR of the card's code and its number to type."""

from __future__ import annotations

import io

from markupsafe import Markup

from lms.cards.services import PrintedCard


def qr_svg(code: str) -> Markup:
    """The QR of a card code as inline SVG (segno's own output; the code is random ASCII)."""
    import segno

    buffer = io.BytesIO()
    # A fixed mask: choosing the best of eight was most of the time of a sheet of 300 cards;
    # any mask gives a valid code, and these codes are short, on white paper.
    segno.make(code, error="m", mask=0).save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, border=2, omitsize=True,
        svgclass="qr", lineclass=None, title=None, dark="#000",
    )
    return Markup(buffer.getvalue().decode())  # noqa: S704  (segno's SVG of random ASCII)


def spaced(number: str) -> str:
    """"12345678" → "1234 5678": easier to read aloud and to type."""
    return f"{number[:4]} {number[4:]}"


def cards_pdf(cards: list[PrintedCard], *, title: str) -> bytes:
    from lms.core.pdf import render_pdf
    from lms.core.settings import get_settings

    settings = get_settings()
    return render_pdf(
        "cards/cards_pdf.html",
        stylesheets=("pdf.css", "cards.css"),
        title=title,
        center_name=settings.center_name,
        cards=[
            {"name": c.name, "unit": c.unit, "number": spaced(c.number), "qr": qr_svg(c.code)}
            for c in cards
        ],
    )


def my_card(user) -> dict | None:
    """The person's valid card as shown on "My classes" (None: not issued yet)."""
    from lms.cards.services import valid_card

    card = valid_card(user)
    if card is None:
        return None
    return {"number": spaced(card.number), "qr": qr_svg(card.code)}
