from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseForm


def validate(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """full_clean() after refreshing derived search keys, which constraints may read."""
    refresh = getattr(instance, "refresh_search_keys", None)
    if refresh is not None:
        refresh()
    instance.full_clean(exclude=exclude)


def validate_and_save(instance: models.Model, **save_kwargs: Any) -> None:
    validate(instance)
    instance.save(**save_kwargs)


class Refusal(ValueError):  # noqa: N818 (a refusal, not a failure)
    """A service cannot do what was asked as the data stands; the message says why, in words
    for the person who asked. Forms show it as a whole-form error (`call_service`)."""


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError for one form field that keeps its code."""
    return ValidationError({field: ValidationError(message, code=code)})


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form whose input it refused."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
