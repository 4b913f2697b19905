"""In-app notifications over the API: my notifications, newest first, and marking them read."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at import.
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from duijie.core.api import AUTH_REQUIRED, ErrorOut, PagePagination
from duijie.notifications import selectors, services

router = Router(tags=["notifications"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class ReadIn(Schema):
    ids: list[int] | None = None


class ReadOut(Schema):
    marked: int
    unread: int


@router.get("/notifications", response={200: list[NotificationOut], **ERRORS}, auth=AUTH_REQUIRED, summary="My notifications")
@paginate(PagePagination)
def notification_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    return selectors.notifications_for(request.user)


@router.post("/notifications/read", response={200: ReadOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Mark my notifications read (these ids, or all when none are given)")
def notification_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    marked = services.notifications_mark_read(user=request.user, ids=payload.ids)  # type: ignore[arg-type]
    return {"marked": marked, "unread": selectors.unread_count(request.user)}
