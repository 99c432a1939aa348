"""Pure helpers that make valid German identifiers for demo data (no ORM, no I/O).

IBAN check digits (ISO 13616, mod 97) and the account check digit of
Bundesbank method 00 are computed here on purpose: the generator must not lean
on the library the tests use to check them (schwifty).
"""

from kc.core.validators import malo_check_digit

# Banks whose account numbers use Bundesbank check method 00, with weights for
# a town in the Bergisches Land: (bank code, BIC, share).
BANKS: tuple[tuple[str, str, int], ...] = (
    ("34250000", "SOLSDE33XXX", 34),  # Stadt-Sparkasse Solingen
    ("34060094", "VBRSDE33XXX", 16),  # Volksbank im Bergischen Land
    ("33050000", "WUPSDE33XXX", 10),  # Stadtsparkasse Wuppertal
    ("34050000", "WELADEDRXXX", 8),  # Stadtsparkasse Remscheid
    ("12030000", "BYLADEM1001", 12),  # Deutsche Kreditbank
    ("37050198", "COLSDE33XXX", 8),  # Sparkasse KölnBonn
    ("30050110", "DUSSDEDDXXX", 7),  # Stadtsparkasse Düsseldorf
    ("70150000", "SSKMDEMMXXX", 5),  # Stadtsparkasse München
)

# Permutations of 0..10**k-1 (multiplier coprime to 10): sequential inputs give
# unique, random-looking outputs.
_MALO_MULT, _MALO_ADD = 738_219_457, 104_729
_METER_MULT, _METER_ADD = 48_271_593, 7_919


def method_00_check_digit(first_nine: str) -> int:
    """Bundesbank method 00: weights 2,1,2,... from the right, digit sums, mod 10."""
    total = 0
    for position, char in enumerate(reversed(first_nine)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616: move country + '00' to the end, letters as 10..35, 98 - (n mod 97)."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def german_iban(bank_code: str, account_body: int) -> str:
    """IBAN for `bank_code` and a 9-digit account body (method 00 check digit appended)."""
    first_nine = f"{account_body % 1_000_000_000:09d}"
    account = first_nine + str(method_00_check_digit(first_nine))
    bban = bank_code + account
    return f"DE{iban_check_digits('DE', bban)}{bban}"


def malo_id(serial: int) -> str:
    """A valid, unique MaLo-ID for serial 0..999,999,999 (starts with 4)."""
    body = (serial * _MALO_MULT + _MALO_ADD) % 1_000_000_000
    first_ten = f"4{body:09d}"
    return first_ten + str(malo_check_digit(first_ten))


def meter_number(division_digit: str, manufacturer: str, year: int, serial: int) -> str:
    """DIN 43863-5 style: division, manufacturer, fabrication block, 8-digit serial."""
    body = (serial * _METER_MULT + _METER_ADD) % 100_000_000
    return f"{division_digit}{manufacturer}{year % 100:02d}{body:08d}".upper()
