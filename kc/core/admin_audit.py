"""Admin pages that show or change personal data write audit rows like the services do."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from kc.core import audit
from kc.core.models import User
from kc.core.numbers import next_number


class AuditedAdmin[M: models.Model](admin.ModelAdmin[M]):
    # Models with a business number take it from this range when created here.
    number_range: str | None = None

    def audit_partner_id(self, obj: M) -> int | None:
        """The customer the object belongs to; overridden per model."""
        return None

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit.record(
                    actor=_staff(request),
                    action=audit.Action.READ,
                    obj=obj,
                    partner_id=self.audit_partner_id(obj),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        before = {name: form.initial.get(name) for name in form.changed_data}
        if not change and self.number_range:
            obj.number = next_number(self.number_range)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)
        after = {name: form.cleaned_data.get(name) for name in form.changed_data}
        audit.record(
            actor=_staff(request),
            action=audit.Action.UPDATE if change else audit.Action.CREATE,
            obj=obj,
            partner_id=self.audit_partner_id(obj),
            changes=audit.diff(before, after),
        )

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        audit.record(
            actor=_staff(request),
            action=audit.Action.DELETE,
            obj=obj,
            partner_id=self.audit_partner_id(obj),
        )
        super().delete_model(request, obj)


def _staff(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None
