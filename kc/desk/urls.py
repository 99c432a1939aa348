from django.urls import path

from kc.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("kunden/", views.customer_search, name="customer_search"),
    path("kunden/<int:partner_id>/", views.customer_detail, name="customer_detail"),
]
