"""Back office for supply: operators curate exhibitions and expert profiles here; achievements are
read here and changed on the site, where their workflow runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from duijie.core.admin import AuditedAdmin
from duijie.core.errors import DomainError
from duijie.supply import services
from duijie.supply.models import Achievement, Exhibition, ExhibitionItem, Expert, ImportJob, ResearchDirection


class CuratedAdmin(AuditedAdmin):
    """Saves through ``services.curated_save`` (validated and audited there)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.curated_save(actor=request.user, obj=obj, changed=list(form.changed_data))
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_change(self, request, obj, message)


class ExhibitionItemInline(admin.TabularInline):
    model = ExhibitionItem
    extra = 3
    autocomplete_fields = ["achievement"]
    fields = ["achievement", "sort_order"]


@admin.register(Exhibition)
class ExhibitionAdmin(CuratedAdmin):
    list_display = ["title", "slug", "starts_on", "ends_on", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [ExhibitionItemInline]


class ResearchDirectionInline(admin.TabularInline):
    model = ResearchDirection
    extra = 1


@admin.register(Expert)
class ExpertAdmin(CuratedAdmin):
    list_display = ["name", "name_en", "title", "organisation", "available_for_consulting", "available_part_time",
                    "is_public"]
    list_filter = ["is_public", "available_for_consulting", "available_part_time"]
    list_select_related = ["organisation"]
    search_fields = ["name", "name_en", "organisation__name"]
    autocomplete_fields = ["organisation", "user", "fields"]
    inlines = [ResearchDirectionInline]


@admin.register(Achievement)
class AchievementAdmin(AuditedAdmin):
    list_display = ["title", "organisation", "status", "trl", "published_at", "view_count"]
    list_filter = ["status", "stage", "price_band", "has_granted_patent"]
    list_select_related = ["organisation"]
    search_fields = ["title", "external_id", "organisation__name"]
    date_hierarchy = "published_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # content and status change on the site, through the achievement workflow

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def view_on_site(self, obj: Achievement) -> str:
        from django.urls import reverse

        return reverse("supply:achievement_detail", args=[obj.pk])

    view_on_site.short_description = _("View in the hall")  # type: ignore[attr-defined]


@admin.register(ImportJob)
class ImportJobAdmin(AuditedAdmin):
    """Read-only: who imported what into which institution, and the outcome. The file itself is not
    offered here (it holds contact details) and is deleted after ``DUIJIE_IMPORT_FILE_DAYS``."""

    list_display = ["original_name", "organisation", "created_by", "status", "dry_run", "total", "created",
                    "updated", "created_at", "finished_at"]
    list_filter = ["status", "dry_run"]
    list_select_related = ["organisation", "created_by"]
    search_fields = ["original_name", "organisation__name", "created_by__email"]
    date_hierarchy = "created_at"
    exclude = ["file"]
    readonly_fields = ["organisation", "created_by", "original_name", "status", "dry_run", "total", "processed",
                       "created", "updated", "report", "error", "created_at", "finished_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
