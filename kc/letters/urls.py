from django.urls import path

from kc.letters import printroom_views, views

app_name = "letters"

urlpatterns = [
    path("neu/<int:partner_id>/", views.letter_create, name="create"),
    path("druckraum/", printroom_views.print_room, name="print_room"),
    path("druckraum/stapel/", printroom_views.print_room_batches, name="print_room_batches"),
    path("druckraum/stapel-bilden/", printroom_views.print_room_assemble, name="assemble"),
    path("druckraum/<str:number>/drucken/", printroom_views.batch_print, name="batch_print"),
    path(
        "druckraum/<str:number>/kuvertiert/",
        printroom_views.batch_enveloped,
        name="batch_enveloped",
    ),
    path(
        "druckraum/<str:number>/abbrechen/", printroom_views.batch_cancel_job, name="batch_cancel"
    ),
    path("druckraum/<str:number>/zur-post/", printroom_views.batch_posted, name="batch_posted"),
    path("druckraum/<str:number>/pdf/", printroom_views.batch_pdf, name="batch_pdf"),
    path("<str:number>/", views.letter_detail, name="detail"),
    path("<str:number>/pdf/", views.letter_pdf, name="pdf"),
    path("<str:number>/zurueckziehen/", views.letter_withdraw, name="withdraw"),
    path("<str:number>/erneut-erstellen/", views.letter_release, name="release"),
]
