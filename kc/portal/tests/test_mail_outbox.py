"""The portal's own mails: sent once, retried while the relay is down, given up after the
last attempt; the sweep picks up what no task will send."""

import datetime

import pytest
from django.utils import timezone

from kc.channels.email.smtp import SmtpConfig
from kc.portal import mail
from kc.portal.models import PortalMail

pytestmark = pytest.mark.django_db
DEAD_RELAY = SmtpConfig(host="127.0.0.1", port=9, security="plain", timeout=2)


def test_a_relay_that_stays_down_retries_then_fails() -> None:
    queued = mail.queue_mail(to="kundin@example.org", subject="Adresse bestätigen", body="Link")
    outcomes = [mail.send(queued.pk, DEAD_RELAY) for _ in range(mail.MAX_ATTEMPTS)]
    assert outcomes == [(False, True)] * (mail.MAX_ATTEMPTS - 1) + [(False, False)]
    queued.refresh_from_db()
    assert queued.state == PortalMail.State.FAILED and queued.attempts == mail.MAX_ATTEMPTS
    assert queued.last_error and queued.sent_at is None
    assert mail.send(queued.pk, DEAD_RELAY) == (False, False)  # failed stays failed


def test_the_sweep_takes_old_queued_and_stale_claimed_mails_only() -> None:
    now = timezone.now()
    old = mail.queue_mail(to="a@example.org", subject="s", body="b")
    fresh = mail.queue_mail(to="b@example.org", subject="s", body="b")
    stale = mail.queue_mail(to="c@example.org", subject="s", body="b")
    held = mail.queue_mail(to="d@example.org", subject="s", body="b")
    long_ago = now - mail.CLAIM_TIMEOUT - datetime.timedelta(minutes=1)
    PortalMail.objects.filter(pk__in=[old.pk, stale.pk, held.pk]).update(created_at=long_ago)
    assert mail.claim(stale.pk) is not None and mail.claim(held.pk) is not None
    PortalMail.objects.filter(pk=stale.pk).update(claimed_at=long_ago)
    assert sorted(mail.waiting_ids()) == sorted([old.pk, stale.pk])
    assert fresh.pk not in mail.waiting_ids()
