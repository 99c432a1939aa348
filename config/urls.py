from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from kc.api.api import api
from kc.core import csp_report
from kc.core import metrics as core_metrics
from kc.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/live", core_views.healthz_live, name="healthz_live"),
    path("healthz/ready", core_views.healthz_ready, name="healthz_ready"),
    path("metrics", core_metrics.metrics_view, name="metrics"),
    path("csp-report", csp_report.csp_report, name="csp_report"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("vorgaenge/", include("kc.cases.urls")),
    path("briefe/", include("kc.letters.urls")),
    path("abrechnung/", include("kc.billing.urls")),
    path("zahlungen/", include("kc.payments.urls")),
    path("sperrung/", include("kc.disconnection.urls")),
    path("beratung/", include("kc.appointments.urls")),
    path("foerderung/", include("kc.funding.urls")),
    path("portal/", include("kc.portal.urls")),
    path("datenschutz/", include("kc.privacy.urls")),
    path("datenuebernahme/", include("kc.imports.urls")),
    path("", include("kc.desk.urls")),
]
if settings.KC_BENCH_PING:  # the framework ceiling for bench/portal_load.py, off by default
    urlpatterns.insert(0, path("bench/ping", core_views.bench_ping))
