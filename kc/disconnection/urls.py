from django.urls import path

from kc.disconnection import views

app_name = "disconnection"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("vorgaenge/<int:case_id>/", views.case_detail, name="case_detail"),
    path(
        "vorgaenge/<int:case_id>/vereinbarung/",
        views.request_agreement,
        name="request_agreement",
    ),
    path(
        "vorgaenge/<int:case_id>/vereinbarung/<int:plan_id>/annehmen/",
        views.accept_agreement,
        name="accept_agreement",
    ),
    path("vorgaenge/<int:case_id>/einstellen/", views.stop, name="stop"),
    path("vorgaenge/<int:case_id>/entsperren/", views.reconnect, name="reconnect"),
    path(
        "vorgaenge/<int:case_id>/belege/<int:proof_id>/anerkennen/",
        views.proof_accept,
        name="proof_accept",
    ),
    path(
        "vorgaenge/<int:case_id>/belege/<int:proof_id>/ablehnen/",
        views.proof_reject,
        name="proof_reject",
    ),
    path("belege/<int:proof_id>/datei/", views.proof_file, name="proof_file"),
    path("fenster/", views.window, name="window"),
    path("fenster/konten/<int:account_id>/", views.window_account, name="window_account"),
    path("fenster/belege/<int:proof_id>/", views.window_proof, name="window_proof"),
    path(
        "fenster/belege/<int:proof_id>/stand/",
        views.window_proof_state,
        name="window_proof_state",
    ),
    path("entsperrungen/", views.reconnections, name="reconnections"),
    path("entsperrungen/liste/", views.reconnections_rows, name="reconnections_rows"),
]
