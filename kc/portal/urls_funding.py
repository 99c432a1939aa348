"""Funding program: programs, application with documents, state of one's applications."""

from django.urls import URLPattern, path

from kc.portal.views import funding

urlpatterns: list[URLPattern] = [
    path("foerderung/", funding.overview, name="funding"),
    path("foerderung/antrag/", funding.apply, name="funding_apply"),
    path(
        "foerderung/antraege/<int:application_id>/",
        funding.application,
        name="funding_application",
    ),
]
