"""A funding program with a category and a budget, a supplied customer with a mandate, and
applications made through the service."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from PIL import Image

from kc.core.models import User
from kc.customers.tests.factories import PostalAddressFactory
from kc.funding import applications
from kc.funding.models import (
    DocumentKind,
    FundingApplication,
    FundingCategory,
    FundingProgram,
    ProgramBudget,
    ReviewCheck,
)
from kc.letters.models import Letterhead
from kc.letters.tests.factories import LetterheadFactory
from kc.payments.tests.factories import mandated_account
from kc.supply.models import Contract, Division
from kc.supply.tests.factories import ContractFactory

D = Decimal


def program(*, budget: str = "10000.00", year: int | None = None) -> FundingProgram:
    found, _created = FundingProgram.objects.get_or_create(
        name="Klingen Plus", defaults={"description": "Förderprogramm der Stadtwerke"}
    )
    ProgramBudget.objects.get_or_create(
        program=found,
        year=year or timezone.localdate().year,
        defaults={"amount": D(budget)},
    )
    return found


def category(**fields: Any) -> FundingCategory:
    values: dict[str, Any] = {
        "key": "heat_pump",
        "label": "Wärmepumpe",
        "valid_from": datetime.date(2020, 1, 1),
        "amount_kind": FundingCategory.AmountKind.PERCENT,
        "percent": D("10"),
        "cap": D("500.00"),
        "division": Division.POWER,
        "window_weeks": 12,
        "repeat_years": 5,
        "retention_years": 2,
        "clawback": FundingCategory.Clawback.PRO_RATA,
        "required_documents": [DocumentKind.INVOICE, DocumentKind.COMMISSIONING],
    }
    values.update(fields)
    values.setdefault("program", program())
    return FundingCategory.objects.create(**values)


def supplied_contract(
    *, division: str = Division.POWER, mandate: bool = True, start: datetime.date | None = None
) -> Contract:
    """A customer (with address and letterhead for letters) supplied since 2022, paying by
    direct debit with an active mandate unless told otherwise."""
    if not Letterhead.objects.exists():
        LetterheadFactory()
    account, sepa = mandated_account()
    if not mandate:
        sepa.status = sepa.Status.REVOKED
        sepa.save(update_fields=["status"])
    PostalAddressFactory(partner=account.partner, postal_code="42651")
    return ContractFactory(
        account=account,
        market_location__division=division,
        start_date=start or datetime.date(2022, 1, 1),
    )


def jpeg(color: str = "grey") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), color).save(out, "JPEG")
    return out.getvalue()


def documents() -> list[applications.Upload]:
    return [
        applications.Upload(DocumentKind.INVOICE, jpeg("white")),
        applications.Upload(DocumentKind.COMMISSIONING, jpeg("grey")),
    ]


def customer_user(contract: Contract) -> User:
    partner = contract.account.partner
    user, _created = User.objects.get_or_create(
        username=f"kunde-{partner.number}", defaults={"is_customer": True}
    )
    return user


def apply(
    contract: Contract,
    cat: FundingCategory,
    *,
    price: str = "3000.00",
    commissioned_days_ago: int = 7,
    payout_way: str = FundingApplication.PayoutWay.CREDIT,
    uploads: list[applications.Upload] | None = None,
) -> FundingApplication:
    return applications.submit_application(
        partner=contract.account.partner,
        contract=contract,
        category=cat,
        item="Luft-Wasser-Wärmepumpe WP 8",
        purchase_price=D(price),
        commissioned_on=timezone.localdate() - datetime.timedelta(days=commissioned_days_ago),
        payout_way=payout_way,
        documents=documents() if uploads is None else uploads,
        actor=customer_user(contract),
    )


def all_checks_done(application: FundingApplication, clerk: User) -> None:
    from kc.funding import decisions

    decisions.set_checks(application, done=ReviewCheck.Item.values, actor=clerk)
