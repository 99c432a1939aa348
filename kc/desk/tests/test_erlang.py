"""Erlang C against exact small cases and a published staffing table."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc.desk.erlang import (
    agents_needed,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    service_level,
)


def test_small_systems_match_the_closed_form() -> None:
    # A = 1, N = 2: B = 1/5, C = 1/3; A = 2, N = 3: B = 4/19, C = 4/9 (worked by hand).
    assert erlang_b(1, 2) == pytest.approx(1 / 5)
    assert erlang_c(1, 2) == pytest.approx(1 / 3)
    assert erlang_b(2, 3) == pytest.approx(4 / 19)
    assert erlang_c(2, 3) == pytest.approx(4 / 9)


# The textbook example: 100 calls in 30 minutes, 180 s handling (A = 10 Erlang), target 20 s.
# Probability of waiting, service level and average speed of answer as published.
TABLE = [
    (11, 0.6821, 0.3896, 122.8),
    (12, 0.4494, 0.6402, 40.4),
    (13, 0.2853, 0.7956, 17.1),
    (14, 0.1741, 0.8884, 7.8),
    (15, 0.1020, 0.9415, 3.7),
]


@pytest.mark.parametrize(("agents", "waits", "level", "asa"), TABLE)
def test_published_table(agents: int, waits: float, level: float, asa: float) -> None:
    assert erlang_c(10, agents) == pytest.approx(waits, abs=5e-5)
    assert service_level(10, agents, 180, 20) == pytest.approx(level, abs=5e-5)
    assert average_speed_of_answer(10, agents, 180) == pytest.approx(asa, abs=0.05)


def test_agents_for_80_percent_in_20_seconds() -> None:
    staffing = agents_needed(calls=200, handling_s=180, target_level=0.8, target_s=20)
    assert staffing.traffic == pytest.approx(10)
    assert staffing.agents == 14  # 13 give 79.6 %
    assert staffing.service_level == pytest.approx(0.8884, abs=5e-5)
    assert staffing.occupancy == pytest.approx(10 / 14)


def test_too_few_agents_never_keep_up() -> None:
    assert erlang_c(10, 10) == 1.0
    assert service_level(10, 9, 180, 20) == 0.0
    assert average_speed_of_answer(10, 10, 180) == math.inf


def test_no_calls_need_no_agents() -> None:
    staffing = agents_needed(calls=0, handling_s=180, target_level=0.8, target_s=20)
    assert staffing.agents == 0
    assert staffing.explanation


@pytest.mark.parametrize("level", [1.0, 1.2, 0.0, -0.1])
def test_impossible_service_level_is_explained(level: float) -> None:
    staffing = agents_needed(calls=50, handling_s=240, target_level=level, target_s=20)
    assert staffing.agents is None
    assert "100 %" in staffing.explanation


def test_zero_target_time_still_gives_a_number() -> None:
    # "80 % answered at once" is reachable: the wait probability falls below 20 %.
    staffing = agents_needed(calls=200, handling_s=180, target_level=0.8, target_s=0)
    assert staffing.agents is not None
    assert erlang_c(10, staffing.agents) <= 0.2 < erlang_c(10, staffing.agents - 1)


def test_large_hotline_does_not_overflow() -> None:
    staffing = agents_needed(calls=6000, handling_s=300, target_level=0.9, target_s=15)
    assert staffing.agents is not None and staffing.agents > 500


@given(
    traffic=st.floats(min_value=0.1, max_value=80),
    extra=st.integers(min_value=1, max_value=40),
)
def test_more_agents_never_serve_worse(traffic: float, extra: int) -> None:
    agents = math.floor(traffic) + extra
    assert 0 <= erlang_c(traffic, agents + 1) <= erlang_c(traffic, agents) <= 1
    assert service_level(traffic, agents + 1, 180, 20) >= service_level(traffic, agents, 180, 20)
