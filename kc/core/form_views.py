"""The shape every staff form view shares: validate, call one service, show its refusal."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kc.core.validation import Refusal, add_service_errors


def submitted(request: HttpRequest, *forms: BaseForm) -> bool:
    """A POST whose forms are all valid (every form is validated, for its error list)."""
    return request.method == "POST" and all([form.is_valid() for form in forms])


def call_service[T](form: BaseForm, action: Callable[[], T]) -> T | None:
    """Run a service; its ValidationError or Refusal lands on the form instead of a 500."""
    try:
        return action()
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    except Refusal as error:
        form.add_error(None, str(error))
        return None


def form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A form page: 400 when a submitted form comes back with errors."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)
