"""Self-service on contracts: Abschlag, SEPA mandate and bank data, tariff switch."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
