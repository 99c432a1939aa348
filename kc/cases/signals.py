"""What cases tell the channels above them (DESIGN.md §3: the only use of signals)."""

from django.dispatch import Signal

# Sent with `message_id` inside the transaction that queues an e-mail in the outbox;
# receivers defer their work to the commit (kc.core.enqueue.enqueue_with_transaction).
email_queued = Signal()

# Sent with `attachment_id` inside the transaction that stores a new attachment (pending
# scan) outside the mail channel, e.g. from the portal; the channel with the scanner
# enqueues its scan task on commit, as for attachments of inbound mail.
attachment_stored = Signal()
