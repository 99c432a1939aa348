"""Demo data for Stadtwerke Musterstadt (``manage.py seed_demo``).

Public entry points: ``generate`` builds customers; ``demo_groups`` /
``demo_group`` tell which customers count as in arrears or disconnected.
"""

from kc.desk.demo.generator import SeedResult, generate
from kc.desk.demo.groups import ARREARS, DISCONNECTED, DemoGroups, demo_group, demo_groups

__all__ = [
    "ARREARS",
    "DISCONNECTED",
    "DemoGroups",
    "SeedResult",
    "demo_group",
    "demo_groups",
    "generate",
]
