"""Requests: meter readings, messages, complaints, consultations, funding, proofs, moves."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
