"""Business partners, their main address, contract account and consents (unsaved instances)."""

import datetime
import random
from dataclasses import dataclass

from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.desk.demo.identifiers import BANKS, german_iban
from kc.desk.demo.instances import new
from kc.desk.demo.pools import CITY, FREQUENT_LAST_NAMES, ORGANISATION_PATTERNS, Pools

BP = BusinessPartner
MAIL_DOMAINS = (
    "example.org",
    "example.com",
    "example.net",
    "post.example",
    "mail.example",
    "web.example",
    "familie.example",
)
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "", "é": "e"})
_BIRTH_FIRST = datetime.date(1934, 1, 1).toordinal()
_BIRTH_LAST = datetime.date(2007, 11, 28).toordinal()
_BANK_CODES = [bank for bank, _bic, _share in BANKS]
_BANK_WEIGHTS = [share for _bank, _bic, share in BANKS]
_BIC = {bank: bic for bank, bic, _share in BANKS}
CONSENT_SOURCES = ("Kundenportal", "Telefon", "Vertragsformular", "Kunden-Center")


@dataclass
class Customer:
    partner: BusinessPartner
    address: PostalAddress
    account: ContractAccount
    consents: list[Consent]


def _local_part(first: str, last: str, rng: random.Random, year: int) -> str:
    f, last_ascii = first.lower().translate(_ASCII), last.lower().translate(_ASCII)
    f = f.encode("ascii", "ignore").decode().replace("-", "")
    last_ascii = last_ascii.encode("ascii", "ignore").decode()
    forms = (
        f"{f}.{last_ascii}",
        f"{f[:1]}.{last_ascii}",
        f"{last_ascii}{year % 100:02d}",
        f"{f}{year}",
        f"{f}_{last_ascii}{rng.randint(1, 99)}",
    )
    return rng.choice(forms)


def phone_number(rng: random.Random, mobile: bool) -> str:
    """German numbers in the mixed ways people write them."""
    if mobile:
        prefix = rng.choice(("151", "152", "160", "162", "170", "171", "172", "176", "178"))
        subscriber = f"{rng.randint(1_000_000, 99_999_999):08d}"
    else:
        prefix = rng.choice(("212", "212", "212", "202", "2191", "211"))
        subscriber = str(rng.randint(200_000, 9_999_999 if prefix != "2191" else 999_999))
    style = rng.randrange(6)
    if style == 0:
        return f"0{prefix} {subscriber}"
    if style == 1:
        return f"+49 {prefix} {subscriber}"
    if style == 2:
        pairs = " ".join(subscriber[i : i + 2] for i in range(0, len(subscriber) - 3, 2))
        pairs = f"{pairs} {subscriber[len(pairs.replace(' ', '')) :]}".strip()
        return f"(0{prefix}) {pairs}"
    if style == 3:
        return f"0{prefix}/{subscriber}"
    if style == 4:
        return f"0{prefix}-{subscriber}"
    return f"0049{prefix}{subscriber}"


def _person(bp: BusinessPartner, rng: random.Random, pools: Pools) -> None:
    female = rng.random() < 0.51
    bp.first_name = rng.choice(pools.female_first if female else pools.male_first)
    if rng.random() < 0.25:
        bp.last_name = rng.choice(FREQUENT_LAST_NAMES)
    else:
        bp.last_name = rng.choice(pools.last)
    if rng.random() < 0.03:
        bp.last_name = f"{bp.last_name}-{rng.choice(pools.last)}"
    roll = rng.random()
    bp.salutation = (
        BP.Salutation.NONE if roll < 0.02 else (BP.Salutation.MS if female else BP.Salutation.MR)
    )
    title_roll = rng.random()
    bp.title = "Prof. Dr." if title_roll < 0.005 else ("Dr." if title_roll < 0.04 else "")
    bp.birth_date = datetime.date.fromordinal(rng.randint(_BIRTH_FIRST, _BIRTH_LAST))
    if rng.random() < 0.8:
        local = _local_part(bp.first_name, bp.last_name, rng, bp.birth_date.year)
        bp.email = f"{local}@{rng.choice(MAIL_DOMAINS)}"
    if rng.random() < 0.7:
        bp.phone = phone_number(rng, mobile=False)
    if rng.random() < 0.55:
        bp.mobile = phone_number(rng, mobile=True)


