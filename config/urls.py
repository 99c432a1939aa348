from django.contrib import admin
from django.urls import include, path

from kc.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("vorgaenge/", include("kc.cases.urls")),
    path("", include("kc.desk.urls")),
]
