"""The dunning run: reminders by level, then for household customers the legal chain.

Per open item the level it has reached is kept; a notice raises every overdue item of the
account to the next level when the oldest is overdue long enough and the last notice is far
enough back. After the last configured level, a household customer's energy or water contract
gets the disconnection threat if the arrears reach the threshold of the day's rule set. Open
chains move on by themselves: announcement when its latest day comes, order on the announced
day, and a stop when the arrears fell below the threshold. Idempotent per run date.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kc.core.models import User
from kc.core.money import format_eur
from kc.customers.models import BusinessPartner, ContractAccount
from kc.disconnection import chain, rules
from kc.disconnection.models import DisconnectionCase, DunnedItem, DunningLevel, DunningNotice
from kc.letters import services as letters
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine
from kc.supply.models import Contract

Status = DisconnectionCase.Status


@dataclass
class RunResult:
    notices: int = 0
    threats: int = 0
    announcements: int = 0
    orders: int = 0
    stopped: int = 0
    broken_agreements: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def run(
    on: datetime.date,
    *,
    actor: User | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    result = RunResult()
    _advance_chains(on, result, actor)
    accounts = (
        LedgerLine.objects.filter(
            side=LedgerLine.Offset.CUSTOMER, amount__gt=0, due_on__lt=on, disputed=False
        )
        .values_list("account_id", flat=True)
        .distinct()
        .order_by("account_id")
    )
    for count, account_id in enumerate(accounts.iterator(chunk_size=1000), start=1):
        account = ContractAccount.objects.select_related("partner").get(pk=account_id)
        try:
            _dun(account, on, result, actor)
        except (chain.ChainError, rules.NoRuleSet, ValueError) as error:
            result.errors.append((account.number, str(error)))
        if progress is not None and count % 1000 == 0:
            progress(f"{count} Konten geprüft")
    return result


def _advance_chains(on: datetime.date, result: RunResult, actor: User | None) -> None:
    for case in DisconnectionCase.objects.filter(status=Status.AGREEMENT):
        if chain.check_agreement(case, on=on):
            result.broken_agreements += 1
    for case in DisconnectionCase.objects.filter(status__in=[Status.THREATENED, Status.ANNOUNCED]):
        try:
            rule_set, test = chain.test_arrears(case.contract, on)
            if not test.ok:
                with transaction.atomic():
                    chain.stop_below_threshold(case, test.reason)
                result.stopped += 1
            elif case.status == Status.THREATENED:
                if on >= chain.latest_announcement(rule_set, case.earliest_on):
                    chain.announce(case, on=on, actor=actor)
                    result.announcements += 1
            elif case.planned_on is not None and on >= case.planned_on:
                chain.order_disconnection(case, on=on, actor=actor)
                result.orders += 1
        except (chain.ChainError, rules.NoRuleSet) as error:
            result.errors.append((case.number, str(error)))


def _procedure(account: ContractAccount) -> str:
    if account.partner.kind == BusinessPartner.Kind.PERSON:
        return DunningLevel.Procedure.HOUSEHOLD
    return DunningLevel.Procedure.BUSINESS


@transaction.atomic
def _dun(
    account: ContractAccount, on: datetime.date, result: RunResult, actor: User | None
) -> None:
    if DunningNotice.objects.filter(account=account, run_date=on).exists():
        return  # this run date has dunned the account already
    overdue = [
        item
        for item in ledger.open_items(account, due_until=on - datetime.timedelta(days=1))
        if not item.line.disputed
    ]
    if not overdue:
        return
    if DisconnectionCase.objects.filter(
        account=account, status__in=DisconnectionCase.OPEN
    ).exists():
        return  # the chain is running: no reminders on top
    reached = dict(
        DunnedItem.objects.filter(line__in=[i.line for i in overdue])
        .values("line_id")
        .annotate(level=Max("level"))
        .values_list("line_id", "level")
    )
    next_level = 1 + max((reached.get(i.line.pk, 0) for i in overdue), default=0)
    oldest = min(i.line.due_on for i in overdue if i.line.due_on is not None)
    last = DunningNotice.objects.filter(account=account).order_by("-run_date").first()
    level = DunningLevel.objects.filter(procedure=_procedure(account), level=next_level).first()
    if level is None:
        _threaten(account, on, last, result, actor)
        return
    if (on - oldest).days < level.days_overdue:
        return
    if last is not None and (on - last.run_date).days < level.min_days_since_last:
        return
    _notice(account, level, overdue, on, actor)
    result.notices += 1


def _threaten(
    account: ContractAccount,
    on: datetime.date,
    last: DunningNotice | None,
    result: RunResult,
    actor: User | None,
) -> None:
    """After the last level: the legal chain, for household customers only."""
    if _procedure(account) != DunningLevel.Procedure.HOUSEHOLD:
        return
    if last is not None and (on - last.run_date).days < 14:
        return
    for contract in Contract.objects.filter(account=account, end_date__isnull=True).order_by("pk"):
        try:
            chain.rules_of(contract, on)
        except rules.NoRuleSet:
            continue
        _, test = chain.test_arrears(contract, on)
        if test.ok:
            chain.threaten(contract, on=on, actor=actor)
            result.threats += 1
            return  # one supply point at a time: the least intrusive step


def _notice(
    account: ContractAccount,
    level: DunningLevel,
    overdue: list[ledger.OpenItem],
    on: datetime.date,
    actor: User | None,
) -> DunningNotice:
    amount = sum((i.open_amount for i in overdue), Decimal(0))
    pay_by = on + datetime.timedelta(days=level.payment_days)
    notice = DunningNotice.objects.create(
        account=account, level=level.level, run_date=on, amount=amount, fee=level.fee, pay_by=pay_by
    )
    DunnedItem.objects.bulk_create(
        DunnedItem(line=item.line, notice=notice, level=level.level) for item in overdue
    )
    if level.fee > 0:
        ledger.post(
            account=account,
            kind=LedgerDocument.Kind.FEE,
            source=f"dunning:{account.pk}:{on:%Y%m%d}",
            text=_("Mahngebühr ({name})").format(name=level.name),
            entries=[ledger.Entry(amount=level.fee, text=_("Mahngebühr"), due_on=pay_by)],
            offset=LedgerLine.Offset.FEES,
            actor=actor,
        )
    letter = letters.create_letter(
        kind="payment_reminder",
        partner=account.partner,
        account=account,
        actor=actor,
        values={
            "offener_betrag": format_eur(amount),
            "zahlbar_bis": f"{pay_by:%d.%m.%Y}",
            "mahngebuehr": format_eur(level.fee),
            "posten": chain.items_table(overdue, total=amount),
        },
    )
    notice.letter_number = letter.number
    notice.save(update_fields=["letter_number"])
    return notice
