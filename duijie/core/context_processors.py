"""Navigation per role, computed once per request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from duijie.accounts import policies


def navigation(request: HttpRequest) -> dict[str, Any]:
    from duijie.docking.policies import can_use_board

    user = getattr(request, "user", None)
    runs_cases = can_use_board(user)
    items: list[tuple[Any, str]] = [
        (pgettext_lazy("navigation", "Home"), reverse("core:home")),
        (_("Exhibition hall"), reverse("supply:hall")),
        (_("Demands"), reverse("demand:board")),
        (_("Organisations"), reverse("accounts:organisation_list")),
    ]  # the technology fields and the API documentation are linked from every page's footer
    if not runs_cases:
        # Brokers and operators have the case board instead; the directory stays in the footer.
        items.append((_("Brokers"), reverse("docking:brokers")))
    if policies.is_authenticated(user):
        from duijie.accounts.selectors import organisations_administered_by

        # Organisation administrators reach their members page (invitations, requests) directly.
        administered = organisations_administered_by(user=user).only("pk").first()
        if administered is not None:
            items.insert(2, (_("My organisation"), reverse("accounts:organisation_members", args=[administered.pk])))
        from duijie.matching.selectors import is_console_user

        if is_console_user(user):
            items.insert(3, (_("Matching console"), reverse("matching:console")))
        items.insert(2, (_("Case board"), reverse("docking:board")) if runs_cases
                     else (_("My docking"), reverse("docking:inbox")))
    operator_items: list[tuple[Any, str]] = []
    if policies.is_operator(user):
        operator_items = [
            (_("Screening queue"), reverse("supply:screening_queue")),
            (_("Demand screening"), reverse("demand:screening")),
            (_("Users and roles"), reverse("accounts:user_list")),
            (_("Matching index"), reverse("matching:index")),
            (_("Audit log"), reverse("core:audit_log")),
            (_("Back office"), reverse("admin:index")),
        ]
    unread = 0
    if policies.is_authenticated(user):
        from duijie.notifications.selectors import unread_count

        unread = unread_count(user)
    path = request.path
    return {
        "unread_notifications": unread,
        "nav_items": [(label, url, (url != "/" and path.startswith(url)) or path == url) for label, url in items],
        "operator_nav_items": [(label, url, path.startswith(url)) for label, url in operator_items],
        "platform_name": settings.PLATFORM_NAME,
    }
