"""Vietnamese text: NFC normalisation, diacritic-free search keys, Vietnamese name sorting."""

import unicodedata

# Vietnamese alphabet order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": 2, "\u0309": 3, "\u0303": 4, "\u0301": 5, "\u0323": 6}  # huyền hỏi ngã sắc nặng
_BASE_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(value: str | None) -> str | None:
    """Normalise to NFC and trim; None stays None."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


def fold(value: str | None) -> str:
    """Lower-case, without diacritics, đ → d: the key that search compares ("nguyen" ~ "Nguyễn")."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def _word_key(word: str) -> tuple[str, str]:
    """Primary key (letters in Vietnamese order) and secondary key (tones) of one word."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", word.lower()):
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _BASE_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 1)
        index = _ALPHABET.find(letter)
        letters.append(chr(0x100 + index) if index >= 0 else letter)
        tones.append(str(tone))
    return "".join(letters), "".join(tones)


def vn_text_key(text: str | None) -> str:
    """Sort key for other Vietnamese text (a unit's name), in the order written, letters in
    the Vietnamese alphabet's order then tones: "Dân vận" < "Đảng ủy" < "Định Công"."""
    keys = [_word_key(w) for w in (nfc(text) or "").split()]
    return " ".join(k[0] for k in keys) + "\x01" + "".join(k[1] for k in keys)


def vn_sort_key(full_name: str | None) -> str:
    """Sort key for a Vietnamese name: given name (last word) first, then the other names."""
    words = (nfc(full_name) or "").split()
    if not words:
        return ""
    ordered = [words[-1], *words[:-1]]
    keys = [_word_key(w) for w in ordered]
    primary = " ".join(k[0] for k in keys)
    secondary = "".join(k[1] for k in keys)
    return f"{primary}\x01{secondary}"
