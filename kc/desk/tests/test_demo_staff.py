import pytest
from django.core.management import CommandError, call_command

from kc.cases.models import Queue, TextModule
from kc.core.models import Team, User


@pytest.mark.django_db
def test_demo_staff_only_in_debug(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("setup_demo_staff")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_staff_roles_queues_and_modules(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    call_command("setup_demo_staff")
    call_command("setup_demo_staff")  # a second run changes nothing
    assert User.objects.count() == 8
    agent = User.objects.get(username="agent")
    assert agent.groups.get().name == "agent"
    assert agent.team is not None and agent.team.kind == Team.Kind.HOME_OFFICE
    assert not agent.is_staff and User.objects.get(username="admin").is_staff
    assert Queue.objects.count() == 3 and Queue.objects.get(is_default=True).name == "Kundenservice"
    assert TextModule.objects.count() == 2
    assert "KUNDENCENTERDEMO" in capsys.readouterr().out
