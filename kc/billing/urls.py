from django.urls import path

from kc.billing import views

app_name = "billing"

urlpatterns = [
    path("belege/<int:document_id>/", views.document_detail, name="document_detail"),
    path("vertraege/<int:contract_id>/abschlag/", views.budget_plan, name="budget_plan"),
    path("vertraege/<int:contract_id>/angebot/", views.offer_create, name="offer_create"),
    path("abschlagsaenderungen/", views.change_list, name="change_list"),
    path(
        "abschlagsaenderungen/<int:change_id>/entscheiden/",
        views.change_decide,
        name="change_decide",
    ),
    path("tarifvergleich/", views.tariff_comparison, name="tariff_comparison"),
    path("angebote/<int:offer_id>/", views.offer_detail, name="offer_detail"),
]
