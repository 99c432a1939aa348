"""The demo command: Klingen Plus with five categories and a budget, idempotent."""

import datetime

import pytest
from django.core.management import call_command

from kc.funding.models import FundingCategory, FundingProgram, ProgramBudget
from kc.funding.selectors import categories_in_force

pytestmark = pytest.mark.django_db


def test_seed_demo_funding_is_idempotent() -> None:
    call_command("seed_demo_funding")
    call_command("seed_demo_funding")
    program = FundingProgram.objects.get(name="Klingen Plus")
    assert FundingCategory.objects.filter(program=program).count() == 5
    assert ProgramBudget.objects.filter(program=program, year=2026).exists()
    for category in FundingCategory.objects.all():
        category.full_clean()
    assert len(categories_in_force(datetime.date(2026, 6, 1))) == 5
