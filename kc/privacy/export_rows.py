"""The building blocks of the export: the customer's scope, rows of model fields as JSON
values, German labels. What an area contains is decided in kc.privacy.export."""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile

from kc.cases.models import Case
from kc.customers.models import BusinessPartner, ContractAccount
from kc.supply.models import Contract

SCHEMA = "kundencenter.dsgvo-export"
SCHEMA_VERSION = 1

# Derived or technical fields that say nothing about the person, or protect their account.
_LEFT_OUT = frozenset(
    {
        "name_key",
        "first_name_key",
        "phonetic_key",
        "email_key",
        "phone_key",
        "mobile_key",
        "street_key",
        "city_key",
        "password",
        "code_hash",
        "body_html",
        "message_id",
        "in_reply_to",
        "references",
        "send_claimed_at",
        "send_attempts",
        "sha256",
        "pdf_sha256",
        "content_id",
    }
)


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    title: str
    rows: list[dict[str, Any]]
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Scope:
    """The customer's own objects, found once and shared by the collectors."""

    partner: BusinessPartner
    account_ids: list[int]
    contracts: list[Contract]
    case_ids: list[int]

    @property
    def contract_ids(self) -> list[int]:
        return [contract.pk for contract in self.contracts]


def scope_of(partner: BusinessPartner) -> Scope:
    accounts = list(ContractAccount.objects.filter(partner=partner).values_list("pk", flat=True))
    contracts = list(Contract.objects.filter(account_id__in=accounts).order_by("start_date", "pk"))
    cases = list(Case.objects.filter(partner=partner).values_list("pk", flat=True))
    return Scope(partner=partner, account_ids=accounts, contracts=contracts, case_ids=cases)


# --- values ----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """Decimal as string (exact), dates ISO 8601, files by their stored name."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _is_staff_link(model_field: models.Field[Any, Any]) -> bool:
    related = model_field.related_model
    return related is not None and related._meta.label == settings.AUTH_USER_MODEL


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f for f in model._meta.concrete_fields if f.name not in _LEFT_OUT and not _is_staff_link(f)
    ]


def rows_of(objects: Iterable[models.Model], model: type[models.Model]) -> list[dict[str, Any]]:
    fields = _fields(model)
    return [{f.attname: json_value(getattr(obj, f.attname)) for f in fields} for obj in objects]


def labels_of(model: type[models.Model]) -> dict[str, str]:
    return {f.attname: str(f.verbose_name) for f in _fields(model)}


def area_of(key: str, title: str, model: type[models.Model], objects: Iterable[Any]) -> Area:
    return Area(key=key, title=title, rows=rows_of(objects, model), labels=labels_of(model))


def registry_model(app_label: str, name: str) -> type[models.Model] | None:
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None
