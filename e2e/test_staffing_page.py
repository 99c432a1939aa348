"""The hotline staffing page in the browser: a team lead opens it from the navigation, sees
the need against the shift plan with the gap in words, on a desktop and on a phone, axe clean."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.models import Call
from kc.core import roles
from kc.desk.models import Location, Shift

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_team_lead_sees_the_gaps(page: Page, base_url: str) -> None:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    for weeks_back in (1, 2):
        day = monday - datetime.timedelta(weeks=weeks_back)
        for n in range(30):
            started = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, n)))
            Call.objects.create(
                call_id=f"staff-{weeks_back}-{n}",
                direction="in",
                from_number="0201 123",
                to_number="0800 1234",
                state="ended",
                started_at=started,
                answered_at=started + datetime.timedelta(seconds=8),
                ended_at=started + datetime.timedelta(seconds=248),
            )
    lead = make_staff("lead", roles.TEAM_LEAD)
    Shift.objects.create(
        user=lead,
        day=monday,
        start=datetime.time(8),
        end=datetime.time(12),
        location=Location.CALL_CENTER,
    )
    log_in(page, base_url, "lead", check_a11y=False)
    page.get_by_role("link", name="Hotline-Bedarf").click()
    expect(page.get_by_role("heading", name="Hotline-Bedarf", level=1)).to_be_visible()
    first_day = page.locator("section.report").first
    expect(first_day.get_by_role("row", name="10–11 Uhr")).to_contain_text("es fehlen")
    expect(first_day.get_by_role("img")).to_be_visible()
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Servicegrad (%)").fill("100")
    page.get_by_role("button", name="Berechnen").click()
    expect(page.get_by_text("100 % erreicht keine Zahl").first).to_be_visible()
    assert_accessible(page)
