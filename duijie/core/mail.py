"""E-mail in the recipient's language, sent after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(
    *, to: str, template: str, context: dict[str, Any], language: str | None = None
) -> None:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` in ``language`` and send
    once the current transaction has committed (at once outside a transaction)."""
    lang = language or settings.LANGUAGE_CODE
    ctx = {"site_url": settings.SITE_URL.rstrip("/"), "platform_name": settings.PLATFORM_NAME, **context}

    def _send() -> None:
        with translation.override(lang):
            subject = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())
            body = render_to_string(f"{template}_body.txt", ctx)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])

    transaction.on_commit(_send)
