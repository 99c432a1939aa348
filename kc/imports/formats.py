"""The CSV format of a legacy export: which files, in which order, with which columns.

Pure (no ORM). docs/import.md describes every column; keep both in step."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FileFormat:
    name: str  # file name in the directory or ZIP
    entity: str  # entity of the legacy key (LegacyKey.entity)
    key: str  # column with the legacy key of the row
    required: tuple[str, ...]  # columns the header must have (values may still be empty)
    optional: tuple[str, ...] = ()
    # Rows with the same value here form one unit (a meter with its registers).
    group: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


ADDRESS = ("strasse", "hausnummer", "plz", "ort")

CUSTOMERS = FileFormat(
    name="kunden.csv",
    entity="customer",
    key="kunde",
    required=("kunde", "art", "anrede", "vorname", "nachname", "firma", *ADDRESS),
    optional=(
        "titel",
        "geburtsdatum",
        "email",
        "telefon",
        "mobil",
        "versandweg",
        "adresszusatz",
        "werbung_email",
        "werbung_telefon",
        "werbung_post",
        "umfragen",
    ),
)
ACCOUNTS = FileFormat(
    name="vertragskonten.csv",
    entity="account",
    key="konto",
    required=("konto", "kunde", "zahlweise", "iban", "kontoinhaber"),
    optional=("bic", "mandatsreferenz", "mandat_datum", "mandat_zuletzt_genutzt"),
)
CONTRACTS = FileFormat(
    name="vertraege.csv",
    entity="contract",
    key="vertrag",
    required=("vertrag", "konto", "sparte", "malo_id", "tarif", "beginn", *ADDRESS),
    optional=("ende", "adresszusatz", "lage", "netzgebiet"),
)
METERS = FileFormat(
    name="zaehler.csv",
    entity="register",
    key="zaehlwerk",
    group="zaehler",
    required=(
        "zaehler",
        "zaehlwerk",
        "zaehlernummer",
        "vertrag",
        "bauart",
        "eingebaut_am",
        "obis",
        "einheit",
        "vorkommastellen",
    ),
    optional=("bezeichnung", "zustandszahl"),
)
READINGS = FileFormat(
    name="zaehlerstaende.csv",
    entity="reading",
    key="ablesung",
    required=("ablesung", "zaehlwerk", "datum", "stand", "anlass", "quelle"),
    optional=("geschaetzt", "schaetzgrund"),
)
OPEN_ITEMS = FileFormat(
    name="offene_posten.csv",
    entity="open_item",
    key="posten",
    required=("posten", "konto", "belegnummer", "art", "faellig_am", "betrag"),
    optional=("vertrag", "buchungsdatum", "text"),
)

# The order matters: every file refers only to files before it.
FORMATS = (CUSTOMERS, ACCOUNTS, CONTRACTS, METERS, READINGS, OPEN_ITEMS)
BY_NAME = {fmt.name: fmt for fmt in FORMATS}
METER_ENTITY = "meter"  # the group key of zaehler.csv is mapped too
