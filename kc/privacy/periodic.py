"""The periodic run: finish erasures whose blockers are gone, purge what has run out.

Idempotent: a partner restricted here has a purge date and is not found as waiting again; a
purged partner has neither a request date nor a purge date. `dry_run` only reports.
"""

import datetime
import logging
from dataclasses import dataclass, field

from kc.privacy import erasure, retention

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PurgeReport:
    restricted: list[tuple[str, datetime.date | None]] = field(default_factory=list)
    still_blocked: list[tuple[str, str]] = field(default_factory=list)
    purged: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "restricted": len(self.restricted),
            "still_blocked": len(self.still_blocked),
            "purged": len(self.purged),
        }


def run(today: datetime.date, *, dry_run: bool = False) -> PurgeReport:
    report = PurgeReport()
    for partner in erasure.waiting_for_blockers():
        if found := retention.blockers(partner, today):
            report.still_blocked.append((partner.number, "; ".join(b.reason for b in found)))
            continue
        if dry_run:
            plan = erasure.plan_erasure(partner, today)
        else:
            plan = erasure.apply_erasure(partner, actor=None, today=today)
        report.restricted.append((partner.number, plan.erasure_due))
    for partner in erasure.due_for_purge(today):
        if dry_run:
            kept = retention.retained(partner, today)
            report.purged.append((partner.number, {item.area: item.count for item in kept}))
            continue
        if counts := erasure.purge(partner, today=today):
            report.purged.append((partner.number, counts))
    log.info("privacy purge%s: %s", " (dry run)" if dry_run else "", report.counts())
    return report
