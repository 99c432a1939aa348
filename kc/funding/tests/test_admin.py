"""Programs, categories and budgets are configured in the admin by the funding clerk; the
category's terms are validated there (a percentage needs a cap)."""

import pytest
from django.test import Client
from django.urls import reverse

from kc.core.models import User
from kc.funding.models import FundingCategory
from kc.funding.tests.factories import category, program

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_admin(clerk: User) -> Client:
    clerk.is_staff = True
    clerk.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(clerk)
    return client


def test_the_clerk_configures_categories_in_the_admin(clerk_admin: Client) -> None:
    existing = category()
    listing = clerk_admin.get(reverse("admin:funding_fundingcategory_changelist"))
    assert listing.status_code == 200 and existing.label in listing.content.decode()
    url = reverse("admin:funding_fundingcategory_add")
    data = {
        "program": program().pk,
        "key": "wallbox",
        "label": "Wallbox",
        "active": "on",
        "valid_from": "2026-01-01",
        "amount_kind": "percent",
        "percent": "20",
        "cap": "",
        "division": "power",
        "window_weeks": "12",
        "repeat_years": "5",
        "retention_years": "2",
        "clawback": "pro_rata",
        "required_documents": '["invoice"]',
    }
    refused = clerk_admin.post(url, data)
    assert refused.status_code == 200
    assert "Ein Prozentsatz braucht einen Höchstbetrag." in refused.content.decode()
    assert clerk_admin.post(url, data | {"cap": "300.00"}).status_code == 302
    assert FundingCategory.objects.get(key="wallbox").cap == 300
    assert clerk_admin.get(reverse("admin:funding_fundingprogram_changelist")).status_code == 200
    assert clerk_admin.get(reverse("admin:funding_programbudget_changelist")).status_code == 200
