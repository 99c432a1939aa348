"""Kundencenter settings: one file, every value read from the environment.

Defaults are for the one-machine setup (SQLite, local memory cache, local
files). Production sets KC_DEBUG=0, KC_SECRET_KEY, KC_ALLOWED_HOSTS,
DATABASE_URL and the KC_SECURE_* values (see .env.example).
"""

import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_decimal, env_int, env_list, env_str, load_dotenv
from kc.core.logs import logging_settings

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

VAR_DIR = Path(env_str("KC_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("KC_DEBUG", False)


def _secret_key() -> str:
    """Use KC_SECRET_KEY, else a random key kept in var/ (never a key in the repo)."""
    configured = env_str("KC_SECRET_KEY", "")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
# Several app servers need one key from the environment (kc.core.checks: kc.W003, kc.E002).
KC_SECRET_KEY_FROM_ENV = bool(env_str("KC_SECRET_KEY", ""))
ALLOWED_HOSTS = env_list("KC_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("KC_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_tasks_db",
    "kc.core",
    "kc.customers",
    "kc.supply",
    "kc.letters",
    "kc.cases",
    "kc.billing",
    "kc.payments",
    "kc.disconnection",
    "kc.appointments",
    "kc.funding",
    "kc.channels",
    "kc.desk",
    "kc.portal",
    "kc.api",
    "kc.privacy",
    "kc.imports",
]

MIDDLEWARE = [
    # First the request id (on every log line), then the timing around everything else.
    "kc.core.logs.RequestLogMiddleware",
    "kc.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP below
    "kc.api.middleware.ApiBodyLimitMiddleware",  # JSON 413 for the API (docs/api.md)
    "kc.api.middleware.ApiErrorShapeMiddleware",  # JSON 404/405 for the API
    "kc.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kc.core.middleware.SessionLifetimeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kc.core.middleware.RequestContextMiddleware",
    "kc.core.middleware.CustomerAreaMiddleware",
    "kc.core.middleware.StaffMFARequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kc" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",  # csp_nonce for inline scripts
                "kc.core.context_processors.utility",
                "kc.portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "kundencenter.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("KC_DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the task worker read while the other writes.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks (django.tasks) --------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("KC_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Days an uploaded legacy export (personal data) stays stored after its run ended (docs/import.md).
KC_IMPORT_FILE_RETENTION_DAYS = env_int("KC_IMPORT_FILE_RETENTION_DAYS", 30)

# Periodic tasks, enqueued by `manage.py scheduler` (one run per interval, any number of
# schedulers): name -> task path and interval in seconds.
KC_PERIODIC_TASKS = {
    "fetch_mail": {
        "task": "kc.channels.tasks.fetch_mail",
        "every": env_int("KC_MAIL_POLL_SECONDS", 60),
    },
    "sweep_outbox": {"task": "kc.channels.tasks.sweep_outbox", "every": 300},
    "sweep_portal_mail": {"task": "kc.portal.tasks.sweep_portal_mail", "every": 300},
    "scan_attachments": {"task": "kc.channels.tasks.scan_pending_attachments", "every": 120},
    "sla_reminders": {"task": "kc.cases.tasks.sla_reminders", "every": 300},
    "print_batches": {
        "task": "kc.letters.tasks.assemble_print_batches",
        "every": env_int("KC_PRINT_BATCH_SECONDS", 300),
    },
    "print_jobs": {"task": "kc.letters.tasks.check_print_jobs", "every": 15},
    "letter_outbox": {"task": "kc.channels.tasks.sweep_letter_deliveries", "every": 300},
    "mandate_expiry": {"task": "kc.payments.tasks.expire_unused_mandates", "every": 86_400},
    "proofs": {"task": "kc.disconnection.tasks.sweep_proofs", "every": 120},
    "reading_photos": {"task": "kc.supply.tasks.scan_pending_reading_photos", "every": 300},
    "funding_documents": {"task": "kc.funding.tasks.scan_pending_documents", "every": 300},
    "funding_clawbacks": {"task": "kc.funding.tasks.claw_back_ended_contracts", "every": 86_400},
    "reconnections": {"task": "kc.disconnection.tasks.reconnect_paid_and_escalate", "every": 60},
    "complaint_escalation": {"task": "kc.cases.tasks.escalate_complaints", "every": 3600},
    "appointment_reminders": {"task": "kc.appointments.tasks.send_reminders", "every": 900},
    # GDPR: finish erasures whose blockers are gone, purge what retention no longer keeps.
    "privacy_purge": {"task": "kc.privacy.tasks.purge_expired", "every": 86_400},
    # Stored legacy import files whose retention has ended (kc/imports/retention.py).
    "import_file_purge": {"task": "kc.imports.tasks.purge_import_files", "every": 86_400},
    # API webhooks whose retry is due (docs/api.md).
    "webhook_retries": {"task": "kc.api.tasks.send_due_webhooks", "every": 60},
    # Tasks left RUNNING by a worker that died go back to the queue (docs/production.md).
    "task_recovery": {"task": "kc.core.tasks.recover_orphaned_tasks", "every": 60},
}

# --- Cache (rate limits) --------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": env_str("KC_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("KC_CACHE_LOCATION", "kundencenter"),
    }
}

# --- Authentication, MFA, sessions ----------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id as OWASP recommends (a login costs tens of milliseconds of CPU, not seconds as
# PBKDF2 at Django's iteration count); PBKDF2 hashes are still read and upgraded on login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "desk:home"
ACCOUNT_ADAPTER = "kc.core.adapters.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Failed logins cool off after the window passes: no permanent lockout.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("KC_LOGIN_FAILED_LIMIT", "10/m/ip,5/5m/key"),
    # The customer portal (kc.portal): failed logins and codes per address and per IP,
    # sign-up attempts per customer number and per IP, reset mails per address.
    "portal_login_failed": env_str("KC_PORTAL_LOGIN_FAILED_LIMIT", "20/m/ip,5/5m/key"),
    "portal_mfa_failed": env_str("KC_PORTAL_MFA_FAILED_LIMIT", "20/m/ip,5/5m/key"),
    "portal_signup": env_str("KC_PORTAL_SIGNUP_LIMIT", "30/h/ip,5/h/key"),
    "portal_reset": env_str("KC_PORTAL_RESET_LIMIT", "20/h/ip,3/h/key"),
    "login": "30/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("KC_UTILITY_NAME", "Stadtwerke Musterstadt")
# One 30-second step either side, as RFC 6238 advises for clock drift and slow typing.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_PASSKEY_LOGIN_ENABLED = False

SESSION_IDLE_TIMEOUT = env_int("KC_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("KC_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
# The server-side expiry is renewed when the session is saved; SessionLifetimeMiddleware
# saves it at least once a minute of activity and checks both limits itself.
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security (production sets KC_SECURE=1) -------------------------------
SECURE = env_bool("KC_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
# No script reads the CSRF cookie: forms and htmx take the token from the page.
CSRF_COOKIE_HTTPONLY = True
if SECURE:
    # __Host- cookies: Secure, Path=/ and no Domain, so no sibling host (and no plain-HTTP
    # page) can set or shadow them. Browsers drop them without HTTPS, hence only with KC_SECURE.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = SECURE and env_bool("KC_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("KC_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
# Preload is the utility's choice (docs/security.md): it binds every subdomain to HTTPS.
SECURE_HSTS_PRELOAD = SECURE and env_bool("KC_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KC_BEHIND_PROXY", False) else None
)
# The proxies whose X-Real-IP is believed (nginx on the app server itself by default).
KC_TRUSTED_PROXIES = env_list("KC_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
SECURE_CONTENT_TYPE_NOSNIFF = True
# The load balancer and Prometheus ask the app servers directly on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)", r"^metrics$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy in every environment (the browser tests see what production sends):
# no inline script or style, no eval; scripts and styles come from our static files only.
_CSP_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # Browsers post violations here (kc/core/csp_report.py): a broken page shows in the logs.
    "report-uri": ["/csp-report"],
}
# KC_CSP_REPORT_ONLY=1 sends the policy as report-only (to find a breakage in the field).
SECURE_CSP = {} if env_bool("KC_CSP_REPORT_ONLY", False) else _CSP_POLICY
SECURE_CSP_REPORT_ONLY = _CSP_POLICY if not SECURE_CSP else {}
KC_CSP_REPORTS_PER_MINUTE = env_int("KC_CSP_REPORTS_PER_MINUTE", 60)  # per client address

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "kc" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env_str("KC_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- The utility ----------------------------------------------------------
KC_UTILITY_NAME = env_str("KC_UTILITY_NAME", "Stadtwerke Musterstadt")
KC_HOTLINE = env_str("KC_HOTLINE", "0800 1234 567")
# The customer portal's address, linked from the notice of a new answer (no content in it).
# How far back a customer may date a meter reading in the portal (move-outs reported late).
KC_CUSTOMER_READING_MAX_AGE_DAYS = env_int("KC_CUSTOMER_READING_MAX_AGE_DAYS", 60)
# The largest request body accepted (uploads included); nginx sets the same (issue 11).
KC_MAX_REQUEST_BYTES = env_int("KC_MAX_REQUEST_BYTES", 25 * 1024 * 1024)
# Form fields (no files) above 2.5 MB are refused; files above 2.5 MB go to a temporary
# file instead of memory; at most 1000 fields per request (Django's defaults, on purpose).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("KC_DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("KC_FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_PERMISSIONS = 0o640
# REST API (docs/api.md): body limit, requests per token and minute, webhook timeout.
KC_API_MAX_REQUEST_BYTES = env_int("KC_API_MAX_REQUEST_BYTES", 1024 * 1024)
KC_API_RATE_LIMIT_PER_MINUTE = env_int("KC_API_RATE_LIMIT_PER_MINUTE", 120)
KC_WEBHOOK_TIMEOUT_SECONDS = env_int("KC_WEBHOOK_TIMEOUT_SECONDS", 10)
# Webhook receivers on loopback/private/link-local addresses are refused (SSRF) unless set.
KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
KC_PORTAL_URL = env_str("KC_PORTAL_URL", "http://127.0.0.1:8000/portal/")
KC_DEFAULT_PHONE_REGION = env_str("KC_DEFAULT_PHONE_REGION", "DE")
KC_CTI_BLOCKED_NUMBERS = env_list("KC_CTI_BLOCKED_NUMBERS", [])
# bench/portal_load.py only: /bench/ping, a plain-text view without database or session.
KC_BENCH_PING = env_bool("KC_BENCH_PING", False)

# --- Live dashboard (/lage/): poll interval and when a tile turns amber ("Achtung") or red
# ("kritisch"). Ages are wall-clock; the reconnection tile turns red at
# KC_RECONNECTION_TARGET_MINUTES.
KC_DASHBOARD_POLL_SECONDS = env_int("KC_DASHBOARD_POLL_SECONDS", 10)
# One snapshot serves every viewer this long (0: each request counts anew).
KC_DASHBOARD_CACHE_SECONDS = env_int("KC_DASHBOARD_CACHE_SECONDS", 5)
KC_DASHBOARD_CASE_AMBER_MINUTES = env_int("KC_DASHBOARD_CASE_AMBER_MINUTES", 4 * 60)
KC_DASHBOARD_CASE_RED_MINUTES = env_int("KC_DASHBOARD_CASE_RED_MINUTES", 12 * 60)
KC_DASHBOARD_CALL_AMBER_SECONDS = env_int("KC_DASHBOARD_CALL_AMBER_SECONDS", 20)
KC_DASHBOARD_CALL_RED_SECONDS = env_int("KC_DASHBOARD_CALL_RED_SECONDS", 60)
KC_DASHBOARD_PRINT_AMBER_HOURS = env_int("KC_DASHBOARD_PRINT_AMBER_HOURS", 24)
KC_DASHBOARD_PRINT_RED_HOURS = env_int("KC_DASHBOARD_PRINT_RED_HOURS", 48)
KC_DASHBOARD_RECONNECTION_AMBER_MINUTES = env_int("KC_DASHBOARD_RECONNECTION_AMBER_MINUTES", 60)
# Complaints count as near their § 111a deadline from KC_COMPLAINT_ESCALATION_DAYS open days
# before it, the same window that escalates them.

# --- Billing -------------------------------------------------------------------
KC_BUDGET_INSTALMENTS = env_int("KC_BUDGET_INSTALMENTS", 11)  # 11 or 12 per year
KC_BUDGET_DUE_DAY = env_int("KC_BUDGET_DUE_DAY", 15)
# An Abschlag within this many percent of what the consumption justifies needs no approval.
KC_BUDGET_CHANGE_TOLERANCE_PERCENT = env_int("KC_BUDGET_CHANGE_TOLERANCE_PERCENT", 20)
# Invoices are due two weeks after receipt (§17 StromGVV/GasGVV); a letter counts as received
# four days after posting (§122 AO / §41 VwVfG since 2025) unless configured otherwise.
KC_LETTER_RECEIPT_DAYS = env_int("KC_LETTER_RECEIPT_DAYS", 4)
KC_INVOICE_PAYMENT_DAYS = env_int("KC_INVOICE_PAYMENT_DAYS", 14)
# Disconnection: costs of disconnecting and reconnecting (charged once executed), the field
# service's order mailbox, and how long a reconnection may wait before it escalates.
KC_DISCONNECTION_COSTS = env_decimal("KC_DISCONNECTION_COSTS", "95.00")
KC_FIELD_SERVICE_EMAIL = env_str("KC_FIELD_SERVICE_EMAIL", "auftraege@netz.example")
KC_RECONNECTION_TARGET_MINUTES = env_int("KC_RECONNECTION_TARGET_MINUTES", 120)
# Postal-code prefixes of the supply area (tariff offers); empty: every postal code.
KC_SUPPLY_AREA_POSTAL_PREFIXES = env_list("KC_SUPPLY_AREA_POSTAL_PREFIXES", [])
# Complaints (§ 111a EnWG): unanswered ones go to this queue this many open days of the
# business calendar before their deadline.
KC_COMPLAINT_QUEUE = env_str("KC_COMPLAINT_QUEUE", "Beschwerdemanagement")
KC_COMPLAINT_ESCALATION_DAYS = env_int("KC_COMPLAINT_ESCALATION_DAYS", 5)
# Energy-saving consultations: slot grid, earliest booking after now, how far ahead, and
# when the reminder goes out before the appointment.
KC_APPOINTMENT_GRID_MINUTES = env_int("KC_APPOINTMENT_GRID_MINUTES", 30)
KC_APPOINTMENT_LEAD_MINUTES = env_int("KC_APPOINTMENT_LEAD_MINUTES", 120)
KC_APPOINTMENT_HORIZON_DAYS = env_int("KC_APPOINTMENT_HORIZON_DAYS", 90)
KC_APPOINTMENT_REMINDER_HOURS = env_int("KC_APPOINTMENT_REMINDER_HOURS", 24)
# Coming appointments one customer may hold through the portal at a time.
KC_APPOINTMENT_MAX_OPEN_PER_CUSTOMER = env_int("KC_APPOINTMENT_MAX_OPEN_PER_CUSTOMER", 3)

# --- Letters and print room -------------------------------------------------
# The customer center's printer as an IPP URI (ipp://host:631/printers/NAME); empty: letters
# queue for print and the print room says that no printer is set up.
KC_PRINTER_URI = env_str("KC_PRINTER_URI", "")
KC_PRINT_BATCH_SIZE = env_int("KC_PRINT_BATCH_SIZE", 500)
KC_PRINT_DUPLEX = env_bool("KC_PRINT_DUPLEX", False)
KC_PRINT_CONTROL_MARKS = env_bool("KC_PRINT_CONTROL_MARKS", True)
# A job CUPS has not finished after this long is shown as a printer problem.
KC_PRINT_JOB_ALERT_MINUTES = env_int("KC_PRINT_JOB_ALERT_MINUTES", 15)
# A submission claimed longer ago than this belongs to a worker that died; it is retried
# (CUPS is asked first whether the job arrived).
KC_PRINT_CLAIM_SECONDS = env_int("KC_PRINT_CLAIM_SECONDS", 120)

# --- Mail -----------------------------------------------------------------
KC_MAIL_FROM = env_str("KC_MAIL_FROM", "kundenservice@stadtwerke-musterstadt.example")
KC_MAIL_DOMAIN = env_str("KC_MAIL_DOMAIN", KC_MAIL_FROM.rpartition("@")[2])
DEFAULT_FROM_EMAIL = KC_MAIL_FROM
# Further addresses of ours: mail from them is never acknowledged (no loops).
KC_MAIL_OWN_ADDRESSES = env_list("KC_MAIL_OWN_ADDRESSES", [])
KC_IMAP = {
    "host": env_str("KC_IMAP_HOST", ""),  # empty: fetch_mail has no mailbox to read
    "port": env_int("KC_IMAP_PORT", 993),
    "security": env_str("KC_IMAP_SECURITY", "ssl"),  # ssl, starttls or plain
    "user": env_str("KC_IMAP_USER", ""),
    "password": env_str("KC_IMAP_PASSWORD", ""),
    "folder": env_str("KC_IMAP_FOLDER", "INBOX"),
    "processed_keyword": env_str("KC_IMAP_PROCESSED_KEYWORD", "KundencenterDone") or None,
    "processed_folder": env_str("KC_IMAP_PROCESSED_FOLDER", "") or None,
}
KC_SMTP = {
    "host": env_str("KC_SMTP_HOST", "127.0.0.1"),
    "port": env_int("KC_SMTP_PORT", 25),
    "security": env_str("KC_SMTP_SECURITY", "plain"),  # ssl, starttls or plain
    "user": env_str("KC_SMTP_USER", ""),
    "password": env_str("KC_SMTP_PASSWORD", ""),
    "timeout": env_int("KC_SMTP_TIMEOUT", 30),
}
# clamd (INSTREAM over TCP) scans every attachment before agents may open it.
KC_CLAMD = {
    "host": env_str("KC_CLAMD_HOST", "127.0.0.1"),
    "port": env_int("KC_CLAMD_PORT", 3310),
    "timeout": env_int("KC_CLAMD_TIMEOUT", 60),
}
# Django's own mail (e.g. password reset) takes the same relay.
MAILERS = {
    "default": {
        "BACKEND": env_str("KC_MAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": KC_SMTP["host"],
            "port": KC_SMTP["port"],
            "username": KC_SMTP["user"],
            "password": KC_SMTP["password"],
            "use_tls": KC_SMTP["security"] == "starttls",
            "use_ssl": KC_SMTP["security"] == "ssl",
            "timeout": KC_SMTP["timeout"],
        },
    }
}

# --- Logs and metrics (docs/operations.md) ---------------------------------
# JSON lines in production, readable lines when developing; one line per request and task.
KC_LOG_FORMAT = env_str("KC_LOG_FORMAT", "console" if DEBUG else "json")
LOGGING = logging_settings(KC_LOG_FORMAT, env_str("KC_LOG_LEVEL", "INFO"))
# /metrics answers these networks (CIDR or single addresses), or anyone with the bearer token.
KC_METRICS_ALLOWED_IPS = env_list("KC_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
KC_METRICS_TOKEN = env_str("KC_METRICS_TOKEN", "")
# Gauges computed from the database at each scrape (kc.core.metrics.DatabaseGauges).
KC_METRICS_GAUGES = [
    "kc.core.metrics.task_gauges",
    "kc.desk.dashboard_metrics.work_gauges",
]
