from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from duijie.accounts import policies
from duijie.notifications.models import Notification


def notifications_for(user: Any) -> QuerySet[Notification]:
    if not policies.is_authenticated(user):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user: Any) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()
