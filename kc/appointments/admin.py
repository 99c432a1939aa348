"""Admin: a utility sets up its advisors (with weekly hours and absences) and the kinds of
consultation it offers. Bookings are read-only here: they change only through the booking
service (lock, overlap check, invitation to the customer)."""

from django.contrib import admin

from kc.appointments.models import Absence, Advisor, AppointmentType, Booking, WeeklyAvailability
from kc.core.admin_mixins import ReadOnlyAdmin


class WeeklyAvailabilityInline(admin.TabularInline[WeeklyAvailability, Advisor]):
    model = WeeklyAvailability
    extra = 1


class AbsenceInline(admin.TabularInline[Absence, Advisor]):
    model = Absence
    extra = 0


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin[Advisor]):
    list_display = ("__str__", "active", "offers_phone", "offers_video", "offers_on_site")
    list_filter = ("active",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    inlines = (WeeklyAvailabilityInline, AbsenceInline)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin[Absence]):
    list_display = ("advisor", "starts_at", "ends_at", "reason")
    list_filter = ("advisor",)
    date_hierarchy = "starts_at"


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(admin.ModelAdmin[WeeklyAvailability]):
    list_display = ("advisor", "weekday", "start", "end")
    list_filter = ("advisor", "weekday")


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin[AppointmentType]):
    list_display = ("name", "mode", "duration_minutes", "buffer_minutes", "active")
    list_filter = ("mode", "active")


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin, admin.ModelAdmin[Booking]):
    list_display = ("number", "starts_at", "advisor", "partner", "status", "channel")
    list_filter = ("status", "channel", "advisor")
    search_fields = ("number", "partner__number")
    date_hierarchy = "starts_at"
