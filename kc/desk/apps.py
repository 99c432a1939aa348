from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "kc.desk"
    label = "desk"
    verbose_name = _("Arbeitsplatz")

    def ready(self) -> None:
        from kc.cases import signals
        from kc.desk import presence

        # The PBX's answers and hangups set the agent's presence (kc.desk.presence).
        signals.call_answered.connect(presence.on_call_answered, dispatch_uid="presence_answer")
        signals.call_ended.connect(presence.on_call_ended, dispatch_uid="presence_hangup")
