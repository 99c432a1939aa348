"""Attachment scan states: services, the download view, the timeline, and the scan on ingest."""

import datetime
from email.message import EmailMessage

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import make_staff
from kc.cases import attachments
from kc.cases.models import Attachment, Case, Message
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.channels.email import ingest
from kc.channels.email.imap import FetchedMail
from kc.core.clamd import ScanVerdict
from kc.core.models import AuditLogEntry
from kc.customers.tests.factories import BusinessPartnerFactory


def make_attachment(
    content: bytes,
    *,
    filename: str = "rechnung.pdf",
    content_type: str = "application/pdf",
    scan: str = Attachment.Scan.PENDING,
    case: Case | None = None,
    age_minutes: int = 0,
) -> Attachment:
    case = case or CaseFactory(partner=BusinessPartnerFactory())
    message = Message.objects.create(
        case=case,
        kind=Message.Kind.EMAIL_IN,
        created_at=timezone.now() - datetime.timedelta(minutes=age_minutes),
        body_text="Anbei die Unterlagen.",
        sender="kunde@example.org",
    )
    attachment = Attachment(
        message=message,
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256="0" * 64,
        scan=scan,
    )
    attachment.file.save(filename, ContentFile(content), save=False)
    attachment.save()
    return attachment


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def url(attachment: Attachment, number: str | None = None) -> str:
    return reverse(
        "cases:attachment_download",
        args=[number or attachment.message.case.number, attachment.pk],
    )


# --- services -------------------------------------------------------------------------


@pytest.mark.django_db
def test_clean_verdict_opens_the_attachment() -> None:
    attachment = make_attachment(b"%PDF")
    assert attachments.record_scan(attachment, ScanVerdict(clean=True))
    attachment.refresh_from_db()
    assert (attachment.scan, attachment.may_open) == ("clean", True)


@pytest.mark.django_db
def test_infected_verdict_keeps_it_closed_and_is_audited() -> None:
    attachment = make_attachment(b"MZ")
    attachments.record_scan(attachment, ScanVerdict(clean=False, signature="Win.Test.EICAR"))
    attachment.refresh_from_db()
    assert (attachment.scan, attachment.scan_detail) == ("infected", "Win.Test.EICAR")
    assert not attachment.may_open
    row = AuditLogEntry.objects.get(object_type="cases.attachment")
    assert row.partner_id == attachment.message.case.partner_id
    assert row.changes["scan"] == ["pending", "infected"]


@pytest.mark.django_db
def test_first_verdict_wins() -> None:
    attachment = make_attachment(b"MZ")
    attachments.record_scan(attachment, ScanVerdict(clean=False, signature="X"))
    stale = Attachment.objects.get(pk=attachment.pk)
    stale.scan = Attachment.Scan.PENDING  # a second worker that loaded it earlier
    assert not attachments.record_scan(stale, ScanVerdict(clean=True))
    assert Attachment.objects.get(pk=attachment.pk).scan == "infected"


@pytest.mark.django_db
def test_failure_keeps_pending_unless_final() -> None:
    attachment = make_attachment(b"%PDF")
    attachments.record_scan_failure(attachment, "clamd nicht erreichbar")
    attachment.refresh_from_db()
    assert (attachment.scan, attachment.scan_detail) == ("pending", "clamd nicht erreichbar")
    attachments.record_scan_failure(attachment, "zu groß", final=True)
    attachment.refresh_from_db()
    assert (attachment.scan, attachment.scan_detail, attachment.may_open) == (
        "failed",
        "zu groß",
        False,
    )


@pytest.mark.django_db
def test_sweep_takes_only_older_pending_attachments() -> None:
    old = make_attachment(b"1", age_minutes=10)
    make_attachment(b"2", age_minutes=0)  # its own scan task is still on the way
    make_attachment(b"3", age_minutes=10, scan=Attachment.Scan.CLEAN)
    assert attachments.pending_attachment_ids() == [old.pk]


# --- download view --------------------------------------------------------------------


@pytest.mark.django_db
def test_pending_attachment_is_409(agent_client: Client) -> None:
    response = agent_client.get(url(make_attachment(b"%PDF")))
    assert response.status_code == 409
    assert "Der Anhang wird noch auf Schadsoftware geprüft." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("state", [Attachment.Scan.INFECTED, Attachment.Scan.FAILED])
