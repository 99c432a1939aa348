"""The bench database of bench/portal_load.py, built in a child process with Django set up.

Demo customers (`kc.desk.demo.generate`), the billing run of 20.01.2026 over all of them
(`run_billing`), then real invoices for the portal customers only: `invoice_account` posts
each and writes its letter, whose PDF the letters service renders (the costly part; two
processes). Each portal customer gets a `User(is_customer=True)` and a verified
`PortalAccount`. The bench then reads the customers from a JSON file (`write_fixture`).
"""

import datetime
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Any

PASSWORD = "Bench-Portal-Kunde-2026"  # noqa: S105 - the bench customers' only password
ISSUE_DATE = datetime.date(2026, 1, 20)
# Routes of the request pages (kc/portal/urls_requests.py), looked up by route, not by name.
READING_ROUTE = "zaehlerstand/<int:register_id>/"
MESSAGE_ROUTE = "postfach/neu/"


@dataclass
class Seeded:
    population: int
    customers: int
    seconds_generate: float
    seconds_billing: float
    seconds_invoices: float
    invoice_cpu_s: float
    invoice_errors: int
    password_hash_s: float
    hasher: str


def ready_customers(wanted: int) -> int:
    """Portal customers a kept database already has (0: build afresh)."""
    from django.db import DatabaseError

    from kc.portal.models import PortalAccount

    try:
        return PortalAccount.objects.filter(user__email__startswith="bench-").count()
    except DatabaseError:
        return 0


def seed(population: int, customers: int, workers: int) -> Seeded:
    from django.contrib.auth.hashers import get_hasher
    from django.db import connection

    from kc.billing.runs import run_billing
    from kc.desk.demo import generate
    from kc.desk.management.commands.seed_demo_letters import LETTERHEAD
    from kc.letters.models import Letterhead

    started = time.perf_counter()
    generate(population, seed=0, batch_size=5000)
    generated = time.perf_counter() - started
    if not Letterhead.objects.exists():
        Letterhead.objects.create(**LETTERHEAD)
    ensure_queues()
    started = time.perf_counter()
    run_billing(ISSUE_DATE, workers=1)
    billed = time.perf_counter() - started
    accounts = portal_accounts(customers)
    connection.close()  # nothing shared across the fork
    started = time.perf_counter()
    chunks = [accounts[i::workers] for i in range(workers)]
    with get_context("fork").Pool(workers) as pool:
        results = pool.map(invoice_chunk, chunks)
    invoiced = time.perf_counter() - started
    failed = set().union(*(bad for _cpu, bad in results))
    hash_s = make_logins([pk for pk in accounts if pk not in failed])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Seeded(
        population=population,
        customers=ready_customers(customers),
        seconds_generate=generated,
        seconds_billing=billed,
        seconds_invoices=invoiced,
        invoice_cpu_s=sum(cpu for cpu, _bad in results),
        invoice_errors=sum(len(bad) for _cpu, bad in results),
        password_hash_s=hash_s,
        hasher=str(get_hasher().algorithm),
    )


def ensure_queues() -> None:
    """The demo's teams and queues (the home office's takes new cases), no staff logins."""
    from kc.cases.models import Queue
    from kc.core.models import Team
    from kc.desk.management.commands.setup_demo_staff import QUEUE_NAMES, TEAM_NAMES

    teams = {
        kind: Team.objects.get_or_create(kind=kind, defaults={"name": name})[0]
        for kind, name in TEAM_NAMES.items()
    }
    for kind, name in QUEUE_NAMES.items():
        Queue.objects.get_or_create(
            name=name, defaults={"team": teams[kind], "is_default": kind == Team.Kind.HOME_OFFICE}
        )


def portal_accounts(count: int) -> list[int]:
    """Accounts (one per demo customer) with billed, uninvoiced documents and a current
    contract: the first `count` become portal customers."""
    from django.db.models import Q

    from kc.billing.models import BillingDocument
    from kc.supply.models import Contract

    billed = BillingDocument.objects.filter(status=BillingDocument.Status.BILLED).values(
        "contract__account_id"
    )
    current = Contract.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=ISSUE_DATE)
    ).values("account_id")
    from kc.customers.models import ContractAccount

    found = (
        ContractAccount.objects.filter(pk__in=billed)
        .filter(pk__in=current)
        .order_by("partner_id", "pk")
        .values_list("partner_id", "pk")
    )
    accounts: list[int] = []
    partners: set[int] = set()
    for partner_id, account_id in found:
        if partner_id not in partners:
            partners.add(partner_id)
            accounts.append(account_id)
        if len(accounts) == count:
            break
    return accounts


