"""Demo data generator: counts, determinism, valid identifiers, readings, groups."""

import hashlib
import io
import re
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from schwifty import IBAN

from kc.core.validators import is_german_postal_code, is_malo_id
from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.desk.demo import ARREARS, DISCONNECTED, demo_group, demo_groups, generate
from kc.desk.demo.identifiers import german_iban, method_00_check_digit
from kc.supply.models import (
    Contract,
    Division,
    MarketLocation,
    Meter,
    MeterReading,
    Premise,
    PriceSheet,
    Register,
    Tariff,
)

pytestmark = pytest.mark.django_db(transaction=False)

N = 300


class _RollbackError(Exception):
    pass


def fingerprint() -> str:
    """Hash over the data a human would notice: names, addresses, IBANs, meters, readings."""
    digest = hashlib.sha256()
    for row in BusinessPartner.objects.order_by("number").values_list(
        "number", "first_name", "last_name", "organisation_name", "birth_date", "email", "phone"
    ):
        digest.update(repr(row).encode())
    querysets: tuple[QuerySet[Any, Any], ...] = (
        ContractAccount.objects.order_by("number").values_list("number", "iban", "bic"),
        PostalAddress.objects.order_by("partner__number").values_list("street", "house_number"),
        Contract.objects.order_by("number").values_list(
            "number", "market_location__malo_id", "tariff__code", "start_date", "end_date"
        ),
        Meter.objects.order_by("number").values_list("number", "kind", "installed_on"),
        MeterReading.objects.order_by("register__meter__number", "read_on", "reason").values_list(
            "read_on", "value", "reason", "source", "estimated"
        ),
    )
    for values in querysets:
        for row in values:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def fingerprint_of_fresh_run(customers: int, seed: int, batch_size: int = 70) -> str:
    try:
        with transaction.atomic():
            generate(customers, seed=seed, batch_size=batch_size)
            result = fingerprint()
            raise _RollbackError
    except _RollbackError:
        pass
    assert not BusinessPartner.objects.exists()
    return result


@pytest.fixture
def seeded() -> None:
    generate(N, seed=7, batch_size=128)


def test_counts_per_model(seeded: None) -> None:
    assert BusinessPartner.objects.count() == N
    assert PostalAddress.objects.count() == N
    assert ContractAccount.objects.count() == N
    assert Premise.objects.count() == N
    contracts = Contract.objects.count()
    assert N <= contracts <= 3 * N
    assert MarketLocation.objects.count() == Meter.objects.count() == contracts
    assert Register.objects.count() == contracts
    assert MeterReading.objects.count() >= 2 * contracts
    assert 0 < Consent.objects.count() < N
    assert Tariff.objects.count() == 8
    orgs = BusinessPartner.objects.filter(kind=BusinessPartner.Kind.ORGANISATION).count()
    assert 1 <= orgs <= 0.12 * N


def test_every_partner_has_power_mostly_and_divisions_vary(seeded: None) -> None:
    by_division: defaultdict[str, int] = defaultdict(int)
    for division in Contract.objects.values_list("division", flat=True):
        by_division[division] += 1
    assert by_division[Division.POWER] >= 0.9 * N
    assert 0.3 * N <= by_division[Division.GAS] <= 0.6 * N
    assert by_division[Division.WATER] > 0
    assert by_division[Division.HEAT] < 0.1 * N


def test_price_sheets_change_inside_2025(seeded: None) -> None:
    for tariff in Tariff.objects.filter(active=True):
        sheets = list(tariff.price_sheets.order_by("valid_from"))
        assert len(sheets) >= 3
        assert any(s.valid_from.year == 2025 and s.valid_from.month > 1 for s in sheets)
    power = PriceSheet.objects.get(tariff__code="ms-strom-grundversorgung", valid_from="2025-01-01")
    assert 0.2 < power.working_price < 0.4
    assert 100 < power.base_price_per_year < 200


def test_identifiers_are_valid(seeded: None) -> None:
    for malo_id in MarketLocation.objects.values_list("malo_id", flat=True):
        assert is_malo_id(malo_id), malo_id
    for model in (PostalAddress, Premise):
        for code in model.objects.values_list("postal_code", flat=True):
            assert is_german_postal_code(code)
    debit = ContractAccount.objects.filter(payment_method="direct_debit")
    assert debit.count() > 0.6 * N
    for iban, bic in debit.values_list("iban", "bic"):
        parsed = IBAN(iban, validate_bban=True)
        assert iban == parsed.compact
        assert parsed.country_code == "DE"
        if bic:
            assert parsed.bic is not None and str(parsed.bic)[:8] == bic[:8]
    assert not ContractAccount.objects.filter(payment_method="transfer").exclude(iban="").exists()
    for number in Meter.objects.values_list("number", flat=True):
        assert re.fullmatch(r"[1678][A-Z]{3}\d{10}", number), number


