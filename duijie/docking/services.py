"""Docking requests. For now: record a request about an achievement and tell the operators."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duijie.accounts.models import User
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.mail import send_templated_mail
from duijie.docking.models import DockingRequest
from duijie.supply import policies as supply_policies
from duijie.supply.models import Achievement
from duijie.taxonomy.models import CooperationMode


@transaction.atomic
def docking_request_create(
    *, requester: User, achievement: Achievement, message: str, cooperation_mode: CooperationMode | None = None
) -> DockingRequest:
    """Side effects: an e-mail to every operator, in their language."""
    if not supply_policies.can_request_docking(requester, achievement):
        raise PermissionDenied(_("You cannot request docking for this achievement."))
    message = message.strip()
    if len(message) < 10:
        raise DomainError(_("Tell the team in a sentence or two what you are looking for."), code="validation_error",
                          fields={"message": [str(_("Write at least 10 characters."))]})
    if DockingRequest.objects.filter(requester=requester, achievement=achievement, status="requested").exists():
        raise DomainError(_("You have already asked to make contact about this achievement; the operators will answer."),
                          code="duplicate_request")
    organisation = requester.memberships.select_related("organisation").first()
    docking_request = DockingRequest.objects.create(
        requester=requester, requester_organisation=organisation.organisation if organisation else None,
        achievement=achievement, cooperation_mode=cooperation_mode, message=message[:2000],
    )
    for operator in User.objects.filter(platform_role="operator", is_active=True):
        send_templated_mail(
            to=operator.email, template="docking/email/requested",
            context={"request": docking_request, "achievement": achievement,
                     "path": reverse("admin:docking_dockingrequest_change", args=[docking_request.pk])},
            language=operator.preferred_language,
        )
    return docking_request
