"""Text keys for search: lower case, umlauts folded, accents and punctuation dropped."""

import re
import unicodedata

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_STREET_SUFFIX = re.compile(r"(strasse|str)$")


def search_key(value: str) -> str:
    """'Müller-Lüdenscheidt ' -> 'mueller lluedenscheidt'."""
    folded = value.lower().translate(_FOLD)
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", ascii_only).strip()


def street_key(value: str) -> str:
    """Street names compare without the Straße/Str. spelling: 'Hauptstr.' == 'Hauptstraße'."""
    words = search_key(value).split()
    if words:
        words[-1] = _STREET_SUFFIX.sub("str", words[-1])
    return " ".join(words)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
