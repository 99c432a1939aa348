"""Self-service on contracts: Abschlag, SEPA mandate and bank data, tariff switch."""

from django.urls import URLPattern, path

from kc.portal.views import budget, mandate, tariffs

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
    path("vertraege/<int:contract_id>/tarife/", tariffs.tariff_compare, name="tariffs"),
    path(
        "vertraege/<int:contract_id>/tarife/angebot/",
        tariffs.tariff_offer_create,
        name="tariff_offer_create",
    ),
    path(
        "vertraege/<int:contract_id>/tarife/angebote/<int:offer_id>/",
        tariffs.tariff_offer,
        name="tariff_offer",
    ),
]
