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


from duijie.demand.models import Application, Challenge  # noqa: E402


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    """Challenges run on the site (stages, panel, objections); read here."""

    list_display = ["demand", "stage", "bounty", "currency", "opens_at", "closes_at", "winner"]
    list_filter = ["stage"]
    list_select_related = ["demand", "winner__organisation"]
    search_fields = ["demand__title", "demand__organisation__name"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["challenge", "organisation", "status", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["challenge__demand", "organisation"]
    search_fields = ["organisation__name", "challenge__demand__title"]
