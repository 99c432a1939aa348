"""The peer figure: django-helpdesk's `get_email` over the same corpus, in a throwaway venv.

Everything lives in one temp directory (venv, minimal Django project, SQLite DB, media),
removed by `cleanup`. Nothing of django-helpdesk is vendored or committed.
"""

import glob
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PACKAGE = "django-helpdesk"
INSTALL = "django-helpdesk[teams]"  # its migrations depend on pinax-teams

SETTINGS = """
from pathlib import Path
BASE = Path(__file__).resolve().parent
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
SITE_ID = 1
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework",
    "account", "pinax.invitations", "pinax.teams", "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE / "peer.sqlite3"}}
MEDIA_ROOT = BASE / "media"
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "kundenservice@stadtwerke.example"
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
"""

RUN = """
import json, os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from helpdesk.models import FollowUp, FollowUpAttachment, Queue, Ticket
port, folder = int(sys.argv[1]), sys.argv[2]
Queue.objects.create(
    title="Kundenservice", slug="ks", email_address="kundenservice@stadtwerke.example",
    allow_email_submission=True, email_box_type="imap", email_box_host="127.0.0.1",
    email_box_port=port, email_box_user="kundencenter", email_box_pass="kc-test-password",
    email_box_imap_folder=folder, email_box_ssl=False, email_box_interval=0,
)
from helpdesk.email import process_email
def rss():  # VmHWM: peak RSS since clear_refs (as in maillib/ingest.py)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
before = rss()
start = time.perf_counter()
process_email(quiet=True)
seconds = time.perf_counter() - start
print("RESULT " + json.dumps({
    "seconds": seconds, "rss_before_mb": before, "rss_peak_mb": rss(),
    "tickets": Ticket.objects.count(), "followups": FollowUp.objects.count(),
    "attachments": FollowUpAttachment.objects.count(),
    "django": django.get_version(),
}))
"""


def python_for_peer() -> str | None:
    for pattern in (
        "/root/.pyenv/versions/3.13*/bin/python3",
        "/root/.pyenv/versions/3.12*/bin/python3",
    ):
        found = sorted(glob.glob(pattern))
        if found:
            return found[-1]
    return shutil.which("python3.13") or shutil.which("python3.12")


class Peer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kc-bench-helpdesk-"))
        self.venv = self.dir / "venv"
        self.version = ""

    def install(self) -> str | None:
        """None when installed, else why not."""
        base = python_for_peer()
        if base is None:
            return "no python3.13/3.12 found for the throwaway virtualenv"
        made = subprocess.run(  # noqa: S603
            [base, "-m", "venv", str(self.venv)], capture_output=True, text=True, check=False
        )
        if made.returncode != 0:
            return f"venv failed: {made.stderr.strip()[-400:]}"
        pip = subprocess.run(  # noqa: S603
            [str(self.venv / "bin" / "pip"), "install", "-q", INSTALL],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if pip.returncode != 0:
            return f"pip install {PACKAGE} failed: {pip.stderr.strip()[-800:]}"
        shown = subprocess.run(  # noqa: S603
            [str(self.venv / "bin" / "pip"), "show", PACKAGE],
            capture_output=True,
            text=True,
            check=False,
        )
        for line in shown.stdout.splitlines():
            if line.startswith("Version:"):
                self.version = line.split(":", 1)[1].strip()
        (self.dir / "peer_settings.py").write_text(SETTINGS, encoding="utf-8")
        (self.dir / "peer_urls.py").write_text(URLS, encoding="utf-8")
        (self.dir / "peer_run.py").write_text(RUN, encoding="utf-8")
        return None

    def run(self, port: int, folder: str) -> dict[str, float | int | str] | str:
        """Figures of one get_email run, or why it failed."""
        start = time.perf_counter()
        child = subprocess.run(  # noqa: S603
            [str(self.venv / "bin" / "python"), "peer_run.py", str(port), folder],
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=7200,
            check=False,
        )
        wall = time.perf_counter() - start
        for line in child.stdout.splitlines():
            if line.startswith("RESULT "):
                result: dict[str, float | int | str] = json.loads(line[7:])
                result["wall_seconds"] = wall
                return result
        return f"get_email run failed (exit {child.returncode}): {child.stderr.strip()[-1500:]}"

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
