"""``notify``: one call writes the in-app notification and sends the e-mail, both in the recipient's
language, from the same two templates (``<template>_subject.txt``, ``<template>_body.txt``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from duijie.accounts.models import User
from duijie.core.mail import send_templated_mail
from duijie.notifications.models import Notification


def notify(*, recipient: User, template: str, context: dict[str, Any], path: str = "", email: bool = True
           ) -> Notification:
    """``path`` is the page to act on (it goes into the e-mail as ``path`` and is the in-app link)."""
    ctx = {"site_url": settings.SITE_URL.rstrip("/"), "platform_name": settings.PLATFORM_NAME, "path": path,
           "recipient": recipient, **context}
    with translation.override(recipient.preferred_language or settings.LANGUAGE_CODE):
        title = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())[:300]
        body = render_to_string(f"{template}_body.txt", ctx).strip()
    notification = Notification.objects.create(recipient=recipient, kind=template[:60], title=title, body=body,
                                               url=path)
    if email and recipient.email:
        send_templated_mail(to=recipient.email, template=template, context=ctx,
                            language=recipient.preferred_language)
    return notification


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Marks the user's own notifications read (all of them when ``ids`` is None); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
