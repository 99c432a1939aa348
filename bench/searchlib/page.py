"""Customer page bench: render /kunden/<id>/ for a partner with ten contracts."""

import datetime
import time
from collections.abc import Callable

from django.db.models import Count
from django.test import Client

from kc.core.validators import malo_check_digit
from kc.customers.models import BusinessPartner, ContractAccount
from kc.supply.models import Contract, Division, MarketLocation, Meter, Premise, Tariff

CONTRACTS = 10


def partner_with_contracts() -> BusinessPartner:
    """A partner with ten contracts or more; one is given contracts if none has."""
    found = (
        ContractAccount.objects.annotate(n=Count("contracts"))
        .filter(n__gte=CONTRACTS)
        .values_list("partner_id", flat=True)
        .first()
    )
    if found:
        return BusinessPartner.objects.get(pk=found)
    account = ContractAccount.objects.select_related("partner").order_by("pk").first()
    if account is None:
        raise RuntimeError("no contract accounts: seed the database first")
    _add_contracts(account, CONTRACTS - account.contracts.count())
    return account.partner


def _add_contracts(account: ContractAccount, count: int) -> None:
    tariff = Tariff.objects.filter(division=Division.POWER).first()
    if tariff is None:
        raise RuntimeError("no power tariff")
    premise = Premise.objects.create(
        street="Benchstraße", house_number="1", postal_code="42651", city="Musterstadt"
    )
    for i in range(count):
        first_ten = f"{9_900_000_000 + account.pk * 100 + i}"[-10:]
        location = MarketLocation.objects.create(
            malo_id=first_ten + str(malo_check_digit(first_ten)),
            premise=premise,
            division=Division.POWER,
        )
        Meter.objects.create(
            number=f"1BENCH{account.pk:09d}{i:02d}",
            division=Division.POWER,
            kind=Meter.Kind.MODERN,
            market_location=location,
            installed_on=datetime.date(2024, 1, 1),
        )
        Contract.objects.create(
            number=f"B{account.pk:012d}{i:02d}",
            account=account,
            market_location=location,
            division=Division.POWER,
            tariff=tariff,
            start_date=datetime.date(2024, 1, 1),
        )


def logged_in_client() -> Client:
    from conftest import make_staff  # the test suite's staff user with TOTP
    from kc.core import roles
    from kc.core.models import User

    user = User.objects.filter(username="bench-agent").first()
    if user is None:
        user = make_staff("bench-agent", roles.AGENT)
    client = Client()
    client.force_login(user)
    return client


def page_timer() -> tuple[str, Callable[[], float]] | str:
    """(url, timer) or the reason the page cannot be measured yet."""
    partner = partner_with_contracts()
    client = logged_in_client()
    url = f"/kunden/{partner.pk}/"
    response = client.get(url)
    if response.status_code != 200:
        return f"GET {url} answered {response.status_code}"
    if len(response.content) < 500:
        return f"GET {url} answered only {len(response.content)} bytes: view not written yet?"

    def timed() -> float:
        start = time.perf_counter()
        client.get(url)
        return (time.perf_counter() - start) * 1000

    return url, timed
