import pytest

from kc.cases import services
from kc.cases.search import fts5_query, search_cases
from kc.cases.tests.factories import CaseFactory


@pytest.mark.django_db
def test_words_in_subject_and_messages_find_the_case(agent) -> None:  # type: ignore[no-untyped-def]
    by_subject = CaseFactory(subject="Abschlag zu hoch")
    by_note = CaseFactory(subject="Anruf")
    services.add_note(
        case=by_note, text="Kunde meldet Zählerstand 4711 für den Gaszähler", actor=agent
    )
    CaseFactory(subject="Etwas anderes")
    assert list(search_cases("abschlag")) == [by_subject]
    assert list(search_cases("Zählerstand 4711")) == [by_note]
    assert list(search_cases("zählerst")) == [by_note]  # word prefixes
    assert list(search_cases(by_note.number.lower())) == [by_note]
    assert list(search_cases("nichtvorhanden")) == []
    assert list(search_cases('"); DROP TABLE cases_case; --')) == []


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('Zähler "stand" OR x') == '"Zähler"* AND "stand"* AND "OR"* AND "x"*'
    assert fts5_query("!!!") == ""


@pytest.mark.django_db
def test_case_list_search_box(agent_client) -> None:  # type: ignore[no-untyped-def]
    CaseFactory(subject="Umzug nach Solingen")
    CaseFactory(subject="Rechnung")
    page = agent_client.get("/vorgaenge/", {"q": "umzug"}).content.decode()
    assert "Umzug nach Solingen" in page and "Rechnung</td>" not in page
