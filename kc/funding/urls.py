"""The funding clerk's pages, mounted at /foerderung/."""

from django.urls import URLPattern, path

from kc.funding import views

app_name = "funding"

urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("programme/<int:program_id>/", views.program, name="program"),
    path("antraege/<int:application_id>/", views.application_detail, name="application"),
    path("antraege/<int:application_id>/pruefliste/", views.checks, name="checks"),
    path("antraege/<int:application_id>/bewilligen/", views.approve, name="approve"),
    path("antraege/<int:application_id>/ablehnen/", views.reject, name="reject"),
    path("antraege/<int:application_id>/auszahlen/", views.pay, name="pay"),
    path("unterlagen/<int:document_id>/", views.document, name="document"),
]
