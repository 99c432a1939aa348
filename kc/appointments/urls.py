"""Staff pages of the energy-saving consultations, mounted at /beratung/."""

from django.urls import path

from kc.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("buchen/", views.book, name="book"),
    path("termine/<int:booking_id>/", views.detail, name="detail"),
    path("termine/<int:booking_id>/verlegen/", views.reschedule, name="reschedule"),
    path("termine/<int:booking_id>/absagen/", views.cancel, name="cancel"),
    path("termine/<int:booking_id>/ergebnis/", views.outcome, name="outcome"),
]
