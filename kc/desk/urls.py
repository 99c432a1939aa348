from django.urls import path

from kc.desk import dashboard_views, report_views, screenpop, views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("kunden/", views.customer_search, name="customer_search"),
    path("kunden/neu/", views.customer_create, name="customer_create"),
    path("kunden/<int:partner_id>/", views.customer_detail, name="customer_detail"),
    path("kunden/<int:partner_id>/bearbeiten/", views.customer_edit, name="customer_edit"),
    path(
        "kunden/<int:partner_id>/konten/<int:account_id>/bank/",
        views.account_edit,
        name="account_edit",
    ),
    path(
        "kunden/<int:partner_id>/zaehlwerke/<int:register_id>/ablesung/",
        views.reading_create,
        name="reading_create",
    ),
    path("protokoll/", views.audit_log, name="audit_log"),
    path("anrufe/aktuell/", screenpop.screenpop, name="screenpop"),
    path("anrufe/", screenpop.call_journal, name="call_journal"),
    path("anrufe/<int:call_id>/notiz/", screenpop.call_note, name="call_note"),
    path("berichte/", report_views.reports, name="reports"),
    path("berichte/<slug:table>.csv", report_views.report_csv, name="report_csv"),
    path("lage/", dashboard_views.dashboard_page, name="dashboard"),
    path("lage/kacheln/", dashboard_views.dashboard_tiles, name="dashboard_tiles"),
]
