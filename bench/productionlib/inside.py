"""Code that bench/production.py runs with `manage.py shell -c` in the topology's settings.

Each function prints one line `RESULT <json>`; the bench parses it (bench/production.py).
The topology's processes have their own settings, so the bench never sets up Django itself.
"""

SEED = """
import json, sys
sys.path.insert(0, "bench")
from kc.api.services import issue_api_token
from kc.cases.services import open_case
from kc.customers.models import BusinessPartner, ContractAccount
from kc.desk.demo import generate
from portallib import seeding
generate({population}, seed=0, batch_size=5000)
seeding.ensure_queues()
partners = list(BusinessPartner.objects.order_by("pk")[:{cases}])
numbers = [
    open_case(subject=f"Last {{n}}", channel="portal", actor=None, partner=partner).number
    for n, partner in enumerate(partners)
]
accounts = list(ContractAccount.objects.order_by("partner_id", "pk")
    .distinct("partner_id").values_list("pk", flat=True)[:{customers}])
seeding.make_logins(accounts)
emails = list(
    ContractAccount.objects.filter(pk__in=accounts)
    .values_list("partner__number", flat=True)
)
token, raw = issue_api_token(name="bench", scopes=["cases"], actor=None, expires_at=None)
print("RESULT " + json.dumps({{
    "cases": numbers, "token": raw, "password": seeding.PASSWORD,
    "customers": [f"bench-{{n}}@example.org" for n in emails],
}}))
"""

# A burst of `count` small real tasks (the webhook sweep: one query, nothing due), then the
# timestamps the database backend kept: enqueue -> start is the queue latency.
# With `interval` > 0 the tasks trickle in one per interval instead (latency, not backlog),
# until `count`, `stop_after` seconds or the file `stop_file` (if given) appears.
TASKS = """
import json, os, time
from kc.api.tasks import send_due_webhooks
from django_tasks_db.models import DBTaskResult
ids = []
started = time.monotonic()
for n in range({count}):
    ids.append(send_due_webhooks.enqueue().id)
    if {interval} > 0:
        time.sleep({interval})
        if {stop_after} and time.monotonic() - started > {stop_after}:
            break
        if {stop_file!r} and os.path.exists({stop_file!r}):
            break
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    left = DBTaskResult.objects.filter(pk__in=ids, finished_at__isnull=True).count()
    if not left:
        break
    time.sleep(0.2)
rows = DBTaskResult.objects.filter(pk__in=ids).values_list(
    "enqueued_at", "started_at", "finished_at", "status", "worker_ids")
out = []
for enq, start, fin, status, workers in rows:
    out.append([enq.timestamp(), start.timestamp() if start else None,
                fin.timestamp() if fin else None, status, (workers or [""])[-1]])
print("RESULT " + json.dumps(out))
"""
