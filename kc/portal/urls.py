from django.urls import path

from kc.portal import urls_consultation, urls_funding, urls_requests, urls_services
from kc.portal.views import auth, overview, security

app_name = "portal"

urlpatterns = [
    path("", overview.home, name="home"),
    path("anmelden/", auth.login_view, name="login"),
    path("anmelden/code/", auth.login_code, name="login_code"),
    path("abmelden/", auth.logout_view, name="logout"),
    path("registrieren/", auth.signup, name="signup"),
    path("registrieren/fertig/", auth.signup_done, name="signup_done"),
    path("registrieren/code-per-brief/", auth.code_letter, name="code_letter"),
    path("bestaetigen/<str:token>/", auth.verify, name="verify"),
    path("passwort/", auth.reset, name="reset"),
    path("passwort/neu/<str:uidb64>/<str:token>/", auth.reset_confirm, name="reset_confirm"),
    path("sicherheit/", security.security, name="security"),
    path("sicherheit/2fa/ein/", security.totp_activate, name="totp_activate"),
    path("sicherheit/2fa/aus/", security.totp_deactivate, name="totp_deactivate"),
    path("vertraege/<int:contract_id>/", overview.contract_detail, name="contract"),
    path("dokumente/", overview.documents, name="documents"),
    path("rechnungen/<int:invoice_id>/pdf/", overview.invoice_pdf, name="invoice_pdf"),
    path("briefe/<int:letter_id>/pdf/", overview.letter_pdf, name="letter_pdf"),
]
# Kwarg names say which object an id is (contract_id, invoice_id, ...): the object-level
# security test fills each with another customer's id of that kind.
urlpatterns += (
    urls_services.urlpatterns
    + urls_requests.urlpatterns
    + urls_consultation.urlpatterns
    + urls_funding.urlpatterns
)
