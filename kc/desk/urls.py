from django.urls import path

from kc.desk import dashboard_views, report_views, screenpop, staffing_views, views
from kc.desk import presence_views as presence

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
    path("anwesenheit/", presence.presence_board, name="presence_overview"),
    path("anwesenheit/liste/", presence.presence_rows, name="presence_rows"),
    path("anwesenheit/ich/", presence.my_presence, name="presence_me"),
    path("schichtplan/", presence.shift_week, name="shift_week"),
    path("schichtplan/neu/", presence.shift_create, name="shift_create"),
    path("schichtplan/kopieren/", presence.shift_copy_week, name="shift_copy_week"),
    path("schichtplan/<int:shift_id>/", presence.shift_edit, name="shift_edit"),
    path("schichtplan/<int:shift_id>/loeschen/", presence.shift_delete, name="shift_delete"),
    path("berichte/", report_views.reports, name="reports"),
    path("berichte/<slug:table>.csv", report_views.report_csv, name="report_csv"),
    path("lage/", dashboard_views.dashboard_page, name="dashboard"),
    path("hotline-bedarf/", staffing_views.staffing_page, name="staffing"),
    path("lage/kacheln/", dashboard_views.dashboard_tiles, name="dashboard_tiles"),
]
