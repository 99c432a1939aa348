"""The billing run's population for bench/production.py, run with `manage.py shell -c` in the
topology's settings (each snippet prints one line `RESULT <json>`, like productionlib.inside).

SEED builds what bench/billing.py builds (its `generate_contracts` and `add_earlier_bills`, not
a copy): demo contracts with readings on 31 December 2022-2025, each with the bill it would
already have up to its last closing reading on or before 31.12.2024. The run on 20.01.2026 then
bills 2025 (and final bills of those who moved out). It also counts what the run should bill,
from the readings alone (EXPECTED below), so the bench can check the run against the database.

VERIFY counts, after the run, the run's bills, billed contracts and items in the database, and
the run's own start and end (the window in which queue latency counts as "during billing").
"""

# What the run should bill, worked out from the seeded rows without the billing code: for each
# contract whose market location has exactly one register, the closing readings (periodic or
# move-out) from the day after its last bill (or its start) up to the billing date (or its end
# date) are the ends of its due periods. Contracts the run cannot bill (a period longer than a
# year, a missing start reading) are errors there and are counted apart by VERIFY.
EXPECTED = """
import datetime
from collections import defaultdict
from django.db.models import Max
from kc.billing.models import BillingDocument
from kc.supply.models import Contract, MeterReading, Register

def expected_bills(billing_date):
    until = dict(BillingDocument.objects.values("contract_id").annotate(last=Max("period_end"))
                 .order_by().values_list("contract_id", "last"))
    registers = defaultdict(list)
    for location, register in Register.objects.values_list("meter__market_location_id", "pk"):
        registers[location].append(register)
    ends = defaultdict(list)
    closing = MeterReading.objects.filter(
        reason__in=("periodic", "move_out"), read_on__lte=billing_date)
    for register, day in closing.values_list("register_id", "read_on"):
        ends[register].append(day)
    bills = contracts = 0
    rows = Contract.objects.values_list("pk", "start_date", "end_date", "market_location_id")
    for pk, start, end, location in rows.iterator(chunk_size=10000):
        if len(registers[location]) != 1:
            continue
        first = until[pk] + datetime.timedelta(days=1) if pk in until else start
        last = min(billing_date, end) if end else billing_date
        due = sum(1 for day in set(ends[registers[location][0]]) if first <= day <= last)
        bills += due
        contracts += bool(due)
    return bills, contracts
"""

SEED = (
    """
import json, sys, time
sys.path.insert(0, "bench")
import billing as bench_billing
from django.db import connection
started = time.perf_counter()
contracts = bench_billing.generate_contracts({contracts})
generated = time.perf_counter() - started
earlier = bench_billing.add_earlier_bills()
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
"""
    + EXPECTED
    + """
bills, due = expected_bills(datetime.date.fromisoformat("{billing_date}"))
print("RESULT " + json.dumps({{
    "contracts": contracts, "earlier_bills": earlier, "generate_seconds": generated,
    "seconds": time.perf_counter() - started, "expected_bills": bills,
    "expected_contracts": due,
}}))
"""
)

VERIFY = """
import json
from django.db.models import Count
from kc.billing.models import BillingDocument, BillingRun
run = BillingRun.objects.get(billing_date="{billing_date}")
documents = BillingDocument.objects.filter(run=run)
outcomes = dict(run.items.values("outcome").annotate(n=Count("pk")).order_by()
                .values_list("outcome", "n"))
print("RESULT " + json.dumps({{
    "status": run.status,
    "started": run.started_at.timestamp(),
    "finished": run.finished_at.timestamp() if run.finished_at else None,
    "bills": documents.count(),
    "billed_contracts": documents.values("contract_id").distinct().count(),
    "counters": [run.contracts_done, run.document_count, run.errors],
    "outcomes": outcomes,
    "errors": list(run.items.filter(outcome="error").values("message")
                   .annotate(n=Count("pk")).order_by("-n").values_list("message", "n")[:5]),
}}))
"""
