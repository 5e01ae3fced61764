"""Vietnamese text helpers: diacritic-insensitive search keys, Vietnamese sort order, and dates and times as the
administration writes them in running text (dd/mm/yyyy; HH:MM dd/mm/yyyy in local time)."""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone
from unidecode import unidecode


def _foldable_letters() -> str:
    """The accented Latin letters (all of Vietnamese's among them) that decompose into an ASCII letter and
    combining marks (U+0300-U+0362), for which unidecode gives that letter: dropping the marks of their canonical
    decomposition folds them exactly as unidecode does, in C. đ and Đ, which do not decompose, are replaced first."""
    letters = ["đĐ"]
    for code in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        ch = chr(code)
        nfd = unicodedata.normalize("NFD", ch)
        if (
            len(nfd) > 1
            and nfd[0].isascii()
            and nfd[0].isalpha()
            and all("\u0300" <= m <= "\u0362" for m in nfd[1:])
            and unidecode(ch) == nfd[0]
        ):
            letters.append(ch)
    return "".join(letters)


# Text with nothing but ASCII and these letters takes the fast fold; anything else goes through unidecode.
_OTHER = re.compile(f"[^\\x00-\\x7f{_foldable_letters()}]")


_PUNCTUATION_TO_SPACE = bytes(c if chr(c).isalnum() or chr(c) == "_" or chr(c).isspace() else 32 for c in range(256))


def search_key(text: str | None) -> str:
    """Lower-case ASCII form for diacritic-insensitive search: "Đất đai" -> "dat dai". The result is unidecode's;
    Vietnamese text takes a fold in C (canonical decomposition without the marks), 8x faster."""
    if not text:
        return ""
    text = str(text)
    if text.isascii():
        folded = text
    elif _OTHER.search(text) is None:
        decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        folded = decomposed.encode("ascii", "ignore").decode()
    else:
        folded = unidecode(text)
    # ASCII from here: punctuation to spaces by a byte table, runs of spaces to one.
    return " ".join(folded.lower().encode("ascii", "ignore").translate(_PUNCTUATION_TO_SPACE).decode("ascii").split())


# Vietnamese alphabet order; f, j, w, z (loan words, names) take their Latin places.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Letter-forming marks: breve, circumflex, horn.
_FORM_MARKS = {"\u0306": "ă", "\u0302": "â", "\u031b": "ơ"}
_FORMED = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
# Tones in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str) -> Iterator[tuple[str, int]]:
    """Yield (letter, tone) pairs of the lower-cased text, letters composed per Vietnamese."""
    for ch in unicodedata.normalize("NFC", str(text)).lower():
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        tone = 0
        for mark in marks:
            if (base, mark) in _FORMED:
                base = _FORMED[(base, mark)]
            elif mark in _TONE_RANK:
                tone = _TONE_RANK[mark]
        yield base, tone


def sort_key(text: str | None) -> str:
    """A string whose plain (binary) order is Vietnamese dictionary order.

    Letters compare first (a < ă < â < b ... d < đ ...), then tones (ngang < huyền < hỏi < ngã <
    sắc < nặng), as in Vietnamese dictionaries. Suitable for a database column ordered with any
    collation that compares code points, on SQLite and PostgreSQL alike.
    """
    if not text:
        return ""
    primary, secondary = [], []
    for letter, tone in _letters(text):
        rank = _LETTER_RANK.get(letter)
        if rank is not None:
            primary.append(chr(0x100 + rank))
        elif letter.isdigit():
            primary.append(chr(0x30 + int(letter)))  # digits sort before letters
        elif letter.isspace():
            primary.append(" ")
        else:
            primary.append(chr(0x1000 + ord(letter)) if ord(letter) < 0xF000 else letter)
        secondary.append(chr(0x41 + tone))
    return "".join(primary) + "\x01" + "".join(secondary)


def vn_sorted[T](items: Iterable[T], key: Callable[[T], str] = lambda item: item) -> list[T]:
    """Sort Python objects in Vietnamese order by the text that `key` returns."""
    return sorted(items, key=lambda item: sort_key(key(item)))


def date_text(value: dt.date | None) -> str:
    """A date as written in Vietnamese running text and letters: dd/mm/yyyy ("" for none)."""
    return value.strftime("%d/%m/%Y") if value else ""


def moment_text(value: dt.datetime | None) -> str:
    """An aware datetime in local time, as the control sheet and messages write it: HH:MM dd/mm/yyyy."""
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""
