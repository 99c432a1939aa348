"""Limit/offset pagination, the same on every list: `?limit=50&offset=0` (limit 1–200).

Answers carry `items`, `count` (all matches), `limit`, `offset` and `next_offset` (null on
the last page). Lists are ordered by a unique key, so pages do not overlap or skip.
"""

from collections.abc import Sequence
from typing import Annotated

from django.db.models import Model, QuerySet
from ninja import Query, Schema
from pydantic import Field

MAX_LIMIT = 200


class PageParams(Schema):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 50
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0


PageQuery = Query[PageParams]


class PageMeta(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None


def page_of[M: Model](queryset: QuerySet[M], params: PageParams) -> tuple[list[M], PageMeta]:
    count = queryset.count()
    items = list(queryset[params.offset : params.offset + params.limit])
    return items, meta(count, params)


def page_of_list[T](rows: Sequence[T], params: PageParams) -> tuple[list[T], PageMeta]:
    return list(rows[params.offset : params.offset + params.limit]), meta(len(rows), params)


def meta(count: int, params: PageParams) -> PageMeta:
    after = params.offset + params.limit
    return PageMeta(
        count=count,
        limit=params.limit,
        offset=params.offset,
        next_offset=after if after < count else None,
    )
