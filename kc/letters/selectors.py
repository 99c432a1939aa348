"""Reads of letters and the print room shared by the staff pages (letters, customer page)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from kc.letters.models import Delivery, Letter, LetterEvent, PrintBatch, PrintJob

RECENTLY_POSTED_DAYS = 7


def letters_for_partner(partner_id: int, limit: int = 20) -> list[Letter]:
    """A customer's newest letters with their deliveries: two queries however many."""
    deliveries = Delivery.objects.order_by("channel")
    return list(
        Letter.objects.filter(partner_id=partner_id)
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("-created_at", "-pk")[:limit]
    )


def letter_with_history(number: str) -> QuerySet[Letter]:
    """The letter of this number (empty when unknown) with everything its page shows."""
    return (
        Letter.objects.filter(number=number)
        .select_related(
            "partner", "account", "created_by", "template_version", "template_version__template"
        )
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related("batch").order_by("channel"),
            ),
            Prefetch(
                "events",
                queryset=LetterEvent.objects.select_related("actor").order_by("at", "pk"),
            ),
        )
    )


def waiting_for_batch() -> list[tuple[str, str, int]]:
    """Post deliveries of finished letters not yet in a batch: (envelope, postage class,
    count), the way `printroom.assemble_batches` groups them."""
    rows = (
        Delivery.objects.filter(
            channel=Delivery.Channel.POST,
            state=Delivery.State.QUEUED,
            letter__status=Letter.Status.READY,
        )
        .values("envelope", "postage_class")
        .annotate(count=Count("pk"))
        .order_by("envelope", "postage_class")
    )
    return [(row["envelope"], row["postage_class"], row["count"]) for row in rows]


def _with_jobs(batches: QuerySet[PrintBatch]) -> QuerySet[PrintBatch]:
    jobs = PrintJob.objects.select_related("requested_by").order_by("attempt")
    return batches.prefetch_related(Prefetch("jobs", queryset=jobs))


def open_batches() -> list[PrintBatch]:
    """Batches still to be printed, enveloped or posted, oldest first, with their jobs."""
    batches = PrintBatch.objects.exclude(
        state__in=[PrintBatch.State.POSTED, PrintBatch.State.EMPTY]
    ).order_by("created_at", "pk")
    return list(_with_jobs(batches))


def recently_posted_batches(days: int = RECENTLY_POSTED_DAYS) -> list[PrintBatch]:
    since = timezone.now() - datetime.timedelta(days=days)
    batches = (
        PrintBatch.objects.filter(state=PrintBatch.State.POSTED, posted_at__gte=since)
        .select_related("posted_by", "enveloped_by")
        .order_by("-posted_at", "-pk")
    )
    return list(batches)
