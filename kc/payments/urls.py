from django.urls import path

from kc.payments import views

app_name = "payments"

urlpatterns = [
    path("konten/<int:account_id>/", views.account_ledger, name="account_ledger"),
    path("konten/<int:account_id>/mandat/neu/", views.mandate_grant, name="mandate_grant"),
    path(
        "mandate/<int:mandate_id>/bankverbindung/",
        views.mandate_change_bank,
        name="mandate_change_bank",
    ),
    path("mandate/<int:mandate_id>/widerruf/", views.mandate_revoke, name="mandate_revoke"),
    path("klaerung/", views.unmatched_list, name="unmatched_list"),
    path(
        "klaerung/<int:transaction_id>/zuordnen/",
        views.unmatched_assign,
        name="unmatched_assign",
    ),
    path("dateien/", views.files_overview, name="files_overview"),
]
