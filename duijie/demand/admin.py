"""Back office for demands: read here, changed on the site, where the chain and its rules run."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from duijie.core.admin import AuditedAdmin
from duijie.demand.models import Demand, TermsAcceptance


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Demand)
class DemandAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "status", "confidentiality", "source", "deadline", "published_at"]
    list_filter = ["status", "confidentiality", "source"]
    list_select_related = ["organisation"]
    search_fields = ["title", "external_id", "organisation__name"]
    exclude = ["search_text", "public_text"]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    """Who accepted the confidentiality terms of which demand, when and which version."""

    list_display = ["demand", "user", "version", "accepted_at"]
    list_select_related = ["demand", "user"]
    search_fields = ["demand__title", "user__email"]
    date_hierarchy = "accepted_at"
