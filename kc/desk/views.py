"""Staff workspace: start page, customer search, the customer 360° page, master-data forms.

Views parse input, call a service or selector and render; nothing else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods

from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.core.models import AuditLogEntry
from kc.customers import services as customer_services
from kc.customers.models import BusinessPartner, ContractAccount
from kc.customers.selectors import MatchField
from kc.desk.customer_page import load_customer_overview
from kc.desk.forms import (
    AccountForm,
    AddressForm,
    BankDataForm,
    ConsentForm,
    MeterReadingForm,
    PartnerForm,
)
from kc.desk.search import search_customers
from kc.payments.mandates import active_mandate
from kc.supply import services as supply_services
from kc.supply.models import Register

VIEW_CUSTOMER = "customers.view_businesspartner"

MATCH_LABELS = {
    MatchField.NUMBER: _l("Kundennummer"),
    MatchField.ACCOUNT_NUMBER: _l("Vertragskonto"),
    MatchField.NAME: _l("Name"),
    MatchField.NAME_PHONETIC: _l("Name (ähnlich klingend)"),
    MatchField.ADDRESS: _l("Anschrift"),
    MatchField.PREMISE_ADDRESS: _l("Verbrauchsstelle"),
    MatchField.POSTAL_CODE: _l("PLZ"),
    MatchField.CITY: _l("Ort"),
    MatchField.METER: _l("Zählernummer"),
    MatchField.MALO: _l("MaLo-ID"),
    MatchField.IBAN: _l("IBAN"),
    MatchField.PHONE: _l("Telefon"),
    MatchField.MOBILE: _l("Mobil"),
    MatchField.EMAIL: _l("E-Mail"),
}


@login_required
def home(request: StaffRequest) -> HttpResponse:
    recent = (
        AuditLogEntry.objects.filter(
            actor=request.user,
            action=AuditLogEntry.Action.READ,
            object_type="customers.businesspartner",
        )
        .values("partner_id", "object_repr")
        .order_by("-created_at")[:30]
    )
    seen: dict[int, str] = {}
    for row in recent:
        if row["partner_id"] is not None:
            seen.setdefault(row["partner_id"], row["object_repr"])
    return render(request, "desk/home.html", {"recent": list(seen.items())[:10]})


@login_required
@permission_required(VIEW_CUSTOMER, raise_exception=True)
def customer_search(request: StaffRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    result = search_customers(query) if query else None
    rows = [(hit, MATCH_LABELS[hit.matched_field]) for hit in result.hits] if result else []
    template = "desk/_search_results.html" if request.htmx else "desk/search.html"
    return render(request, template, {"query": query, "result": result, "rows": rows})


@login_required
@permission_required(VIEW_CUSTOMER, raise_exception=True)
def customer_detail(request: StaffRequest, partner_id: int) -> HttpResponse:
    overview = load_customer_overview(partner_id)
    customer_services.record_customer_view(partner=overview.partner, actor=request.user)
    return render(request, "desk/customer_detail.html", {"o": overview})


@login_required
@permission_required("customers.add_businesspartner", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_create(request: StaffRequest) -> HttpResponse:
    partner_form = PartnerForm(request.POST or None)
    address_form = AddressForm(request.POST or None)
    account_form = AccountForm(request.POST or None)
    if submitted(request, partner_form, address_form, account_form):
        partner = call_service(
            partner_form,
            lambda: customer_services.create_customer(
                data=partner_form.cleaned_data,
                address=address_form.cleaned_data,
                account=account_form.cleaned_data,
                actor=request.user,
            ),
        )
        if partner is not None:
            messages.success(request, _("Kunde %(number)s angelegt.") % {"number": partner.number})
            return redirect("desk:customer_detail", partner_id=partner.pk)
    forms = [partner_form, address_form, account_form]
    return form_page(
        request, "desk/customer_form.html", {"forms": forms, "title": _("Neuer Kunde")}
    )


@login_required
@permission_required("customers.change_businesspartner", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_edit(request: StaffRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(BusinessPartner, pk=partner_id)
    # The form edits a copy, so a rejected change never touches `partner`.
    form = PartnerForm(request.POST or None, instance=BusinessPartner.objects.get(pk=partner.pk))
    consent_form = ConsentForm(request.POST or None, partner=partner)
    if (
        submitted(request, form, consent_form)
        and call_service(
            form,
            lambda: customer_services.update_customer_details(
                partner=partner,
                data=form.cleaned_data,
                consents=consent_form.cleaned_data,
                actor=request.user,
            ),
        )
        is not None
    ):
        messages.success(request, _("Kundendaten gespeichert."))
        return redirect("desk:customer_detail", partner_id=partner.pk)
    return form_page(
        request,
        "desk/customer_form.html",
        {
            "forms": [form, consent_form],
            "title": _("Kundendaten ändern"),
            "partner": partner,
        },
    )


@login_required
@permission_required("customers.change_contractaccount", raise_exception=True)
@require_http_methods(["GET", "POST"])
def account_edit(request: StaffRequest, partner_id: int, account_id: int) -> HttpResponse:
    account = get_object_or_404(ContractAccount, pk=account_id, partner_id=partner_id)
    mandate = active_mandate(account)
    if mandate is not None:
        # Collections use the mandate's account: a new IBAN is an amendment of the mandate.
        messages.info(
            request, _("Das Konto hat ein SEPA-Mandat: die Bankverbindung wird dort geändert.")
        )
        return redirect("payments:mandate_change_bank", mandate_id=mandate.pk)
    form = BankDataForm(request.POST or None, instance=ContractAccount.objects.get(pk=account.pk))
    if (
        submitted(request, form)
        and call_service(
            form,
            lambda: customer_services.update_contract_account(
                account=account, data=form.cleaned_data, actor=request.user
            ),
        )
        is not None
    ):
        messages.success(request, _("Bankverbindung gespeichert."))
        return redirect("desk:customer_detail", partner_id=partner_id)
    return form_page(
        request,
        "desk/customer_form.html",
        {
            "forms": [form],
            "title": _("Bankverbindung ändern"),
            "partner": account.partner,
        },
    )


@login_required
@permission_required("supply.add_meterreading", raise_exception=True)
@require_http_methods(["GET", "POST"])
def reading_create(request: StaffRequest, partner_id: int, register_id: int) -> HttpResponse:
    # Only a register at one of this customer's market locations (move-ins may repeat one).
    register = get_object_or_404(
        Register.objects.select_related("meter")
        .filter(meter__market_location__contracts__account__partner_id=partner_id)
        .distinct(),
        pk=register_id,
    )
    form = MeterReadingForm(request.POST or None)
    if (
        submitted(request, form)
        and call_service(
            form,
            lambda: supply_services.record_meter_reading(
                register=register, actor=request.user, **form.cleaned_data
            ),
        )
        is not None
    ):
        messages.success(request, _("Zählerstand erfasst."))
        return redirect("desk:customer_detail", partner_id=partner_id)
    return form_page(
        request,
        "desk/reading_form.html",
        {
            "form": form,
            "register": register,
            "partner_id": partner_id,
        },
    )


@login_required
@permission_required("core.view_auditlogentry", raise_exception=True)
def audit_log(request: StaffRequest) -> HttpResponse:
    entries = AuditLogEntry.objects.select_related(None)
    partner = request.GET.get("partner", "").strip()
    if partner.isdigit():
        entries = entries.filter(partner_id=int(partner))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "desk/audit_log.html", {"page": page, "partner": partner})
