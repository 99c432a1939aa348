"""Signals to higher apps (DESIGN.md §3: the only use of signals).

`delivery_queued(delivery_id=...)`: an e-mail or portal delivery waits for the mail channel;
sent inside the transaction that created it.
"""

from django.dispatch import Signal

delivery_queued = Signal()
