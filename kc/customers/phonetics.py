"""Kölner Phonetik (Postel 1969): German names that sound alike get one code.

Meier, Maier, Mayer and Meyer all become "67". Each word is coded on its own,
so "Müller-Lüdenscheidt" becomes "657 52682".
"""

_FOLD = str.maketrans({"Ä": "A", "Ö": "O", "Ü": "U", "ß": "S", "ẞ": "S"})
_VOWELS = set("AEIJOUY")
_SIMPLE = {
    "B": "1",
    "F": "3",
    "V": "3",
    "W": "3",
    "G": "4",
    "K": "4",
    "Q": "4",
    "L": "5",
    "M": "6",
    "N": "6",
    "R": "7",
    "S": "8",
    "Z": "8",
}


def _letter_code(prev: str, letter: str, nxt: str, first: bool) -> str:
    if letter in _VOWELS:
        return "0"
    if letter == "H":
        return ""
    if letter in _SIMPLE:
        return _SIMPLE[letter]
    if letter == "P":
        return "3" if nxt == "H" else "1"
    if letter in "DT":
        return "8" if nxt in "CSZ" else "2"
    if letter == "X":
        return "8" if prev in "CKQ" else "48"
    if letter == "C":
        if first:
            return "4" if nxt in "AHKLOQRUX" else "8"
        return "4" if nxt in "AHKOQUX" and prev not in "SZ" else "8"
    return ""


def _word_code(word: str) -> str:
    letters = [ch for ch in word.upper().translate(_FOLD) if "A" <= ch <= "Z"]
    raw = ""
    for i, letter in enumerate(letters):
        prev = letters[i - 1] if i > 0 else " "
        nxt = letters[i + 1] if i + 1 < len(letters) else " "
        raw += _letter_code(prev, letter, nxt, first=i == 0)
    collapsed = "".join(ch for i, ch in enumerate(raw) if i == 0 or ch != raw[i - 1])
    return collapsed[:1] + collapsed[1:].replace("0", "")


def cologne_phonetic(name: str) -> str:
    words = name.replace("-", " ").split()
    return " ".join(code for code in (_word_code(w) for w in words) if code)