def test_infected_or_failed_attachment_is_403(agent_client: Client, state: str) -> None:
    response = agent_client.get(url(make_attachment(b"MZ", scan=state)))
    assert response.status_code == 403
    assert "nicht geöffnet" in response.content.decode()
    assert not AuditLogEntry.objects.filter(action="read").exists()


@pytest.mark.django_db
def test_clean_attachment_downloads_with_audit(agent_client: Client) -> None:
    attachment = make_attachment(b"%PDF-1.4 Jahresrechnung", filename="Jahresrechnung 2026.pdf")
    attachment.scan = Attachment.Scan.CLEAN
    attachment.save()
    response = agent_client.get(url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 Jahresrechnung"  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Jahresrechnung 2026.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    row = AuditLogEntry.objects.get(action="read", object_type="cases.attachment")
    assert row.object_id == str(attachment.pk)
    assert row.partner_id == attachment.message.case.partner_id
    assert row.actor is not None and row.actor.username == "agent"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["text/html", "text/html; charset=utf-8", "image/svg+xml", "", "x/unknown"]
)
def test_risky_types_are_served_as_octet_stream(agent_client: Client, content_type: str) -> None:
    attachment = make_attachment(
        b"<script>alert(1)</script>",
        filename="seite.html",
        content_type=content_type,
        scan=Attachment.Scan.CLEAN,
    )
    response = agent_client.get(url(attachment))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_non_ascii_and_control_characters_in_the_filename(agent_client: Client) -> None:
    attachment = make_attachment(
        b"x", filename="Zählerstand\r\nX-Evil: 1.jpg", content_type="image/jpeg", scan="clean"
    )
    response = agent_client.get(url(attachment))
    assert response.status_code == 200
    assert "X-Evil" not in response.headers
    assert "filename*=utf-8''Z%C3%A4hlerstand__X-Evil%3A%201.jpg" in response["Content-Disposition"]


@pytest.mark.django_db
def test_attachment_of_another_case_is_404(agent_client: Client) -> None:
    attachment = make_attachment(b"%PDF", scan=Attachment.Scan.CLEAN)
    other = CaseFactory()
    assert agent_client.get(url(attachment, number=other.number)).status_code == 404
    missing = reverse("cases:attachment_download", args=[other.number, attachment.pk + 1000])
    assert agent_client.get(missing).status_code == 404


@pytest.mark.django_db
def test_user_without_role_is_403_and_anonymous_must_log_in(client: Client) -> None:
    attachment = make_attachment(b"%PDF", scan=Attachment.Scan.CLEAN)
    assert client.get(url(attachment)).status_code == 302
    client.force_login(make_staff("ohne-rolle", None))
    assert client.get(url(attachment)).status_code == 403


@pytest.mark.django_db
def test_case_page_lists_attachments_with_state(agent_client: Client) -> None:
    case = CaseFactory()
    clean = make_attachment(b"%PDF", filename="vertrag.pdf", scan="clean", case=case)
    make_attachment(b"?", filename="unbekannt.exe", case=case)
    page = agent_client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert f'href="{url(clean)}"' in page
    assert "unbekannt.exe" in page and "wird geprüft" in page
    assert "/anhang/" in page and page.count("/anhang/") == 1


# --- a mail with an attachment queues its scan ----------------------------------------


def _mail_with_attachment() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Jana Maier <jana@example.org>"
    mail["To"] = "kundenservice@stadtwerke-musterstadt.example"
    mail["Subject"] = "Zählerfoto"
    mail["Message-ID"] = "<foto-1@example.org>"
    mail.set_content("Anbei das Foto.")
    mail.add_attachment(b"\xff\xd8\xff\xe0JFIF", maintype="image", subtype="jpeg", filename="z.jpg")
    return mail.as_bytes()


