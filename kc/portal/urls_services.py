"""Self-service on contracts: Abschlag, SEPA mandate and bank data, tariff switch."""

from django.urls import URLPattern, path

from kc.portal.views import budget

urlpatterns: list[URLPattern] = [
    path("vertraege/<int:contract_id>/abschlag/", budget.budget_change, name="budget"),
]
