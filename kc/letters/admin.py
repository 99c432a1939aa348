"""Admin: letter templates are edited as a new version each time; letterheads; read-only
views of letters and print batches for support."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kc.letters import services
from kc.letters.models import (
    Letter,
    Letterhead,
    LetterTemplate,
    LetterTemplateVersion,
    PrintBatch,
)


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin[Letterhead]):
    list_display = ("name", "city_line", "creditor_id", "created_at")


class TemplateForm(forms.ModelForm[LetterTemplate]):
    subject = forms.CharField(label=_("Betreff"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text=LetterTemplateVersion._meta.get_field("body").help_text,
    )
    comment = forms.CharField(label=_("Änderungsnotiz"), max_length=200, required=False)

    class Meta:
        model = LetterTemplate
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            current = self.instance.current_version()
            self.fields["subject"].initial = current.subject
            self.fields["body"].initial = current.body

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        trial = LetterTemplateVersion(
            template=self.instance, subject=data.get("subject", ""), body=data.get("body", "")
        )
        try:
            trial.clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
        return data


class VersionInline(admin.TabularInline[LetterTemplateVersion, LetterTemplate]):
    model = LetterTemplateVersion
    extra = 0
    fields = ("version", "subject", "comment", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False
    ordering = ("-version",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin[LetterTemplate]):
    form = TemplateForm
    list_display = ("__str__", "current", "preview_link")
    inlines = [VersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one template per kind, created on migrate

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Version"))
    def current(self, obj: LetterTemplate) -> int:
        return obj.current_version().version

    @admin.display(description=_("Vorschau"))
    def preview_link(self, obj: LetterTemplate) -> str:
        url = reverse("admin:letters_lettertemplate_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("PDF mit Beispieldaten"))

    def save_model(
        self, request: HttpRequest, obj: LetterTemplate, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        current = obj.current_version()
        if (data["subject"], data["body"]) != (current.subject, current.body):
            services.save_template_version(
                template=obj,
                subject=data["subject"],
                body=data["body"],
                comment=data["comment"],
                actor=request.user,  # type: ignore[arg-type]
            )

    def get_urls(self) -> list[Any]:
        preview = self.admin_site.admin_view(self.preview)
        return [
            path("<int:pk>/vorschau/", preview, name="letters_lettertemplate_preview"),
            *super().get_urls(),
        ]

    def preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = LetterTemplate.objects.get(pk=pk)
        pdf = services.preview_pdf(template.current_version())
        return HttpResponse(pdf, content_type="application/pdf")


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin[Letter]):
    list_display = ("number", "kind", "partner", "status", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("=number", "=partner__number")
    raw_id_fields = ("partner", "account", "template_version", "created_by")
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PrintBatch)
class PrintBatchAdmin(admin.ModelAdmin[PrintBatch]):
    list_display = ("number", "state", "envelope", "postage_class", "letter_count", "created_at")
    list_filter = ("state",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
