"""Channel state: which IMAP mails are done, so a mail is taken exactly once."""

from django.db import models

from kc.cases.models import Message


class ProcessedMail(models.Model):
    """One row per mailbox UID that reached the database; written in the same transaction
    as the case message, so a crash either keeps both or neither."""

    mailbox = models.CharField(max_length=200)
    uidvalidity = models.PositiveBigIntegerField()
    uid = models.PositiveBigIntegerField()
    mail_message_id = models.CharField(max_length=255, db_index=True)
    content_hash = models.CharField(max_length=64)
    case_message = models.ForeignKey(
        Message, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="processedmail_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uidvalidity}/{self.uid}"


class MailboxFetch(models.Model):
    """When each mailbox was last read through without an error: the mail fetch lag that
    monitoring watches (kc_mail_fetch_lag_seconds). One row per mailbox, overwritten."""

    mailbox = models.CharField(max_length=200, unique=True)
    succeeded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.mailbox} {self.succeeded_at:%Y-%m-%d %H:%M:%S}"
