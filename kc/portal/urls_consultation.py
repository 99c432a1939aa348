"""Energy-saving consultation: free slots, booking, rescheduling and cancelling."""

from django.urls import URLPattern, path

from kc.portal.views import requests

urlpatterns: list[URLPattern] = [
    path("beratung/", requests.consultation, name="consultation"),
]
