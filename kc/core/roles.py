"""Roles are Django groups with exactly the permissions the role needs.

The table below is the single source: `sync_roles` runs after every migrate,
so a new permission lands in the roles that should have it.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

_VIEW_CUSTOMER = [
    "customers.view_businesspartner",
    "customers.view_contractaccount",
    "customers.view_postaladdress",
    "supply.view_premise",
    "supply.view_marketlocation",
    "supply.view_contract",
    "supply.view_meter",
    "supply.view_register",
    "supply.view_meterreading",
    "supply.view_tariff",
    "supply.view_pricesheet",
    "billing.view_billingdocument",
    "billing.view_billingline",
    "billing.view_budgetbillingplan",
    "billing.view_budgetinstalment",
    "billing.view_budgetchangerequest",
]
_CHANGE_CUSTOMER = [
    "customers.add_businesspartner",
    "customers.change_businesspartner",
    "customers.add_contractaccount",
    "customers.change_contractaccount",
    "customers.add_postaladdress",
    "customers.change_postaladdress",
    "supply.add_meterreading",
]

_VIEW_CASES = ["cases.view_case", "cases.view_message", "cases.view_queue", "cases.view_textmodule"]
_WORK_CASES = [*_VIEW_CASES, "cases.add_case", "cases.change_case", "cases.add_message"]

_WRITE_LETTERS = ["letters.view_letter", "letters.add_letter"]
_WORK_LETTERS = [*_WRITE_LETTERS, "letters.change_letter"]  # change: withdraw, release
_PRINT_ROOM = ["letters.view_printbatch", "letters.change_printbatch"]

# Abschlag change requests and tariff offers (make; change: accept) for a customer.
_BILLING_REQUESTS = [
    "billing.add_budgetchangerequest",
    "billing.view_tariffoffer",
    "billing.add_tariffoffer",
    "billing.change_tariffoffer",
]

# Payments (kc.payments): an account's postings and its SEPA mandate on the customer page.
_VIEW_PAYMENTS = [
    "payments.view_ledgerdocument",
    "payments.view_ledgerline",
    "payments.view_sepamandate",
]
# Grant a mandate (add), change its bank account or revoke it (change).
_WORK_MANDATES = ["payments.add_sepamandate", "payments.change_sepamandate"]
# The queue of unmatched incoming transfers: assigning one posts a payment on the account
# (undone only by a reversal), so it is for agents and team leads who identify the customer.
_CLEAR_PAYMENTS = ["payments.view_banktransaction", "payments.change_banktransaction"]
# The overview of direct-debit, payout and bank files (release stays a command).
_PAYMENT_FILES = [
    "payments.view_directdebitfile",
    "payments.view_payoutfile",
    "payments.view_bankimport",
]

# Disconnection (kc.disconnection): the disconnection document, its list and the reconnection
# dashboard (view); agreement, stop, reconnection without cover, decide on a proof (change).
_WORK_DISCONNECTION = [
    "disconnection.view_disconnectioncase",
    "disconnection.change_disconnectioncase",
]
# Proofs of payment: take one in at the window (add) and look at the stored file (view).
_TAKE_PROOFS = ["disconnection.add_paymentproof", "disconnection.view_paymentproof"]

# Consultations (kc.appointments): the advisors' calendar (view), book, move and cancel for
# a customer (add); the outcome and the advisor's notes (change); advisors, hours, absences
# and appointment types in the admin (set-up).
_BOOK_CONSULTATIONS = ["appointments.view_booking", "appointments.add_booking"]
_SET_UP_CONSULTATIONS = [
    f"appointments.{verb}_{model}"
    for verb in ("view", "add", "change")
    for model in ("advisor", "weeklyavailability", "absence", "appointmenttype")
]

AGENT = "agent"
CUSTOMER_CENTER = "customer_center"
TEAM_LEAD = "team_lead"
ENERGY_ADVISOR = "energy_advisor"
FUNDING_CLERK = "funding_clerk"
COMPLAINT_MANAGER = "complaint_manager"
ADMIN = "admin"

ROLE_NAMES = {
    AGENT: _("Kundenberater/in"),
    CUSTOMER_CENTER: _("Kunden-Center vor Ort"),
    TEAM_LEAD: _("Gruppenleitung"),
    ENERGY_ADVISOR: _("Energieberater/in"),
    FUNDING_CLERK: _("Förderprogramm-Sachbearbeitung"),
    COMPLAINT_MANAGER: _("Beschwerdemanagement"),
    ADMIN: _("Administration"),
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: _VIEW_CUSTOMER
    + _CHANGE_CUSTOMER
    + _WORK_CASES
    + _WORK_LETTERS
    + _BILLING_REQUESTS
    + _VIEW_PAYMENTS
    + _WORK_MANDATES
    + _CLEAR_PAYMENTS
    + _WORK_DISCONNECTION
    + _TAKE_PROOFS
    + ["cases.view_complaint", "cases.add_complaint"]  # register a complaint on a case
    + _BOOK_CONSULTATIONS,
    # On-site staff check receipts and hand over letters; they do not edit master data.
    CUSTOMER_CENTER: [
        "customers.view_businesspartner",
        "customers.view_contractaccount",
        "customers.view_postaladdress",
        "supply.view_contract",
        *_WORK_CASES,
        "letters.view_letter",
        *_PRINT_ROOM,
        *_VIEW_PAYMENTS,  # balance and mandate at the counter; changes go through agents
        *_TAKE_PROOFS,  # the receipt held to the window; agents decide on it
    ],
    TEAM_LEAD: _VIEW_CUSTOMER
    + _CHANGE_CUSTOMER
    + _WORK_CASES
    + _WORK_LETTERS
    + _PRINT_ROOM
    + _BILLING_REQUESTS
    + ["billing.change_budgetchangerequest"]  # decides changes outside the limits
    + _VIEW_PAYMENTS
    + _WORK_MANDATES
    + _CLEAR_PAYMENTS
    + _PAYMENT_FILES
    + _WORK_DISCONNECTION
    + _TAKE_PROOFS
    + ["core.view_team", "core.view_user", "cases.add_textmodule", "cases.change_textmodule"]
    + ["cases.view_complaint", "cases.add_complaint"],  # complaint list and monthly report
    ENERGY_ADVISOR: _VIEW_CUSTOMER
    + _WORK_CASES
    + _WORK_LETTERS
    + _BOOK_CONSULTATIONS
    + ["appointments.change_booking", "appointments.view_absence", "appointments.add_absence"],
    FUNDING_CLERK: _VIEW_CUSTOMER
    + _WORK_CASES
    + _WRITE_LETTERS
    + [
        f"funding.{verb}_{model}"
        for verb in ("view", "add", "change")
        for model in ("fundingprogram", "fundingcategory", "programbudget")
    ]
    + ["funding.view_fundingapplication", "funding.change_fundingapplication"]
    + ["funding.view_applicationdocument", "funding.view_reviewcheck"],
    COMPLAINT_MANAGER: _VIEW_CUSTOMER
    + _WORK_CASES
    + _WORK_LETTERS
    + ["cases.view_complaint", "cases.add_complaint", "cases.change_complaint"],
    ADMIN: _VIEW_CUSTOMER
    + _CHANGE_CUSTOMER
    + [
        "core.view_auditlogentry",
        "billing.view_billingrun",
        "billing.view_billingrunitem",
        "core.view_numberrange",
        "core.change_numberrange",
        "core.view_team",
        "core.add_team",
        "core.change_team",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "supply.add_tariff",
        "supply.change_tariff",
        "supply.add_pricesheet",
        "supply.change_pricesheet",
        *_WORK_CASES,
        "cases.add_queue",
        "cases.view_slatarget",
        "cases.change_slatarget",
        "core.view_calendarsetting",
        "core.add_calendarsetting",
        *_SET_UP_CONSULTATIONS,
        "core.change_calendarsetting",
        "cases.change_queue",
        "cases.add_textmodule",
        "cases.change_textmodule",
        "letters.view_letter",
        "letters.view_lettertemplate",
        "letters.change_lettertemplate",
        "letters.view_letterhead",
        "letters.add_letterhead",
        "letters.change_letterhead",
        # Legacy import (kc.imports): upload, dry run, import.
        "imports.view_importrun",
        "imports.add_importrun",
    ],
}


# Presence (kc.desk): coordination must be visible (DESIGN C9), so every role sees who works
# where and the shift plan, and sets its own presence; team leads plan the shifts.
_SEE_PRESENCE = ["desk.view_presence", "desk.view_shift"]
_PLAN_SHIFTS = ["desk.add_shift", "desk.change_shift", "desk.delete_shift"]
for _role_permissions in ROLE_PERMISSIONS.values():
    _role_permissions.extend(_SEE_PRESENCE)
ROLE_PERMISSIONS[TEAM_LEAD].extend([*_PLAN_SHIFTS, "desk.view_presenceevent"])

# GDPR requests (kc.privacy): register and answer them, release an export, see who saw a
# customer's data (view), erase and restrict (erase_personal_data).
_PRIVACY = [
    "privacy.view_privacyrequest",
    "privacy.add_privacyrequest",
    "privacy.change_privacyrequest",
    "privacy.erase_personal_data",
]
ROLE_PERMISSIONS[TEAM_LEAD].extend(_PRIVACY)
ROLE_PERMISSIONS[ADMIN].extend(_PRIVACY)


def sync_roles() -> None:
    """Create the role groups and set their permissions to the table above."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:  # the model's app may not be migrated yet
                wanted.append(perm)
        group.permissions.set(wanted)
