import pytest

from kc.customers.phonetics import cologne_phonetic


@pytest.mark.parametrize("name", ["Meier", "Maier", "Mayer", "Meyer", "MEIER", "meyer"])
def test_meier_variants_share_a_code(name: str) -> None:
    assert cologne_phonetic(name) == "67"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Müller-Lüdenscheidt", "657 52682"),  # published example, coded per word
        ("Wikipedia", "3412"),
        ("Breschnew", "17863"),
        ("Christoph", "47823"),
        ("Xaver", "4837"),
        ("Schmidt", "862"),
        ("Schmitt", "862"),
        ("", ""),
        ("---", ""),
    ],
)
def test_known_codes(name: str, code: str) -> None:
    assert cologne_phonetic(name) == code


def test_different_names_differ() -> None:
    assert cologne_phonetic("Müller") != cologne_phonetic("Meier")
