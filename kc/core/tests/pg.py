"""A psycopg connection to the test database server beside Django's own: to create and drop
databases, or to end one of Django's backends as a database restart would."""

import psycopg
from django.db import connection


def connect(dbname: str | None = None) -> psycopg.Connection[tuple[object, ...]]:
    """Autocommit, to `dbname` on Django's server (default: Django's own test database)."""
    cfg = connection.settings_dict
    return psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname=dbname or cfg["NAME"],
        autocommit=True,
    )
