"""Energy-saving consultations: advisors, their weekly hours and absences, appointment types and
bookings."""
