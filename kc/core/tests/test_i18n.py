"""German first, English second: every UI string has its English translation."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_english_catalogue_is_complete() -> None:
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]  # [0] is the header
    untranslated = [
        entry
        for entry in entries
        if "#, fuzzy" in entry or re.search(r'^msgstr(\[\d\])? ""\n(?!")', entry + "\n", re.M)
    ]
    assert not untranslated, "\n\n".join(untranslated[:5])


@pytest.mark.django_db
def test_pages_follow_the_chosen_language(agent_client: Client) -> None:
    german = agent_client.get(reverse("desk:customer_search"))
    assert "Kundensuche" in german.content.decode()
    agent_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = agent_client.get(reverse("desk:customer_search"))
    assert 'lang="en"' in english.content.decode()
    assert "Customer search" in english.content.decode()
