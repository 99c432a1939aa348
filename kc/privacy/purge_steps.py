"""The final purge, step by step, in an order the foreign keys allow.

Records that other rows protect and that cannot go (postings are append-only; a direct-debit
item keeps its mandate; a contract is named by its postings) lose their personal fields
instead. Each step returns how many rows it touched, for the audit row and the log.
"""

from collections.abc import Callable

from django.apps import apps
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet
from django.db.models.fields.files import FieldFile

from kc.billing.models import (
    BillingDocument,
    BudgetBillingPlan,
    BudgetChangeRequest,
    Invoice,
    InvoiceInstalment,
    InvoiceItem,
    TariffOffer,
)
from kc.cases.models import Attachment, Case
from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.disconnection.models import (
    DisconnectionCase,
    DunnedItem,
    DunningNotice,
    FieldOrder,
    InstallmentPlan,
    PaymentProof,
)
from kc.letters.models import Delivery, Letter
from kc.payments.models import BankTransaction, Payout, SepaMandate

ERASED_NAME = "gelöscht"


def delete_file_on_commit(file: FieldFile) -> None:
    """The file goes once the rows that name it are gone for good: a rollback keeps both."""
    if file.name:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


def _delete_each(qs: QuerySet[models.Model], *, file_field: str = "") -> int:
    """Delete row by row (newest first, for self-references); a row still protected by
    another stays, and the run goes on."""
    done = 0
    for obj in qs.order_by("-pk"):
        try:
            with transaction.atomic():
                if file_field and getattr(obj, file_field):
                    delete_file_on_commit(getattr(obj, file_field))
                obj.delete()
            done += 1
        except ProtectedError:
            continue
    return done


def _letters(p: BusinessPartner) -> int:
    letters = Letter.objects.filter(partner=p)
    Delivery.objects.filter(letter__in=letters).delete()
    return _delete_each(letters, file_field="pdf")


def _cases(p: BusinessPartner) -> int:
    """A case still protected (another customer's booking names it) keeps its attachments,
    rows and files alike; the files of a deleted case go with it."""
    done = 0
    for case in Case.objects.filter(partner=p).order_by("-pk"):
        files = [a.file for a in Attachment.objects.filter(message__case=case)]
        try:
            with transaction.atomic():
                case.delete()
        except ProtectedError:
            continue
        for file in files:
            delete_file_on_commit(file)
        done += 1
    return done


def _billing(p: BusinessPartner) -> int:
    invoices = Invoice.objects.filter(account__partner=p)
    InvoiceItem.objects.filter(invoice__in=invoices).delete()
    InvoiceInstalment.objects.filter(invoice__in=invoices).delete()
    done = _delete_each(invoices)
    contracts = {"contract__account__partner": p}
    done += _delete_each(BillingDocument.objects.filter(**contracts))
    done += _delete_each(BudgetChangeRequest.objects.filter(**contracts))
    done += _delete_each(BudgetBillingPlan.objects.filter(**contracts))
    return done + _delete_each(TariffOffer.objects.filter(partner=p))


def _disconnection(p: BusinessPartner) -> int:
    accounts = {"account__partner": p}
    done = _delete_each(PaymentProof.objects.filter(**accounts), file_field="file")
    cases = DisconnectionCase.objects.filter(**accounts)
    InstallmentPlan.objects.filter(case__in=cases).delete()
    FieldOrder.objects.filter(case__in=cases).delete()
    DunnedItem.objects.filter(notice__account__partner=p).delete()
    done += _delete_each(DunningNotice.objects.filter(**accounts))
    return done + _delete_each(cases)


def _later_apps(p: BusinessPartner) -> int:
    done = 0
    for app_label, name, lookup in (
        ("funding", "ApplicationDocument", "application__partner"),
        ("funding", "FundingApplication", "partner"),
        ("appointments", "Booking", "partner"),
    ):
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            continue
        file_field = "file" if name == "ApplicationDocument" else ""
        done += _delete_each(model._default_manager.filter(**{lookup: p}), file_field=file_field)
    return done


def _complaints(p: BusinessPartner) -> int:
    try:
        model = apps.get_model("cases", "Complaint")
    except LookupError:
        return 0
    return _delete_each(model._default_manager.filter(case__partner=p))


def _bank_data(p: BusinessPartner) -> int:
    accounts = ContractAccount.objects.filter(partner=p)
    done = SepaMandate.objects.filter(account__in=accounts).update(
        iban="", bic="", account_holder=ERASED_NAME, amended_from_iban=""
    )
    done += Payout.objects.filter(account__in=accounts).update(iban="", bic="", name=ERASED_NAME)
    done += BankTransaction.objects.filter(account__in=accounts).update(
        counterparty_name="", counterparty_iban="", reference=""
    )
    return done + accounts.update(
        iban="", bic="", account_holder="", payment_method=ContractAccount.PaymentMethod.TRANSFER
    )


def _partner(p: BusinessPartner) -> int:
    PostalAddress.objects.filter(partner=p).delete()
    p.consents.all().delete()
    try:
        with transaction.atomic():
            BusinessPartner.objects.filter(pk=p.pk).delete()
        return 1
    except ProtectedError:
        pass  # accounts with postings keep the partner row: without any name
    p.kind = BusinessPartner.Kind.PERSON
    p.salutation = BusinessPartner.Salutation.NONE
    p.title = p.first_name = p.organisation_name = p.email = p.phone = p.mobile = ""
    p.last_name = ERASED_NAME
    p.birth_date = None
    p.erasure_due = None
    p.erasure_requested_at = None
    p.save()
    return 1


# Rows that protect others go first: bookings, funding applications and complaints hold their
# cases (and complaints their letters).
STEPS: tuple[tuple[str, Callable[[BusinessPartner], int]], ...] = (
    ("consultations_and_funding", _later_apps),
    ("complaints", _complaints),
    ("letters", _letters),
    ("cases", _cases),
    ("billing", _billing),
    ("disconnection", _disconnection),
    ("bank_data", _bank_data),
    ("partner", _partner),
)


def remove_records(partner: BusinessPartner) -> dict[str, int]:
    return {name: step(partner) for name, step in STEPS}
