from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Case, CaseTask, CaseType, Channel, Queue
from kc.core.models import User

# Who work can be given to: staff only. A portal customer is no colleague (and thousands of
# them in every picker would make each case page heavy).
ACTIVE_STAFF = {"is_active": True, "is_customer": False}


class NewCaseForm(forms.Form):
    legend = _("Neuer Vorgang")

    subject = forms.CharField(label=_("Betreff"), max_length=250)
    case_type = forms.ChoiceField(
        label=_("Art"), choices=CaseType.choices, initial=CaseType.GENERAL
    )
    channel = forms.ChoiceField(
        label=_("Eingangskanal"), choices=Channel.choices, initial=Channel.PHONE
    )
    priority = forms.TypedChoiceField(
        label=_("Priorität"),
        choices=Case.Priority.choices,
        coerce=int,
        initial=Case.Priority.NORMAL,
    )
    queue = forms.ModelChoiceField(label=_("Warteschlange"), queryset=Queue.objects.all())
    note = forms.CharField(
        label=_("Gesprächsnotiz / Anliegen"), widget=forms.Textarea, required=False
    )


class ComposerForm(forms.Form):
    """One text box, clearly different actions: reply to the customer or note for us.

    A case the customer started in the portal (`portal=True`) also offers the answer into
    the portal, and starts with it.
    """

    class Mode:
        REPLY = "reply"
        NOTE = "note"
        PORTAL = "portal"

    mode = forms.ChoiceField(
        label=_("Art"),
        choices=[
            (Mode.NOTE, _("Interne Notiz (nur für uns)")),
            (Mode.REPLY, _("Antwort an den Kunden (E-Mail)")),
        ],
        widget=forms.RadioSelect,
        initial=Mode.NOTE,
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, portal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if portal:
            mode = self.fields["mode"]
            mode.choices = [  # type: ignore[attr-defined]
                *mode.choices,  # type: ignore[attr-defined]
                (self.Mode.PORTAL, _("Antwort ins Kundenportal")),
            ]
            mode.initial = self.Mode.PORTAL


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)


class HandOffForm(forms.Form):
    queue = forms.ModelChoiceField(label=_("An Warteschlange"), queryset=Queue.objects.all())
    owner = forms.ModelChoiceField(
        label=_("Verantwortlich"), required=False, queryset=User.objects.filter(**ACTIVE_STAFF)
    )
    note = forms.CharField(label=_("Was ist zu tun?"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Suche"),
        required=False,
        max_length=200,
        help_text=_("Vorgangsnummer oder Wörter aus Betreff und Nachrichten"),
    )
    queue = forms.ModelChoiceField(
        label=_("Warteschlange"),
        queryset=Queue.objects.all(),
        required=False,
        empty_label=_("alle"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("alle offenen")), *Case.Status.choices],
    )
    mine = forms.BooleanField(label=_("nur meine"), required=False)


class BulkAssignForm(forms.Form):
    cases = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    assignee = forms.ModelChoiceField(
        label=_("Zuweisen an"), queryset=User.objects.filter(**ACTIVE_STAFF)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any submitted id is a choice; the service only touches cases that exist.
        submitted = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
        self.fields["cases"].choices = [(v, v) for v in submitted]  # type: ignore[attr-defined]


class TaskForm(forms.Form):
    legend = _("Aufgabe an ein anderes Team")

    kind = forms.ChoiceField(
        label=_("Art"), choices=CaseTask.Kind.choices, initial=CaseTask.Kind.OTHER, required=False
    )
    queue = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Queue.objects.all(),
        required=False,
        empty_label=_("Kunden-Center (für Arbeiten vor Ort)"),
    )
    title = forms.CharField(
        label=_("Aufgabe"),
        max_length=200,
        required=False,
        help_text=_("Leer: der Name der Art, z. B. „Am Fenster aushändigen“."),
    )
    owner = forms.ModelChoiceField(
        label=_("Verantwortlich"), required=False, queryset=User.objects.filter(**ACTIVE_STAFF)
    )
    note = forms.CharField(
        label=_("Hinweis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or CaseTask.Kind.OTHER


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Rückmeldung"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scan = forms.FileField(
        label=_("Scan (PDF oder Foto)"),
        required=False,
        help_text=_("Bei Papierpost nötig; kommt als Anhang an den Vorgang."),
    )
