from io import StringIO

import pytest
from django.core.management import call_command

from kc.customers.tests.factories import PostalAddressFactory
from kc.letters.kinds import KINDS
from kc.letters.models import Letter, Letterhead, PrintBatch


@pytest.mark.django_db
def test_demo_letters_of_every_kind_and_a_print_batch() -> None:
    for _ in range(len(KINDS)):
        PostalAddressFactory()
    call_command("seed_demo_letters", stdout=StringIO())
    assert Letterhead.objects.count() == 1
    assert sorted(Letter.objects.values_list("kind", flat=True)) == sorted(KINDS)
    assert set(Letter.objects.values_list("status", flat=True)) == {Letter.Status.READY}
    assert PrintBatch.objects.exists()
    out = StringIO()
    call_command("seed_demo_letters", stdout=out)  # a second run adds nothing
    assert "nothing to do" in out.getvalue() and Letter.objects.count() == len(KINDS)
