"""The demo complaints of `make run`: every stage once, and only once."""

import pytest
from django.core.management import call_command

from conftest import make_staff
from kc.cases.models import Complaint
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.letters.tests.factories import LetterheadFactory, customer_with_address


@pytest.mark.django_db
def test_seed_demo_complaints_is_idempotent() -> None:
    LetterheadFactory()
    QueueFactory()
    make_staff("beschwerde", roles.COMPLAINT_MANAGER)
    for _ in range(6):
        customer_with_address()
    call_command("seed_demo_complaints")
    call_command("seed_demo_complaints")
    assert Complaint.objects.count() == 6
    assert Complaint.objects.filter(answered_at__isnull=False).count() == 2
    assert Complaint.objects.filter(overdue_flagged_at__isnull=False).count() == 1  # 33 days
    assert Complaint.objects.filter(escalated_at__isnull=False).count() >= 2
    assert not Complaint.objects.filter(acknowledged_at__isnull=True).exists()
