"""Signals are used only as the loose extension points Django offers: sign-in events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from duijie.core.enums import AuditAction
from duijie.core.services import audit_record


@receiver(user_logged_in, dispatch_uid="duijie_audit_sign_in")
def _audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditAction.SIGN_IN, actor=user, target=user, request=request)


@receiver(user_logged_out, dispatch_uid="duijie_audit_sign_out")
def _audit_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.SIGN_OUT, actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="duijie_audit_sign_in_failed")
def _audit_sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "")
    audit_record(action=AuditAction.SIGN_IN_FAILED, actor_email=email, request=request)
