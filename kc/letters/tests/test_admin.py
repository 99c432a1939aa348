"""Admins edit letter templates in the admin: each save is a new version, checked first."""

import pytest
from django.test import Client
from django.urls import reverse

from kc.letters.models import LetterTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_mfa(admin_user) -> Client:  # type: ignore[no-untyped-def]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(admin_user)
    return client


def test_saving_a_template_makes_a_new_version(admin_client_mfa: Client) -> None:
    template = LetterTemplate.objects.get(kind="free_text")
    url = reverse("admin:letters_lettertemplate_change", args=[template.pk])
    page = admin_client_mfa.get(url)
    assert page.status_code == 200 and "{{ betreff }}" in page.content.decode()
    form = {
        "subject": "Betreff: {{ betreff }}",
        "body": "{{ anrede }}\n\n{{ text }}\n\nViele Grüße",
        "comment": "Gruß geändert",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-0-id": str(template.current_version().pk),
        "versions-0-template": str(template.pk),
    }
    saved = admin_client_mfa.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    current = template.current_version()
    assert (current.version, current.comment) == (2, "Gruß geändert")
    assert current.created_by is not None and current.created_by.username == "admin"
    assert template.versions.get(version=1).subject == "{{ betreff }}"  # never edited


def test_unknown_placeholder_is_shown_and_nothing_saved(admin_client_mfa: Client) -> None:
    template = LetterTemplate.objects.get(kind="invoice")
    url = reverse("admin:letters_lettertemplate_change", args=[template.pk])
    form = {
        "subject": "Rechnung {{ rechnungsnumer }}",
        "body": "{{ anrede }}",
        "comment": "",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-0-id": str(template.current_version().pk),
        "versions-0-template": str(template.pk),
    }
    response = admin_client_mfa.post(url, form)
    assert response.status_code == 200
    assert "Unbekannter Platzhalter „{{ rechnungsnumer }}“." in response.content.decode()
    assert template.versions.count() == 1


def test_preview_renders_the_current_version_with_sample_values(admin_client_mfa: Client) -> None:
    template = LetterTemplate.objects.get(kind="disconnection_announcement")
    response = admin_client_mfa.get(
        reverse("admin:letters_lettertemplate_preview", args=[template.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_agents_cannot_edit_templates(agent_client: Client) -> None:
    template = LetterTemplate.objects.get(kind="invoice")
    url = reverse("admin:letters_lettertemplate_change", args=[template.pk])
    assert agent_client.get(url).status_code in (302, 403)
