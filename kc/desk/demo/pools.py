"""Name and street pools, drawn once from Faker de_DE, then sampled with random.Random.

Faker is slow per call; building pools once and picking from them with the
seeded Random keeps a million customers fast and fully deterministic.
"""

from dataclasses import dataclass

from faker import Faker

CITY = "Musterstadt"
# Postal districts of the fictional town (valid five-digit codes).
POSTAL_CODES = ("42651", "42653", "42655", "42657", "42659", "42697", "42699", "42719")

# Family names that sound alike or are very common, so search and phonetics get work.
FREQUENT_LAST_NAMES = (
    "Meier",
    "Maier",
    "Mayer",
    "Meyer",
    "Mayr",
    "Meijer",
    "Müller",
    "Mueller",
    "Möller",
    "Schmidt",
    "Schmitt",
    "Schmid",
    "Schmitz",
    "Schneider",
    "Schulz",
    "Schulze",
    "Fischer",
    "Weber",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Zimmermann",
    "Krüger",
    "Hofmann",
    "Müller-Lüdenscheidt",
    "Meyer-Schäfer",
    "Großmann",
    "Weiß",
    "Jäger",
    "Köhler",
)
COMMON_STREETS = (
    "Hauptstraße",
    "Bahnhofstraße",
    "Kirchstraße",
    "Schulstraße",
    "Gartenstraße",
    "Dorfstraße",
    "Bergstraße",
    "Lindenstraße",
    "Birkenweg",
    "Am Markt",
    "Ringstraße",
    "Waldstraße",
    "Mühlenweg",
    "Goethestraße",
    "Schillerstraße",
    "Friedrichstraße",
    "Kaiserstraße",
    "Wilhelmstraße",
    "Beethovenstraße",
    "Mozartstraße",
    "Eichendorffweg",
    "Rosenstraße",
    "Am Sportplatz",
    "Grünewalder Straße",
    "Klingenstraße",
    "Weyerstraße",
    "Uferstraße",
    "Burger Landstraße",
    "Kölner Straße",
    "Düsseldorfer Straße",
    "Brühler Straße",
    "Königstraße",
    "Uhlandstraße",
    "Talstraße",
    "Wiesenweg",
    "Am Lindenhof",
    "Höhscheider Weg",
    "Merscheider Straße",
    "Konrad-Adenauer-Straße",
    "Von-Galen-Straße",
    "Frankfurter Damm",
    "Mühlenplatz",
    "Auf der Höhe",
    "Im Grund",
)
ORGANISATION_PATTERNS = (
    "Bäckerei {last} GmbH",
    "Metzgerei {last}",
    "Friseursalon {last}",
    "Autohaus {last} GmbH & Co. KG",
    "Elektro {last} e.K.",
    "Zahnarztpraxis Dr. {last}",
    "Gaststätte Zur Linde {last}",
    "Blumen {last}",
    "Schreinerei {last} GmbH",
    "Steuerberatung {last} & Partner",
    "Physiotherapie {last}",
    "Kfz-Werkstatt {last}",
    "Wohnungsbaugenossenschaft Musterstadt eG",
    "Kindertagesstätte Sonnenschein e.V.",
    "Sportverein Musterstadt 1908 e.V.",
    "Café {last}",
    "Optik {last} GmbH",
)


@dataclass(frozen=True)
class Pools:
    female_first: tuple[str, ...]
    male_first: tuple[str, ...]
    last: tuple[str, ...]
    streets: tuple[tuple[str, str], ...]  # (street, postal code)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def build_pools(seed: int, size: int = 1500) -> Pools:
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    female = _unique([fake.first_name_female() for _ in range(size)])
    male = _unique([fake.first_name_male() for _ in range(size)])
    last = _unique([fake.last_name() for _ in range(size)])
    generated = _unique([fake.street_name() for _ in range(400)])
    street_names = _unique(list(COMMON_STREETS) + list(generated))
    streets = tuple(
        (name, POSTAL_CODES[index % len(POSTAL_CODES)]) for index, name in enumerate(street_names)
    )
    return Pools(female, male, last, streets)
