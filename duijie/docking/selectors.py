"""Reads of docking requests: requesters see their own, operators all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from duijie.accounts import policies
from duijie.docking.models import DockingRequest


def docking_requests_visible_to(user: Any) -> QuerySet[DockingRequest]:
    if policies.is_operator(user):
        return DockingRequest.objects.select_related("requester", "achievement")
    if not policies.is_authenticated(user):
        return DockingRequest.objects.none()
    return DockingRequest.objects.filter(requester=user).select_related("achievement")


def has_open_request(*, user: Any, achievement: Any) -> bool:
    return docking_requests_visible_to(user).filter(achievement=achievement, status="requested").exists()
