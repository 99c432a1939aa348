import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from kc.cases.models import Case, Queue, TextModule
from kc.core.models import Team


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = "Homeoffice"
    kind = Team.Kind.HOME_OFFICE


class QueueFactory(DjangoModelFactory[Queue]):
    class Meta:
        model = Queue
        django_get_or_create = ("name",)

    name = "Kundenservice"
    team = factory.SubFactory(TeamFactory)
    is_default = True


class CaseFactory(DjangoModelFactory[Case]):
    class Meta:
        model = Case

    # V9…: the number range of the tests starts at V00000001, so these never collide.
    number = factory.Sequence(lambda n: f"V9{n:07d}")
    subject = "Frage zur Jahresrechnung"
    channel = "email"
    queue = factory.SubFactory(QueueFactory)
    received_at = factory.LazyFunction(timezone.now)


class TextModuleFactory(DjangoModelFactory[TextModule]):
    class Meta:
        model = TextModule

    title = factory.Sequence(lambda n: f"Baustein {n}")
    body = "{anrede}\n\nvielen Dank für Ihre Nachricht zum Vorgang {vorgang}. Betrag: {betrag}"
