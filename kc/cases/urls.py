from django.urls import path

from kc.cases import complaint_views, task_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("neu/", views.case_create, name="create"),
    path("aufgaben/", task_views.task_list, name="tasks"),
    path("aufgaben/meine-auftraege/", task_views.my_requests, name="task_requests"),
    path("aufgaben/<int:task_id>/erledigt/", task_views.task_done, name="task_done"),
    path("zuweisen/", views.case_bulk_assign, name="bulk_assign"),
    path("ansicht-speichern/", views.case_save_view, name="save_view"),
    path("beschwerden/", complaint_views.complaint_list, name="complaints"),
    path("beschwerden/bericht/", complaint_views.complaint_month_report, name="complaint_report"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/beschwerde/", complaint_views.complaint_register, name="complaint_register"),
    path(
        "<str:number>/beschwerde/antwort/",
        complaint_views.complaint_answer,
        name="complaint_answer",
    ),
    path("<str:number>/schreiben/", views.case_compose, name="compose"),
    path("<str:number>/status/", views.case_status, name="status"),
    path("<str:number>/uebernehmen/", views.case_take, name="take"),
    path("<str:number>/uebergeben/", views.case_hand_off, name="hand_off"),
    path("<str:number>/aufgabe/", views.case_task_create, name="task_create"),
    path("<str:number>/anwesend/", views.case_presence, name="presence"),
    path("<str:number>/textbaustein/", views.text_module_fill, name="text_module"),
    path(
        "<str:number>/anhang/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