def invoice_chunk(account_ids: list[int]) -> tuple[float, set[int]]:
    """In a pool process: invoice each account (letter and PDF); CPU seconds, failed ones."""
    from django.db import connection

    from kc.billing import invoices
    from kc.customers.models import ContractAccount

    before = time.process_time()
    failed: set[int] = set()
    for pk in account_ids:
        try:
            invoices.invoice_account(
                ContractAccount.objects.get(pk=pk), issue_date=ISSUE_DATE, next_plans=True
            )
        except (invoices.InvoiceError, ValueError) as error:
            print(f"  account {pk}: not invoiced: {error}")
            failed.add(pk)
    connection.close()
    return time.process_time() - before, failed


def make_logins(account_ids: list[int]) -> float:
    """A customer login per account's partner. The password is hashed once with the
    production hasher (Argon2id, Django's parameters) and the same encoded hash stored for all:
    every check at login costs what a real one costs. Returns the seconds of one hash."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from kc.core.models import User
    from kc.customers.models import ContractAccount
    from kc.portal.models import PortalAccount

    started = time.perf_counter()
    encoded = make_password(PASSWORD)
    hash_s = time.perf_counter() - started
    partners = list(
        ContractAccount.objects.filter(pk__in=account_ids)
        .select_related("partner")
        .order_by("partner_id")
        .values_list("partner_id", "partner__number")
    )
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=f"kunde-{number}",
                email=f"bench-{number}@example.org",
                password=encoded,
                is_customer=True,
            )
            for _pk, number in partners
        )
        PortalAccount.objects.bulk_create(
            PortalAccount(
                user=user,
                partner_id=partner_id,
                signup_method=PortalAccount.Method.INVOICE,
                email_verified_at=now,
            )
            for user, (partner_id, _number) in zip(users, partners, strict=True)
        )
    return hash_s


def request_paths() -> dict[str, str]:
    """The request pages that exist in this checkout: route -> URL pattern of the name."""
    from kc.portal import urls_requests

    found: dict[str, str] = {}
    for pattern in urls_requests.urlpatterns:
        route = str(pattern.pattern)
        if route in (READING_ROUTE, MESSAGE_ROUTE) and pattern.name:
            found[route] = f"portal:{pattern.name}"
    return found


def write_fixture(path: Path) -> dict[str, int]:
    """Per portal customer: e-mail, invoice PDFs, contracts, registers to report a reading
    for (with the value a reading today would plausibly have); the request pages found."""
    from django.urls import reverse
    from django.utils import timezone

    from kc.billing.selectors import billed_annual_consumption
    from kc.portal.access import CustomerScope
    from kc.portal.models import PortalAccount

    today = timezone.localdate()
    routes = request_paths()
    customers: list[dict[str, Any]] = []
    accounts = (
        PortalAccount.objects.filter(user__email__startswith="bench-")
        .select_related("user", "partner")
        .order_by("pk")
    )
    counts = {"invoices": 0, "contracts": 0, "registers": 0}
    for account in accounts:
        scope = CustomerScope(account.partner)
        sent = scope.letters().values("number")  # a held letter (address too wide) is not
        invoices = [  # linked in the portal: its PDF answers 404
            reverse("portal:invoice_pdf", kwargs={"invoice_id": pk})
            for pk in scope.invoices().filter(letter_number__in=sent).values_list("pk", flat=True)
        ]
        contracts = [
            reverse("portal:contract", kwargs={"contract_id": c.pk})
            for c in scope.current_contracts(today)
        ]
        registers: list[dict[str, Any]] = []
        if READING_ROUTE in routes:
            for register, contract in scope.reporting_registers(today):
                last = scope.readings(register, contract).first()
                if last is None:
                    continue
                per_year = billed_annual_consumption(contract) or Decimal(1000)
                days = max(0, (today - last.read_on).days)
                value = last.value + (per_year * days / 365).quantize(Decimal(1))
                registers.append(
                    {
                        "path": reverse(routes[READING_ROUTE], kwargs={"register_id": register.pk}),
                        "value": str(value),
                    }
                )
        counts["invoices"] += len(invoices)
        counts["contracts"] += len(contracts)
        counts["registers"] += len(registers)
        customers.append(
            {
                "email": account.user.email,
                "invoices": invoices,
                "contracts": contracts,
                "registers": registers,
            }
        )
    message = reverse(routes[MESSAGE_ROUTE]) if MESSAGE_ROUTE in routes else ""
    fixture = {
        "password": PASSWORD,
        "customers": customers,
        "reading_page": READING_ROUTE in routes,
        "message_path": message,
    }
    path.write_text(json.dumps(fixture), encoding="utf-8")
    return counts
