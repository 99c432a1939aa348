"""Changes to many cases at once: QuerySet.update() that still tells the layers above what
changed (QuerySet.update sends no model signals)."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from kc.cases.models import Case
from kc.cases.signals import cases_updated


def update_cases(cases: QuerySet[Case], **changes: Any) -> int:
    """`cases.update(**changes)` with the signal `cases_updated` in the same transaction,
    carrying each case's values of the changed fields from before (rows locked between the
    read and the update, so the "before" is the one the update replaced)."""
    attnames = {key: f.attname for f in Case._meta.concrete_fields for key in (f.name, f.attname)}
    fields = [attnames[name] for name in changes]
    with transaction.atomic():
        rows = cases.select_for_update(of=("self",)).order_by("pk").values("pk", *fields)
        before = {row.pop("pk"): row for row in rows}
        if not before:
            return 0
        updated = Case.objects.filter(pk__in=list(before)).update(**changes)
        cases_updated.send(sender=Case, before=before)
    return updated
