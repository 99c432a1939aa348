from django.urls import URLPattern, path

from kc.privacy import views

app_name = "privacy"

urlpatterns: list[URLPattern] = [
    path("", views.request_list, name="request_list"),
    path("neu/", views.request_create, name="request_create"),
    path("<int:request_id>/", views.request_detail, name="request_detail"),
    path("<int:request_id>/identitaet/", views.identity_check, name="identity_check"),
    path("<int:request_id>/verlaengern/", views.extend, name="extend"),
    path("<int:request_id>/abschliessen/", views.complete, name="complete"),
    path("<int:request_id>/export/", views.export_download, name="export"),
    path("<int:request_id>/loeschen/", views.erasure_preview, name="erasure_preview"),
    path(
        "<int:request_id>/einschraenkung-aufheben/",
        views.lift_restriction,
        name="lift_restriction",
    ),
    path("kunden/<int:partner_id>/protokoll/", views.customer_audit, name="customer_audit"),
]
