"""Erlang C: how many agents a hotline needs for a service level.

Calls arrive at random (Poisson) and wait in one queue for the next free agent; handling times
are exponential. With traffic A = calls per hour × average handling time (in Erlangs) and N
agents, Erlang C gives the probability that a call has to wait, and from it the share answered
within a target time. The figures are probabilities, not money, so floats are right here.

Erlang B is computed by its recursion instead of factorials and powers, which stays exact for
hundreds of agents where A**N / N! overflows.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

# Beyond this many agents above the traffic a target is treated as unreachable: the service
# level then differs from 1 by far less than any target a team lead could set.
_SEARCH_HEADROOM = 500


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of `agents` servers offered `traffic` Erlangs (no queue)."""
    if traffic < 0 or agents < 0:
        raise ValueError("traffic and agents must not be negative")
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call waits. 1.0 when the agents cannot keep up (N <= A)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(traffic: float, agents: int, handling_s: float, target_s: float) -> float:
    """Share of calls answered within `target_s` seconds."""
    if traffic <= 0:
        return 1.0
    waiting = erlang_c(traffic, agents)
    if waiting >= 1.0:
        return 0.0
    return 1.0 - waiting * math.exp(-(agents - traffic) * target_s / handling_s)


def average_speed_of_answer(traffic: float, agents: int, handling_s: float) -> float:
    """Mean wait in seconds over all calls (infinite when the agents cannot keep up)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * handling_s / (agents - traffic)


@dataclass(frozen=True)
class Staffing:
    """Agents needed in one interval, or why no number can be given."""

    calls: float
    traffic: float
    agents: int | None
    service_level: float | None
    average_wait_s: float | None
    occupancy: float | None
    explanation: str = ""


def agents_needed(
    *,
    calls: float,
    handling_s: float,
    target_level: float,
    target_s: float,
    interval_s: float = 3600,
) -> Staffing:
    """The fewest agents that answer `target_level` of `calls` (per interval) within
    `target_s`. An impossible target (100 %, or a level no number of agents reaches) gets an
    explanation instead of a number."""
    if calls < 0 or handling_s <= 0 or interval_s <= 0 or target_s < 0:
        raise ValueError("calls, handling time, interval and target time must be sensible")
    traffic = calls * handling_s / interval_s
    if not 0 < target_level < 1:
        return Staffing(
            calls,
            traffic,
            None,
            None,
            None,
            None,
            # xgettext:no-python-format
            _(
                "Ein Servicegrad muss über 0 % und unter 100 % liegen; 100 % erreicht keine Zahl "
                "von Mitarbeitenden, weil Anrufe zufällig zusammentreffen."
            ),
        )
    if traffic == 0:
        return Staffing(calls, 0.0, 0, 1.0, 0.0, 0.0, _("Keine Anrufe erwartet."))
    agents = max(1, math.floor(traffic) + 1)
    limit = agents + _SEARCH_HEADROOM
    while agents <= limit:
        level = service_level(traffic, agents, handling_s, target_s)
        if level >= target_level:
            return Staffing(
                calls,
                traffic,
                agents,
                level,
                average_speed_of_answer(traffic, agents, handling_s),
                traffic / agents,
            )
        agents += 1
    return Staffing(
        calls,
        traffic,
        None,
        None,
        None,
        None,
        _("Dieser Servicegrad ist mit keiner sinnvollen Zahl von Mitarbeitenden erreichbar."),
    )
