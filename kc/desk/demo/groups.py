"""Which demo customers are "in arrears" or "disconnected".

There are no models for open items or disconnections yet, so the generator
stores nothing about it. Instead the group is a pure, stable function of the
customer number (independent of --seed and of the database), and later issues
(dunning, disconnection, reconnection) can ask for the groups and create their
own data for exactly these customers:

    from kc.desk.demo import demo_groups
    groups = demo_groups()          # reads BusinessPartner numbers
    groups.in_arrears               # ~3 % of partners, sorted numbers
    groups.disconnected             # ~0.5 %, also owe money; disjoint from in_arrears

The generator keeps these customers consistent: a disconnected customer has a
current power contract and no ended contracts.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

ARREARS = "in_arrears"
DISCONNECTED = "disconnected"

_PER_MILLE_DISCONNECTED = 5
_PER_MILLE_ARREARS = 30


def demo_group(partner_number: str) -> str | None:
    """ARREARS, DISCONNECTED or None for one customer number."""
    digest = hashlib.blake2b(f"kc-demo:{partner_number}".encode(), digest_size=4).digest()
    bucket = int.from_bytes(digest) % 1000
    if bucket < _PER_MILLE_DISCONNECTED:
        return DISCONNECTED
    if bucket < _PER_MILLE_DISCONNECTED + _PER_MILLE_ARREARS:
        return ARREARS
    return None


@dataclass(frozen=True)
class DemoGroups:
    in_arrears: list[str]
    disconnected: list[str]


def demo_groups(partner_numbers: Iterable[str] | None = None) -> DemoGroups:
    """Split customer numbers (default: every BusinessPartner) into the demo groups."""
    if partner_numbers is None:
        from kc.customers.models import BusinessPartner

        partner_numbers = BusinessPartner.objects.values_list("number", flat=True).iterator(
            chunk_size=20_000
        )
    arrears: list[str] = []
    disconnected: list[str] = []
    for number in partner_numbers:
        group = demo_group(number)
        if group == ARREARS:
            arrears.append(number)
        elif group == DISCONNECTED:
            disconnected.append(number)
    return DemoGroups(sorted(arrears), sorted(disconnected))
