"""Write one batch of demo rows with bulk inserts, parents before children."""

from collections.abc import Sequence

from django.db import models

from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.desk.demo.people import Customer
from kc.desk.demo.supply import SupplyRows
from kc.supply.models import Contract, MarketLocation, Meter, MeterReading, Premise, Register

CHUNK = 2000


def _insert(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    model._default_manager.bulk_create(objs, batch_size=CHUNK)  # type: ignore[arg-type]
    return len(objs)


def write_batch(customers: list[Customer], rows: SupplyRows) -> int:
    written = _insert(BusinessPartner, [c.partner for c in customers])
    written += _insert(PostalAddress, [c.address for c in customers])
    written += _insert(ContractAccount, [c.account for c in customers])
    written += _insert(Consent, [consent for c in customers for consent in c.consents])
    written += _insert(Premise, rows.premises)
    written += _insert(MarketLocation, rows.locations)
    written += _insert(Contract, rows.contracts)
    written += _insert(Meter, rows.meters)
    written += _insert(Register, rows.registers)
    written += _insert(MeterReading, rows.readings)
    return written
