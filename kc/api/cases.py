"""Cases (scope "cases"; writing a note needs "cases:write").

GET  /api/v1/vorgaenge/?kunde=&status=     cases, newest first
GET  /api/v1/vorgaenge/{number}            one case with its timeline
POST /api/v1/vorgaenge/{number}/notizen    an internal note (kc.cases.services.add_note)
POST /api/v1/vorgaenge/{number}/antworten  an answer into the customer's portal mailbox
                                           (kc.cases.portal_messages.reply_to_portal;
                                           scope "cases:reply")
"""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from kc.api import reads
from kc.api.auth import TokenAuth, token_of
from kc.api.errors import REFUSALS, ErrorOut
from kc.api.paging import PageMeta, PageQuery, page_of
from kc.api.services import technical_user
from kc.cases import portal_messages
from kc.cases import services as case_services
from kc.cases.models import Case, Message

router = Router(auth=TokenAuth("cases"))
ERRORS = REFUSALS
ERRORS_404 = ERRORS | {404: ErrorOut}
WRITE_ERRORS = ERRORS_404 | {409: ErrorOut}
TIMELINE_LIMIT = 200


class CaseOut(Schema):
    number: str
    subject: str
    case_type: str
    channel: str
    status: str
    priority: int
    queue: str
    customer: str | None
    received_at: datetime.datetime
    resolved_at: datetime.datetime | None
    resolution_due: datetime.datetime | None
    updated_at: datetime.datetime


class CasePage(PageMeta):
    items: list[CaseOut]


class MessageOut(Schema):
    id: int
    kind: str
    created_at: datetime.datetime
    subject: str
    text: str


class CaseDetailOut(CaseOut):
    messages: list[MessageOut]


class NoteIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


def case_fields(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "subject": case.subject,
        "case_type": case.case_type,
        "channel": case.channel,
        "status": case.status,
        "priority": case.priority,
        "queue": case.queue.name,
        "customer": case.partner.number if case.partner else None,
        "received_at": case.received_at,
        "resolved_at": case.resolved_at,
        "resolution_due": case.resolution_due,
        "updated_at": case.updated_at,
    }


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.pk,
        kind=message.kind,
        created_at=message.created_at,
        subject=message.subject,
        text=message.body_text,
    )


@router.get("/vorgaenge/", response={200: CasePage} | ERRORS, summary="Cases, newest first")
def cases(
    request: HttpRequest, page: PageQuery, kunde: str = "", status: Case.Status | None = None
) -> CasePage:
    rows = Case.objects.select_related("queue", "partner").order_by("-received_at", "-pk")
    if kunde:
        rows = rows.filter(partner__number=kunde[:20])
    if status:
        rows = rows.filter(status=status)
    items, meta = page_of(rows, page)
    reads.record_many(request, [(c, c.partner_id) for c in items])
    return CasePage(items=[CaseOut(**case_fields(c)) for c in items], **meta.dict())


@router.get("/vorgaenge/{number}", response={200: CaseDetailOut} | ERRORS_404, summary="One case")
def case(request: HttpRequest, number: str) -> CaseDetailOut:
    found = get_object_or_404(Case.objects.select_related("queue", "partner"), number=number)
    reads.record(request, found, partner_id=found.partner_id)
    timeline = found.messages.order_by("created_at", "pk")[:TIMELINE_LIMIT]
    return CaseDetailOut(**case_fields(found), messages=[message_out(m) for m in timeline])


@router.post(
    "/vorgaenge/{number}/notizen",
    response={201: MessageOut} | WRITE_ERRORS,
    summary="Add an internal note",
    auth=TokenAuth("cases:write"),
)
def add_note(request: HttpRequest, number: str, body: NoteIn) -> Status[MessageOut]:
    found = get_object_or_404(Case, number=number)
    note = case_services.add_note(
        case=found, text=body.text, actor=technical_user(token_of(request))
    )
    return Status(201, message_out(note))


@router.post(
    "/vorgaenge/{number}/antworten",
    response={201: MessageOut} | WRITE_ERRORS,
    summary="Answer the customer in the portal",
    auth=TokenAuth("cases:reply"),
)
def reply(request: HttpRequest, number: str, body: NoteIn) -> Status[MessageOut]:
    found = get_object_or_404(Case, number=number)
    message = portal_messages.reply_to_portal(
        case=found, text=body.text, actor=technical_user(token_of(request))
    )
    return Status(201, message_out(message))
