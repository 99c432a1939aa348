"""Energy-saving consultation: free slots, booking, rescheduling and cancelling."""

from django.urls import URLPattern, path

from kc.portal.views import consultation

urlpatterns: list[URLPattern] = [
    path("beratung/", consultation.overview, name="consultation"),
    path("beratung/buchen/", consultation.book, name="consultation_book"),
    path("beratung/<int:booking_id>/", consultation.detail, name="consultation_booking"),
    path(
        "beratung/<int:booking_id>/verlegen/",
        consultation.reschedule,
        name="consultation_reschedule",
    ),
    path("beratung/<int:booking_id>/absagen/", consultation.cancel, name="consultation_cancel"),
]
