"""What cases tell the channels above them (DESIGN.md §3: the only use of signals)."""

from django.dispatch import Signal

# Sent with `message_id` inside the transaction that queues an e-mail in the outbox;
# receivers defer their work to the commit (kc.core.enqueue.enqueue_with_transaction).
email_queued = Signal()

# Sent with `attachment_id` inside the transaction that stores a new attachment (pending
# scan) outside the mail channel, e.g. from the portal; the channel with the scanner
# enqueues its scan task on commit, as for attachments of inbound mail.
attachment_stored = Signal()

# Sent with `call_id`, `user_id` (the answering agent) and `at` after the transaction that
# records a CTI answer commits; the staff workspace sets the agent's presence "on a call".
call_answered = Signal()

# Sent with `call_id`, `user_id` and `at` (the hangup) after an answered call's hangup
# commits; the staff workspace ends the agent's "on a call".
call_ended = Signal()

# Sent with `before` ({case pk: {attname: value before}} of the fields changed) inside the
# transaction of a QuerySet.update() of cases (kc.cases.bulk.update_cases), after the update:
# model signals do not fire for it, so the API writes its case webhooks from this one.
cases_updated = Signal()
