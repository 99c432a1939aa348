"""Requests: meter readings, messages, complaints, consultations, funding, proofs, moves."""

from django.urls import URLPattern, path

from kc.portal.views import messages, readings, requests

urlpatterns: list[URLPattern] = [
    path("zaehlerstand/", readings.readings, name="readings"),
    path("zaehlerstand/<int:register_id>/", readings.reading_register, name="reading"),
    path("postfach/", messages.mailbox, name="mailbox"),
    path("postfach/neu/", messages.message_new, name="message_new"),
    path("postfach/<int:case_id>/", messages.message_case, name="message"),
    path("beschwerde/", requests.complaint, name="complaint"),
    path("zahlbeleg/", requests.proof, name="proof"),
    path("umzug/", requests.move, name="move"),
]
