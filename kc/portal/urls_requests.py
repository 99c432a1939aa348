"""Requests: meter readings, messages, complaints, consultations, funding, proofs, moves."""

from django.urls import URLPattern, path

from kc.portal.views import readings

urlpatterns: list[URLPattern] = [
    path("zaehlerstand/", readings.readings, name="readings"),
    path("zaehlerstand/<int:register_id>/", readings.reading_register, name="reading"),
]