@pytest.mark.django_db(transaction=True)
def test_ingested_mail_enqueues_a_scan_after_commit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    QueueFactory()
    raw = _mail_with_attachment()
    fetched = FetchedMail(uid=7, uidvalidity=1, raw=raw, size=len(raw), folder="INBOX")
    report = ingest.IngestReport()
    ingest.ingest_one(fetched, "box", frozenset(), report)
    attachment = Attachment.objects.get()
    assert attachment.scan == Attachment.Scan.PENDING
    queued = DBTaskResult.objects.get(task_path="kc.channels.tasks.scan_attachment")
    assert queued.args_kwargs == {"args": [attachment.pk], "kwargs": {}}
    # The same mail again (a crash before the IMAP mark): no second scan.
    ingest.ingest_one(fetched, "box", frozenset(), report)
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_scan_task_commits_or_rolls_back_with_the_mail() -> None:
    QueueFactory()
    raw = _mail_with_attachment()
    fetched = FetchedMail(uid=8, uidvalidity=1, raw=raw, size=len(raw), folder="INBOX")
    with pytest.raises(RuntimeError), transaction.atomic():
        ingest.ingest_one(fetched, "box", frozenset(), ingest.IngestReport())
        assert DBTaskResult.objects.count() == 1  # written in the same transaction
        raise RuntimeError("crash before the commit")
    assert not DBTaskResult.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_other_task_backends_get_the_task_after_the_commit(
    settings,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    from kc.channels.tasks import scan_attachment
    from kc.core.enqueue import enqueue_with_transaction

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_with_transaction(scan_attachment, 1)
    assert len(callbacks) == 1


# --- the scan task with a stand-in scanner ----------------------------------------------


@pytest.mark.django_db
def test_clamd_error_reply_stays_pending_for_the_sweep(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kc.channels import tasks
    from kc.core import clamd

    def broken(data: bytes, **options: object) -> ScanVerdict:
        raise clamd.ClamdError("stream: Can't allocate memory ERROR")

    monkeypatch.setattr(clamd, "scan_bytes", broken)
    attachment = make_attachment(b"%PDF")
    assert tasks.scan_attachment.call(attachment.pk) == "pending"
    attachment.refresh_from_db()
    assert attachment.scan_detail == "clamd: stream: Can't allocate memory ERROR"


@pytest.mark.django_db
def test_missing_file_fails_for_good_and_scanned_ones_are_left_alone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kc.channels import tasks
    from kc.core import clamd

    calls: list[bytes] = []

    def scan(data: bytes, **options: object) -> ScanVerdict:
        calls.append(data)
        return ScanVerdict(clean=True)

    monkeypatch.setattr(clamd, "scan_bytes", scan)
    gone = make_attachment(b"%PDF")
    gone.file.delete(save=False)
    assert tasks.scan_attachment.call(gone.pk) == "failed"
    done = make_attachment(b"MZ", scan=Attachment.Scan.INFECTED)
    assert tasks.scan_attachment.call(done.pk) == "infected"
    assert tasks.scan_attachment.call(done.pk + 1000) == "missing"
    assert calls == []


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_archive_risk_reads_only_the_directory() -> None:
    from kc.cases.attachments import archive_risk

    assert archive_risk(b"%PDF-1.4 plain file") is None
    assert archive_risk(_zip({"rechnung.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40})) is None
    bomb = _zip({"zeros.bin": bytes(64 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert archive_risk(bomb) is not None and "Packrate" in archive_risk(bomb)  # type: ignore[operator]
    many = _zip({f"f{i}.txt": b"x" for i in range(1001)})
    assert "1001 Dateien" in (archive_risk(many) or "")


@pytest.mark.django_db
def test_zip_bomb_is_closed_before_clamd_sees_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from kc.channels import tasks
    from kc.core import clamd

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a bomb must not reach clamd")

    monkeypatch.setattr(clamd, "scan_bytes", never)
    bomb = make_attachment(
        _zip({"zeros.bin": bytes(64 * 1024 * 1024)}),
        filename="a.zip",
        content_type="application/zip",
    )
    assert tasks.scan_attachment.call(bomb.pk) == Attachment.Scan.FAILED
    bomb.refresh_from_db()
    assert not bomb.may_open and "Packrate" in bomb.scan_detail


@pytest.mark.django_db
def test_a_portal_attachment_enqueues_its_scan_with_the_message(settings) -> None:  # type: ignore[no-untyped-def]
    from kc.cases.portal_messages import message_from_portal
    from kc.core.models import User
    from kc.customers.tests.factories import BusinessPartnerFactory

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    QueueFactory()
    message_from_portal(
        partner=BusinessPartnerFactory(),
        actor=User.objects.create_user("kunde-1", is_customer=True),
        subject="Foto",
        text="Anbei das Foto.",
        attachments=[("z.jpg", b"\xff\xd8\xff\xe0JFIF", "image/jpeg")],
    )
    attachment = Attachment.objects.get()
    queued = DBTaskResult.objects.get(task_path="kc.channels.tasks.scan_attachment")
    assert queued.args_kwargs == {"args": [attachment.pk], "kwargs": {}}
