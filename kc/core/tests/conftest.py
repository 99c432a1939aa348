"""Fixtures of the platform tests."""

import io
import logging
from collections.abc import Iterator

import pytest

from kc.core import logs


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the production handler writes: the root logger through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