def test_iban_helpers_match_schwifty() -> None:
    for body in (1, 123456789, 987654321, 500000001):
        iban = german_iban("34250000", body)
        assert IBAN(iban, validate_bban=True).bank_code == "34250000"
        assert iban[-1] == str(method_00_check_digit(f"{body:09d}"))
        wrong = iban[:-1] + str((int(iban[-1]) + 1) % 10)
        with pytest.raises(ValueError):
            IBAN(wrong, validate_bban=True)


def test_search_keys_are_filled(seeded: None) -> None:
    assert not BusinessPartner.objects.filter(name_key="").exists()
    assert not BusinessPartner.objects.filter(phonetic_key="").exists()
    assert not BusinessPartner.objects.exclude(phone="").filter(phone_key="").exists()
    assert not BusinessPartner.objects.exclude(mobile="").filter(mobile_key="").exists()
    assert not BusinessPartner.objects.exclude(email="").filter(email_key="").exists()
    for model in (PostalAddress, Premise):
        assert not model.objects.filter(street_key="").exists()
        assert not model.objects.exclude(city_key="musterstadt").exists()


def test_readings_rise_and_estimates_have_reasons(seeded: None) -> None:
    by_register = defaultdict(list)
    for register_id, read_on, value in MeterReading.objects.order_by(
        "register_id", "read_on"
    ).values_list("register_id", "read_on", "value"):
        by_register[register_id].append((read_on, value))
    for readings in by_register.values():
        values = [value for _day, value in readings]
        assert values == sorted(values) and len(set(values)) == len(values)
    estimated = MeterReading.objects.filter(estimated=True)
    assert estimated.exists()
    assert not estimated.filter(estimation_reason="").exists()
    assert not MeterReading.objects.filter(estimated=False).exclude(estimation_reason="").exists()
    assert MeterReading.objects.filter(read_on="2025-12-31", reason="periodic").exists()
    assert not MeterReading.objects.filter(read_on__gt="2025-12-31", reason="periodic").exists()


def test_contract_start_and_end_have_readings(seeded: None) -> None:
    for contract in Contract.objects.select_related("market_location"):
        readings = MeterReading.objects.filter(
            register__meter__market_location=contract.market_location
        )
        assert readings.filter(reason="move_in", read_on=contract.start_date).exists()
        if contract.end_date:
            assert readings.filter(reason="move_out", read_on=contract.end_date).exists()
            assert not readings.filter(read_on__gt=contract.end_date).exists()
    assert Contract.objects.filter(end_date__isnull=False).exists()


def test_same_seed_gives_same_data_other_seed_differs() -> None:
    first = fingerprint_of_fresh_run(60, seed=3)
    assert fingerprint_of_fresh_run(60, seed=3) == first
    assert fingerprint_of_fresh_run(60, seed=3, batch_size=17) == first
    assert fingerprint_of_fresh_run(60, seed=4) != first


def test_running_again_adds_new_customers() -> None:
    generate(40, seed=1)
    first_names = set(BusinessPartner.objects.values_list("last_name", "first_name"))
    result = generate(40, seed=1)
    assert BusinessPartner.objects.count() == 80
    assert result.first_number == "1000040"
    newest = set(
        BusinessPartner.objects.filter(number__gte="1000040").values_list("last_name", "first_name")
    )
    assert newest != first_names
    assert Tariff.objects.count() == 8


def test_groups_are_stable_and_consistent(seeded: None) -> None:
    numbers = [str(1_000_000 + i) for i in range(100_000)]
    groups = demo_groups(numbers)
    assert 2_700 <= len(groups.in_arrears) <= 3_300
    assert 350 <= len(groups.disconnected) <= 650
    assert not set(groups.in_arrears) & set(groups.disconnected)
    assert demo_group(groups.in_arrears[0]) == ARREARS
    stored = demo_groups()
    for number in stored.disconnected:
        contracts = Contract.objects.filter(account__partner__number=number)
        assert contracts.filter(division=Division.POWER, end_date__isnull=True).exists()
        assert not contracts.filter(end_date__isnull=False).exists()
    assert all(demo_group(n) == DISCONNECTED for n in stored.disconnected)


def test_command_prints_progress() -> None:
    out = io.StringIO()
    call_command("seed_demo", customers=25, seed=2, stdout=out)
    assert "customers/s" in out.getvalue()
    assert BusinessPartner.objects.count() == 25
