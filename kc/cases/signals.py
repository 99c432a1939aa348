"""What cases tell the channels above them (DESIGN.md §3: the only use of signals)."""

from django.dispatch import Signal

# Sent on commit with `message_id`: an e-mail waits in the outbox.
email_queued = Signal()
