"""Letters (scope "letters").

GET /api/v1/briefe/?kunde=         letters, newest first
GET /api/v1/briefe/{number}/pdf    the archived PDF as it was sent (every download audited)
"""

import datetime

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kc.api import reads
from kc.api.auth import TokenAuth
from kc.api.errors import REFUSALS, ApiError, ErrorOut
from kc.api.paging import PageMeta, PageQuery, page_of
from kc.core.http import pdf_response
from kc.letters.models import Letter

router = Router(auth=TokenAuth("letters"))
ERRORS = REFUSALS


class LetterOut(Schema):
    number: str
    kind: str
    status: str
    subject: str
    customer: str
    account: str | None
    case_number: str
    pages: int
    has_pdf: bool
    created_at: datetime.datetime


class LetterPage(PageMeta):
    items: list[LetterOut]


def letter_out(letter: Letter) -> LetterOut:
    return LetterOut(
        number=letter.number,
        kind=letter.kind,
        status=letter.status,
        subject=letter.subject,
        customer=letter.partner.number,
        account=letter.account.number if letter.account else None,
        case_number=letter.case_number,
        pages=letter.pages,
        has_pdf=bool(letter.pdf),
        created_at=letter.created_at,
    )


@router.get("/briefe/", response={200: LetterPage} | ERRORS, summary="Letters, newest first")
def letters(request: HttpRequest, page: PageQuery, kunde: str = "") -> LetterPage:
    rows = Letter.objects.select_related("partner", "account").order_by("-created_at", "-pk")
    if kunde:
        rows = rows.filter(partner__number=kunde[:20])
    items, meta = page_of(rows, page)
    reads.record_many(request, [(letter, letter.partner_id) for letter in items])
    return LetterPage(items=[letter_out(letter) for letter in items], **meta.dict())


@router.get(
    "/briefe/{number}/pdf",
    response={200: bytes} | ERRORS | {404: ErrorOut},
    summary="The archived PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def letter_pdf(request: HttpRequest, number: str) -> FileResponse:
    letter = get_object_or_404(Letter, number=number)
    if not letter.pdf:
        raise ApiError(404, "no_pdf", _("Zu diesem Brief gibt es kein PDF (er ist angehalten)."))
    try:
        document = letter.pdf.open("rb")
    except OSError as lost:  # the archive lost the file: say so rather than answer 500
        raise ApiError(
            404, "pdf_missing", _("Das PDF dieses Briefs ist im Archiv nicht auffindbar.")
        ) from lost
    reads.record(request, letter, partner_id=letter.partner_id, changes={"pdf": "download"})
    return pdf_response(document, f"{letter.number}.pdf")
