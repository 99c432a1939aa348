"""Forms of the funding clerk's pages: the checklist, the decision and the payout."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.funding.models import FundingApplication, ReviewCheck


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("offen (eingegangen und in Prüfung)")), *FundingApplication.Status.choices],
    )


class ChecklistForm(forms.Form):
    done = forms.MultipleChoiceField(
        label=_("Prüfliste"),
        required=False,
        choices=ReviewCheck.Item.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, application: FundingApplication | None = None, **kwargs: Any):
        if application is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "done": [c.item for c in application.checks.all() if c.done_at is not None]
            }
        super().__init__(*args, **kwargs)


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Begründung (freiwillig)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ohne Angabe: „Alle Voraussetzungen sind erfüllt.“"),
    )
    accept_partial = forms.BooleanField(
        label=_("Reicht das Budget nicht, den restlichen Betrag bewilligen (Teilbetrag)"),
        required=False,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Ablehnung"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Bitte den Grund der Ablehnung angeben.")},
    )


class ActionForm(forms.Form):
    """No input: carries a service's refusal of a one-click action (payout)."""
