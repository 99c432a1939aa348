"""The customer's mailbox: their cases, the customer-visible thread, replies, new messages.

Every form that creates something is sent once (`submit_once`): its one-time token is
claimed in the shared cache (an atomic add) before the service runs. A second post of the
same form (double click, reload, back button) finds the claim and goes to what the first
one created; a refused post gives the token back so the corrected form can be sent.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kc.cases import portal_messages
from kc.cases.models import Case
from kc.cases.selectors import portal_thread
from kc.core.form_views import call_service, form_page, submitted
from kc.portal.forms_requests import TOPICS, MessageForm, OnceForm, ReplyForm
from kc.portal.views.common import CustomerRequest, customer_required, scope

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

ONCE_SECONDS = 24 * 60 * 60
# What the customer sees of our states: our internal waiting is still "in progress".
CUSTOMER_STATES: dict[str, "StrOrPromise"] = {
    Case.Status.NEW: gettext_lazy("Neu"),
    Case.Status.OPEN: gettext_lazy("In Bearbeitung"),
    Case.Status.WAITING_INTERNAL: gettext_lazy("In Bearbeitung"),
    Case.Status.WAITING_CUSTOMER: gettext_lazy("Wartet auf Ihre Antwort"),
    Case.Status.RESOLVED: gettext_lazy("Erledigt"),
    Case.Status.CLOSED: gettext_lazy("Abgeschlossen"),
}


def submit_once[T](
    request: CustomerRequest,
    form: OnceForm,
    action: Callable[[], T],
    done: Callable[[T], str],
) -> HttpResponse | None:
    """Run `action` once per form token. A redirect to `done(result)` when it ran now or
    before; None when the service refused (its errors are on the form)."""
    key = f"kc-portal-once:{request.user.pk}:{form.cleaned_data['form_token']}"
    if not cache.add(key, "", ONCE_SECONDS):
        messages.info(
            request, _("Das haben Sie schon abgeschickt. Wir haben es nur einmal aufgenommen.")
        )
        return redirect(cache.get(key) or reverse("portal:mailbox"))
    try:
        result = call_service(form, action)
    except BaseException:
        cache.delete(key)
        raise
    if result is None:
        cache.delete(key)
        return None
    url = done(result)
    cache.set(key, url, ONCE_SECONDS)
    return redirect(url)


def case_url(case: Case) -> str:
    return reverse("portal:message", kwargs={"case_id": case.pk})


def files(*attachments: Any) -> list[tuple[str, bytes, str]]:
    """The checked files of a form, without the empty ones."""
    return [attachment for attachment in attachments if attachment is not None]


@customer_required
def mailbox(request: CustomerRequest) -> HttpResponse:
    cases = [(case, CUSTOMER_STATES.get(case.status)) for case in scope(request).mailbox()]
    return render(request, "portal/mailbox.html", {"cases": cases})


@customer_required
def message_case(request: CustomerRequest, case_id: int) -> HttpResponse:
    customer = scope(request)
    case = customer.mailbox_case(case_id)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if submitted(request, form):
        data = form.cleaned_data
        done = submit_once(
            request,
            form,
            lambda: portal_messages.message_from_portal(
                partner=customer.partner,
                actor=request.user,
                subject=_("Antwort zu %(number)s") % {"number": case.number},
                text=data["text"],
                case=case,
                attachments=files(data["attachment"]),
            ),
            lambda replied: _sent(request, case_url(replied)),
        )
        if done is not None:
            return done
    if request.method == "GET":
        portal_messages.mark_read_by_customer(case=case, partner=customer.partner)
    context = {
        "case": case,
        "state": CUSTOMER_STATES.get(case.status),
        "thread": portal_thread(case),
        "form": form,
    }
    return form_page(request, "portal/message_case.html", context)


def _sent(request: CustomerRequest, url: str) -> str:
    messages.success(request, _("Ihre Nachricht ist bei uns eingegangen."))
    return url


@customer_required
def message_new(request: CustomerRequest) -> HttpResponse:
    customer = scope(request)
    form = MessageForm(request.POST or None, request.FILES or None)
    if submitted(request, form):
        data = form.cleaned_data
        label, case_type = TOPICS[data["topic"]]
        done = submit_once(
            request,
            form,
            lambda: portal_messages.message_from_portal(
                partner=customer.partner,
                actor=request.user,
                subject=f"{label}: {data['subject']}",
                text=data["text"],
                case_type=case_type,
                attachments=files(data["attachment"]),
            ),
            lambda case: _sent(request, case_url(case)),
        )
        if done is not None:
            return done
    return form_page(request, "portal/message_new.html", {"form": form})
