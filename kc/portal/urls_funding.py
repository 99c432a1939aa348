"""Funding program: programs, application with documents, state of one's applications."""

from django.urls import URLPattern, path

from kc.portal.views import requests

urlpatterns: list[URLPattern] = [
    path("foerderung/", requests.funding, name="funding"),
]
