"""Submitting an application: every eligibility rule, all reasons at once, dated terms, the
documents, and nothing stored on a refusal."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kc.cases.models import Case, CaseType
from kc.core import clamd
from kc.core.models import AuditLogEntry
from kc.core.uploads import UploadRejected
from kc.core.validation import Refusal
from kc.funding import applications, eligibility
from kc.funding.amounts import add_years
from kc.funding.models import (
    ApplicationDocument,
    DocumentKind,
    FundingApplication,
    FundingCategory,
    ProgramBudget,
    ReviewCheck,
)
from kc.funding.tests.factories import apply, category, customer_user, jpeg, supplied_contract
from kc.supply.models import Division

pytestmark = pytest.mark.django_db
D = Decimal
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def codes(error: applications.Ineligible) -> list[str]:
    return [reason.code for reason in error.reasons]


def test_an_eligible_application_is_stored_with_case_checklist_and_documents() -> None:
    contract, cat = supplied_contract(), category()
    application = apply(contract, cat, price="3456.78")
    assert application.number.startswith("F")
    assert application.status == FundingApplication.Status.SUBMITTED
    assert application.requested_amount == D("345.68")  # 10 % of the price, half up
    assert application.budget_year == timezone.localdate().year
    case = application.case
    assert case is not None and case.case_type == CaseType.FUNDING
    assert case.partner_id == contract.account.partner_id
    assert set(application.checks.values_list("item", flat=True)) == set(ReviewCheck.Item.values)
    kinds = sorted(application.documents.values_list("kind", flat=True))
    assert kinds == ["commissioning", "invoice"]
    assert all(d.scan == ApplicationDocument.Scan.CLEAN for d in application.documents.all())
    assert AuditLogEntry.objects.filter(object_id=str(application.pk)).exists()


def test_every_failing_reason_is_given_at_once_and_nothing_is_stored() -> None:
    contract = supplied_contract(division=Division.GAS, mandate=False)
    cat = category()  # power only
    with pytest.raises(applications.Ineligible) as refused:
        apply(contract, cat, commissioned_days_ago=13 * 7, uploads=[])
    assert codes(refused.value) == ["division", "mandate", "deadline", "documents"]
    assert "Strom" in str(refused.value) and "12 Wochen" in str(refused.value)
    assert not FundingApplication.objects.exists()
    assert not Case.objects.exists()


def test_the_window_ends_n_weeks_after_commissioning_in_berlin_days() -> None:
    contract, cat = supplied_contract(), category(window_weeks=4)
    today = timezone.localdate()
    request = eligibility.Request(
        partner=contract.account.partner,
        account=contract.account,
        contract=contract,
        category=cat,
        commissioned_on=today - datetime.timedelta(weeks=4),
        applied_on=today,
        amount=D("10.00"),
    )
    assert eligibility.within_window(request) is None  # the last day still counts
    late = eligibility.Request(
        **{
            **request.__dict__,
            "commissioned_on": request.commissioned_on - datetime.timedelta(days=1),
        }
    )
    reason = eligibility.within_window(late)
    assert reason is not None and reason.code == "deadline"
    assert f"{today - datetime.timedelta(days=1):%d.%m.%Y}" in reason.message
    future = eligibility.Request(
        **{**request.__dict__, "commissioned_on": today + datetime.timedelta(days=1)}
    )
    assert eligibility.within_window(future) is not None


def test_once_per_customer_and_category_per_period_not_counting_rejected_ones() -> None:
    contract, cat = supplied_contract(), category()
    first = apply(contract, cat)
    with pytest.raises(applications.Ineligible) as refused:
        apply(contract, cat)
    assert codes(refused.value) == ["repeat"]
    assert first.number in str(refused.value)
    # Another category is fine; a refused first application does not count.
    wallbox = category(key="wallbox", label="Wallbox", amount_kind="fixed", fixed_amount=D("200"))
    apply(contract, wallbox)
    FundingApplication.objects.filter(pk=first.pk).update(status=FundingApplication.Status.REJECTED)
    assert apply(contract, cat).status == FundingApplication.Status.SUBMITTED


def test_an_application_before_the_period_is_over_counts_across_term_versions() -> None:
    contract, cat = supplied_contract(), category()
    earlier = apply(contract, cat)
    FundingApplication.objects.filter(pk=earlier.pk).update(
        applied_at=timezone.now() - datetime.timedelta(days=5 * 365 + 2)
    )
    newer_terms = category(valid_from=timezone.localdate() - datetime.timedelta(days=1))
    assert apply(contract, newer_terms).category_id == newer_terms.pk


def test_the_terms_in_force_on_the_application_date_apply() -> None:
    today = timezone.localdate()
    old = category(amount_kind="fixed", fixed_amount=D("100.00"), percent=None)
    category(
        valid_from=today + datetime.timedelta(days=1),
        amount_kind="fixed",
        fixed_amount=D("300.00"),
        percent=None,
    )
    contract = supplied_contract()
    terms, amount, reasons = applications.assess(
        partner=contract.account.partner,
        contract=contract,
        category=old,
        commissioned_on=today,
        price=D("2000.00"),
    )
    assert (terms.pk, amount, reasons) == (old.pk, D("100.00"), [])
    tomorrow = applications.assess(
        partner=contract.account.partner,
        contract=contract,
        category=old,
        commissioned_on=today,
        price=D("2000.00"),
        applied_on=today + datetime.timedelta(days=1),
    )
    assert tomorrow[1] == D("300.00")


def test_no_budget_left_in_the_year_refuses_the_application() -> None:
    contract, cat = supplied_contract(), category()
    ProgramBudget.objects.filter(program=cat.program).update(amount=D("100.00"))
    with pytest.raises(applications.Ineligible) as refused:
        apply(contract, cat, price="3000.00")  # 300 € asked
    assert codes(refused.value) == ["budget"]
    assert "100,00 €" in str(refused.value)


def test_a_year_without_a_budget_says_so_instead_of_used_up() -> None:
    contract, cat = supplied_contract(), category()
    ProgramBudget.objects.filter(program=cat.program).delete()
    with pytest.raises(applications.Ineligible) as refused:
        apply(contract, cat)
    assert codes(refused.value) == ["budget"]
    assert "noch kein Förderbudget freigegeben" in str(refused.value)
    assert "ausgeschöpft" not in str(refused.value)


def test_an_inactive_category_or_contract_ended_is_refused() -> None:
    contract = supplied_contract()
    cat = category(active=False)
    contract.end_date = timezone.localdate() - datetime.timedelta(days=1)
    contract.save()
    with pytest.raises(applications.Ineligible) as refused:
        apply(contract, cat)
    assert codes(refused.value) == ["inactive", "contract_inactive"]


def test_a_forged_upload_is_refused_by_its_content() -> None:
    contract, cat = supplied_contract(), category()
    forged = [
        applications.Upload(DocumentKind.INVOICE, HTML),
        applications.Upload(DocumentKind.COMMISSIONING, jpeg()),
    ]
    with pytest.raises(UploadRejected, match="Dateityp nicht erlaubt"):
        apply(contract, cat, uploads=forged)
    assert not FundingApplication.objects.exists()


def test_an_infected_upload_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        clamd,
        "scan_configured",
        lambda data, *, timeout=None: clamd.ScanOutcome("infected", signature="Eicar-Test"),
    )
    contract, cat = supplied_contract(), category()
    with pytest.raises(Refusal, match="Schadsoftware"):
        apply(contract, cat)
    assert not FundingApplication.objects.exists()


def test_clamd_down_leaves_documents_pending_until_the_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = clamd.ScanOutcome("unavailable", detail="down")
    monkeypatch.setattr(clamd, "scan_configured", lambda data, *, timeout=None: outcome)
    contract, cat = supplied_contract(), category()
    application = apply(contract, cat)
    assert set(application.documents.values_list("scan", flat=True)) == {"pending"}
    assert applications.scan_pending_documents() == 0  # still down
    outcome = clamd.ScanOutcome("clean")
    assert applications.scan_pending_documents() == 2
    assert set(application.documents.values_list("scan", flat=True)) == {"clean"}


def test_withdrawal_only_while_undecided() -> None:
    contract, cat = supplied_contract(), category()
    application = apply(contract, cat)
    user = customer_user(contract)
    assert applications.withdraw(application, actor=user).status == "withdrawn"
    with pytest.raises(Refusal):
        applications.withdraw(application, actor=user)


def test_category_terms_are_validated() -> None:
    from django.core.exceptions import ValidationError

    cat = FundingCategory(
        program=category().program,
        key="x",
        label="X",
        valid_from=datetime.date(2026, 1, 1),
        amount_kind="percent",
        percent=D("150"),
        division=Division.POWER,
        required_documents=["invoice", "selfie"],
    )
    with pytest.raises(ValidationError) as error:
        cat.full_clean()
    assert {"percent", "cap", "required_documents"} <= set(error.value.message_dict)


def test_the_repeat_refusal_names_the_first_day_the_rule_lets_through() -> None:
    """Counted are applications received less than N years earlier: on the same calendar day
    N years later a new one passes, and that is the day the refusal names."""
    contract, cat = supplied_contract(), category()  # once in 5 years
    earlier = apply(contract, cat)
    earlier_on = timezone.localdate(earlier.applied_at)
    free_again = add_years(earlier_on, 5)

    def request(applied_on: datetime.date) -> eligibility.Request:
        return eligibility.Request(
            partner=contract.account.partner,
            account=contract.account,
            contract=contract,
            category=cat,
            commissioned_on=applied_on,
            applied_on=applied_on,
            amount=D("10.00"),
        )

    assert eligibility.once_per_period(request(free_again)) is None
    reason = eligibility.once_per_period(request(free_again - datetime.timedelta(days=1)))
    assert reason is not None and reason.code == "repeat"
    assert f"wieder ab dem {free_again:%d.%m.%Y}" in reason.message


def test_a_category_whose_version_in_force_is_switched_off_takes_no_application() -> None:
    """A new, inactive version of the key ends the offer; the older version, still marked
    active, must not take an application on its terms (its id posted by hand)."""
    today = timezone.localdate()
    old = category()
    category(program=old.program, valid_from=today - datetime.timedelta(days=1), active=False)
    contract = supplied_contract()
    with pytest.raises(applications.Ineligible) as refused:
        apply(contract, old)
    assert codes(refused.value) == ["inactive"]
    assert not FundingApplication.objects.exists()
