"""What the row handlers of one run share: the actor, the legacy-key mapping, failed rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _

from kc.core.models import User
from kc.imports.csvfile import Row
from kc.imports.formats import FileFormat
from kc.imports.models import LegacyKey
from kc.imports.values import RowError


@dataclass
class Mapped:
    object_id: int
    row_hash: str


@dataclass
class Created:
    """What a handler made: the object of the unit and objects for sub-keys by entity."""

    obj: models.Model
    sub_objects: dict[str, dict[str, models.Model]] = field(default_factory=dict)


@dataclass
class Context:
    system: str
    actor: User | None
    maps: dict[str, dict[str, Mapped]] = field(default_factory=dict)
    # (entity, key) -> where the failed row is, e.g. "Zeile 7 in kunden.csv"
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    # Read-only lookups of this run (registers, tariffs), never written objects.
    cache: dict[tuple[str, object], Any] = field(default_factory=dict)

    def mapped(self, entity: str) -> dict[str, Mapped]:
        if entity not in self.maps:
            rows = LegacyKey.objects.filter(system=self.system, entity=entity).values_list(
                "key", "object_id", "row_hash"
            )
            self.maps[entity] = {key: Mapped(pk, digest) for key, pk, digest in rows}
        return self.maps[entity]

    def reload(self, entity: str, key: str) -> Mapped | None:
        """The mapping as committed now (another run may have just written it)."""
        row = (
            LegacyKey.objects.filter(system=self.system, entity=entity, key=key)
            .values_list("object_id", "row_hash")
            .first()
        )
        found = Mapped(row[0], row[1]) if row is not None else None
        if found is not None:
            self.mapped(entity)[key] = found
        return found

    def resolve(self, values: dict[str, str], column: str, entity: str) -> int:
        """The object id behind the legacy key in `column` (a reference to another file)."""
        key = values.get(column, "")
        if not key:
            raise RowError(column, _("Der Wert in Spalte „%(column)s“ fehlt.") % {"column": column})
        where = self.failed.get((entity, key))
        if where is not None:
            raise RowError(
                column,
                _("Hängt von der fehlerhaften %(where)s ab („%(key)s“).")
                % {"where": where, "key": key},
            )
        found = self.mapped(entity).get(key)
        if found is None:
            raise RowError(
                column,
                _(
                    "Den Schlüssel „%(key)s“ gibt es weder in dieser Lieferung noch aus einem "
                    "früheren Lauf."
                )
                % {"key": key},
            )
        return found.object_id


class Handler(Protocol):
    """Creates or updates the objects of one file through the owning apps' services."""

    fmt: FileFormat
    # model field -> CSV column, to name the column of a service's ValidationError
    columns: dict[str, str]

    def create(self, ctx: Context, rows: list[Row]) -> Created: ...

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None: ...
