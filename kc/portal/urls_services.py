"""Self-service on contracts: Abschlag, SEPA mandate and bank data, tariff switch."""

from django.urls import URLPattern, path

from kc.portal.views import budget, mandate

urlpatterns: list[URLPattern] = [
    path("vertraege/<int:contract_id>/abschlag/", budget.budget_change, name="budget"),
    path("konten/<int:account_id>/lastschrift/", mandate.mandate, name="mandate"),
    path(
        "konten/<int:account_id>/lastschrift/bankverbindung/",
        mandate.mandate_bank,
        name="mandate_bank",
    ),
    path(
        "konten/<int:account_id>/lastschrift/widerrufen/",
        mandate.mandate_revoke,
        name="mandate_revoke",
    ),
]
