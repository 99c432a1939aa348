"""Locust users of bench/portal_load.py (run by the `locust` command as a subprocess).

    locust -f bench/portallib/locustfile.py --headless ... PortalCustomer|Ping

Environment: PLB_FIXTURE (the customers' JSON from seeding.write_fixture), PLB_OFFSET (the
first customer of this run: runs do not share customers), PLB_SAMPLES (where
every request is written at the end: name, start, milliseconds, failure), PLB_WAIT ("3,10":
think time between clicks in seconds, uniformly drawn; "0": none).

PortalCustomer logs in once as its own customer (login page with its CSRF token, the
page's CSS and JS once as a first visit would, POST of e-mail and password, which must answer
302 to /portal/), then clicks: overview, documents, an invoice PDF, a contract, the meter
reading (page, then POST of a plausible value for today, confirmed if the portal asks; once
per customer, as a real one reports once) and a message (page, POST of a short text). Pages
the checkout does not have yet are left out (the bench reports them as skipped). Ping asks
/bench/ping, nothing else.
"""

import datetime
import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser, ResponseContextManager

FIXTURE: dict[str, Any] = (
    json.loads(Path(os.environ["PLB_FIXTURE"]).read_text(encoding="utf-8"))
    if os.environ.get("PLB_FIXTURE")
    else {"customers": [], "password": "", "reading_page": False, "message_path": ""}
)
NEXT_CUSTOMER = itertools.count(int(os.environ.get("PLB_OFFSET", "0")))  # one per user
STARTED = itertools.count(1)
WAIT = [float(part) for part in os.environ.get("PLB_WAIT", "3,10").split(",")]
SAMPLES: list[tuple[str, float, float, int]] = []  # name, start (epoch s), ms, failed
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')
MESSAGE_TEXT = (
    "Guten Tag, bitte schicken Sie mir die Rechnung künftig per E-Mail. "
    "Vielen Dank und freundliche Grüße"
)


def _record(
    name: str, start_time: float, response_time: float, exception: object, **_: Any
) -> None:
    SAMPLES.append((name, start_time, response_time, 1 if exception else 0))


def _write(**_: Any) -> None:
    target = os.environ.get("PLB_SAMPLES")
    if target:
        Path(target).write_text(json.dumps(SAMPLES), encoding="utf-8")


events.request.add_listener(_record)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_write)  # type: ignore[no-untyped-call]


def started() -> None:
    """After the last user's start (its login): PLB_READY gets the time, the bench's signal
    that the steady state begins."""
    if next(STARTED) == int(os.environ.get("PLB_USERS", "0")) and os.environ.get("PLB_READY"):
        Path(os.environ["PLB_READY"]).write_text(f"{time.time()}\n", encoding="utf-8")


def think() -> Any:
    return constant(0) if WAIT == [0.0] else between(WAIT[0], WAIT[-1])


class FormFields(HTMLParser):
    """The fields of the page's POST form: hidden values kept, the rest named by type."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.values: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.select: str = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.in_form = True
        if not self.in_form or not a.get("name"):
            chosen = self.select and self.select not in self.values
            if tag == "option" and chosen and a.get("value"):
                self.values[self.select] = a["value"]
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "checkbox", "radio"):
                return
            self.types[name] = kind
            self.values[name] = a.get("value", "")
        elif tag == "textarea":
            self.types[name] = "textarea"
            self.values[name] = ""
        elif tag == "select":
            self.types[name] = "select"
            self.select = name

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form = False
        if tag == "select":
            self.select = ""


def form_of(html: str) -> FormFields:
    fields = FormFields()
    fields.feed(html)
    return fields


def refused(html: str) -> bool:
    """A form page shown again with errors (the portal's _form.html or Django's list)."""
    return 'class="errors"' in html or 'class="errorlist' in html


class PortalCustomer(FastHttpUser):
    wait_time = think()

    def on_start(self) -> None:
        customers = FIXTURE["customers"]
        self.customer: dict[str, Any] = customers[next(NEXT_CUSTOMER) % len(customers)]
        self.reported = False
        page = self.client.get("/portal/anmelden/", name="login page")
        html = page.text or ""
        for asset in sorted(set(STATIC.findall(html))):
            self.client.get(asset, name="static (first visit)")
        token = form_of(html).values.get("csrfmiddlewaretoken", "")
        with self.client.post(
            "/portal/anmelden/",
            name="login POST",
            data={
                "csrfmiddlewaretoken": token,
                "email": self.customer["email"],
                "password": FIXTURE["password"],
                "next": "/portal/",
            },
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or not answer.headers.get("location", "").endswith(
                "/portal/"
            ):
                answer.failure(f"login answered {answer.status_code}")
        started()

    def page(self, path: str, name: str) -> ResponseContextManager:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:  # a lost session answers 302 to the login
                answer.failure(f"{answer.status_code}")
        return answer  # type: ignore[no-any-return]

    @task(4)
    def overview(self) -> None:
        self.page("/portal/", "overview")

    @task(2)
    def documents(self) -> None:
        self.page("/portal/dokumente/", "documents")

    @task(2)
    def invoice_pdf(self) -> None:
        if not self.customer["invoices"]:
            return
        path = random.choice(self.customer["invoices"])
        with self.client.get(
            path, name="invoice PDF", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 200 or not (answer.content or b"").startswith(b"%PDF"):
                answer.failure(f"{answer.status_code}, not a PDF")

    @task(2)
    def contract(self) -> None:
        if self.customer["contracts"]:
            self.page(random.choice(self.customer["contracts"]), "contract")

    @task(1)
    def meter_reading(self) -> None:
        registers = self.customer["registers"]
        if not FIXTURE["reading_page"] or not registers or self.reported:
            return
        self.reported = True
        register = random.choice(registers)
        html = self.page(register["path"], "reading page").text or ""
        fields = form_of(html).values
        fields["read_on"] = datetime.date.today().isoformat()  # noqa: DTZ011 - the server's day
        fields["value"] = register["value"].replace(".", ",")
        self.submit(register["path"], fields, "reading POST", confirm=True)

    @task(1)
    def message(self) -> None:
        path = FIXTURE["message_path"]
        if not path:
            return
        html = self.page(path, "message page").text or ""
        form = form_of(html)
        fields = dict(form.values)
        for name, kind in form.types.items():
            if kind == "textarea":
                fields[name] = MESSAGE_TEXT
            elif kind == "text" and not fields.get(name):
                fields[name] = "Rechnung per E-Mail"
        self.submit(path, fields, "message POST", confirm=False)

    def submit(self, path: str, fields: dict[str, str], name: str, *, confirm: bool) -> None:
        """POST the form; success is the redirect after it. A reading the portal finds odd
        is confirmed, as a customer sure of the meter would."""
        with self.client.post(
            path, name=name, data=fields, allow_redirects=False, catch_response=True
        ) as answer:
            html = answer.text or ""
            question = re.search(r'name="confirm" value="([^"]+)"', html)
            if answer.status_code == 302:
                return
            if not (confirm and answer.status_code == 200 and question and not refused(html)):
                answer.failure(f"{answer.status_code}{', form refused' if refused(html) else ''}")
                return
        fields["confirm"] = question.group(1)
        self.submit(path, fields, name + " (confirmed)", confirm=False)


class Ping(FastHttpUser):
    wait_time = think()

    def on_start(self) -> None:
        started()

    @task
    def ping(self) -> None:
        with self.client.get("/bench/ping", name="ping", catch_response=True) as answer:
            if answer.status_code != 200 or answer.content != b"pong\n":
                answer.failure(f"{answer.status_code}")
