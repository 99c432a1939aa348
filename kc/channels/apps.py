from typing import Any

from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kc.channels"
    label = "channels"
    verbose_name = "Kanäle"

    def ready(self) -> None:
        from kc.cases.signals import attachment_stored, email_queued
        from kc.letters.signals import delivery_queued

        email_queued.connect(_enqueue_send, dispatch_uid="kc-channels-send-email")
        delivery_queued.connect(_enqueue_letter, dispatch_uid="kc-channels-send-letter")
        attachment_stored.connect(_enqueue_scan, dispatch_uid="kc-channels-scan-attachment")


def _enqueue_send(sender: Any, message_id: int, **kwargs: Any) -> None:
    from kc.channels.tasks import send_email
    from kc.core.enqueue import enqueue_with_transaction

    enqueue_with_transaction(send_email, message_id)


def _enqueue_letter(sender: Any, delivery_id: int, **kwargs: Any) -> None:
    from kc.channels.tasks import send_letter
    from kc.core.enqueue import enqueue_with_transaction

    enqueue_with_transaction(send_letter, delivery_id)


def _enqueue_scan(sender: Any, attachment_id: int, **kwargs: Any) -> None:
    from kc.channels.tasks import scan_attachment
    from kc.core.enqueue import enqueue_with_transaction

    enqueue_with_transaction(scan_attachment, attachment_id)