def _organisation(bp: BusinessPartner, rng: random.Random, pools: Pools) -> None:
    bp.kind = BP.Kind.ORGANISATION
    bp.salutation = BP.Salutation.COMPANY
    pattern = rng.choice(ORGANISATION_PATTERNS)
    last = rng.choice(FREQUENT_LAST_NAMES + pools.last[:200])
    bp.organisation_name = pattern.format(last=last)
    words = bp.organisation_name.split()
    slug = (f"{words[0]}-{last}" if "{last}" in pattern else f"{words[0]}-{words[1]}").lower()
    slug = slug.translate(_ASCII).encode("ascii", "ignore").decode()
    bp.email = f"info@{slug}.example"
    bp.phone = phone_number(rng, mobile=False)


def _channel(bp: BusinessPartner, rng: random.Random) -> str:
    if not bp.email:
        return BP.Channel.POST
    roll = rng.random()
    return (
        BP.Channel.PORTAL if roll < 0.35 else (BP.Channel.EMAIL if roll < 0.65 else BP.Channel.POST)
    )


def _address(bp: BusinessPartner, rng: random.Random, pools: Pools) -> PostalAddress:
    street, postal_code = rng.choice(pools.streets)
    house = str(rng.randint(1, 120)) + ("a" if rng.random() < 0.06 else "")
    values = {
        "kind": PostalAddress.Kind.MAIN,
        "street": street,
        "house_number": house,
        "postal_code": postal_code,
        "city": CITY,
    }
    address = new(PostalAddress, values, {"partner": bp})
    address.refresh_search_keys()
    return address


def _account(bp: BusinessPartner, number: str, rng: random.Random, pools: Pools) -> ContractAccount:
    account = new(ContractAccount, {"number": number}, {"partner": bp})
    if rng.random() < 0.78:
        bank = rng.choices(_BANK_CODES, _BANK_WEIGHTS)[0]
        account.payment_method = ContractAccount.PaymentMethod.DIRECT_DEBIT
        account.iban = german_iban(bank, rng.randrange(1_000_000, 1_000_000_000))
        account.bic = _BIC[bank] if rng.random() < 0.7 else ""
        account.account_holder = bp.display_name
        if bp.kind == BP.Kind.PERSON and rng.random() < 0.04:
            account.account_holder = f"{rng.choice(pools.female_first)} {bp.last_name}"
    else:
        account.payment_method = ContractAccount.PaymentMethod.TRANSFER
    return account


def _consents(bp: BusinessPartner, rng: random.Random) -> list[Consent]:
    if rng.random() >= 0.12:
        return []
    topics = rng.sample(list(Consent.Topic.values), rng.randint(1, 2))
    moment = datetime.datetime(2019, 1, 1, 8, tzinfo=datetime.UTC) + datetime.timedelta(
        seconds=rng.randrange(0, 7 * 365 * 86400)
    )
    return [
        new(
            Consent,
            {
                "topic": topic,
                "granted": rng.random() < 0.7,
                "recorded_at": moment,
                "source": rng.choice(CONSENT_SOURCES),
            },
            {"partner": bp},
        )
        for topic in topics
    ]


def make_customer(number: str, account_number: str, rng: random.Random, pools: Pools) -> Customer:
    bp = new(BusinessPartner, {"number": number})
    if rng.random() < 0.05:
        _organisation(bp, rng, pools)
    else:
        _person(bp, rng, pools)
    bp.preferred_channel = _channel(bp, rng)
    bp.refresh_search_keys()
    return Customer(
        bp, _address(bp, rng, pools), _account(bp, account_number, rng, pools), _consents(bp, rng)
    )
