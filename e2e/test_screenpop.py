"""An agent is logged in; the PBX reports a call the agent answers; the pop shows the customer."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.api.services import issue_cti_token
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import NumberRange
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_screen_pop_for_the_answering_agent(page: Page, base_url: str) -> None:
    make_staff("agent", roles.AGENT)
    QueueFactory()
    # transaction=True tests flush the tables, including the case number range of the migrations.
    NumberRange.objects.get_or_create(
        key="case", defaults={"prefix": "V", "next_value": 1, "max_value": 99_999_999, "width": 8}
    )
    partner = BusinessPartnerFactory(
        first_name="Hildegard", last_name="Quastenberg", phone="0211 7654321"
    )
    token = issue_cti_token(name="Telefonanlage", actor=None)[1]

    log_in(page, base_url, "agent")
    pop = page.locator("#screenpop")
    expect(pop).to_be_attached()
    expect(pop).not_to_contain_text("Quastenberg")

    url = f"{base_url}/api/v1/cti/{token}"
    new_call = {
        "event": "newCall",
        "callId": "e2e-1",
        "from": "+49 211 7654321",
        "to": "0800 1234567",
        "direction": "in",
    }
    assert page.request.post(url, data=new_call).json() == {}
    answer: dict[str, str | float | bool] = {
        "event": "answer",
        "callId": "e2e-1",
        "user": "agent",
        "direction": "in",
    }
    assert page.request.post(url, form=answer).ok

    expect(pop).to_contain_text("Quastenberg", timeout=8_000)
    link = pop.get_by_role("link", name=re.compile("Quastenberg"))
    expect(link).to_have_attribute("href", f"/kunden/{partner.pk}/")
    assert_accessible(page)

    pop.get_by_label(re.compile("Gesprächsnotiz")).fill("Zählerstand notiert")
    pop.get_by_role("button", name="Notiz speichern").click()
    expect(pop).to_contain_text("Notiz gespeichert")
    expect(pop.get_by_role("link", name=re.compile("Vorgang"))).to_be_visible()
    assert_accessible(page)

    pop.get_by_role("link", name=re.compile("Quastenberg")).click()
    expect(page).to_have_url(re.compile(rf"/kunden/{partner.pk}/"))
