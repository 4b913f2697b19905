from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from duijie.core.admin import AuditedAdmin
from duijie.taxonomy import services
from duijie.taxonomy.models import CooperationMode, Industry, Region, TechField, TechnologyReadinessLevel

NAME_FIELDS = ["name_zh_hans", "name_zh_hant", "name_en", "name_ru"]


class ReferenceAdmin(AuditedAdmin):
    search_fields = ["code", *NAME_FIELDS]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.reference_save(actor=request.user, obj=obj, changed=list(form.changed_data))

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        # reference_save already wrote the audit event.
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_change(self, request, obj, message)


@admin.register(TechField)
class TechFieldAdmin(ReferenceAdmin):
    list_display = ["code", *NAME_FIELDS, "parent", "sort_order", "is_active"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_editable = ["sort_order", "is_active"]
    autocomplete_fields = ["parent"]


@admin.register(Industry)
class IndustryAdmin(ReferenceAdmin):
    list_display = ["code", *NAME_FIELDS, "parent", "is_active"]
    list_filter = ["is_active"]
    autocomplete_fields = ["parent"]


@admin.register(TechnologyReadinessLevel)
class TRLAdmin(ReferenceAdmin):
    list_display = ["level", "stage", *NAME_FIELDS]
    search_fields = NAME_FIELDS
    list_filter = ["stage"]


@admin.register(CooperationMode)
class CooperationModeAdmin(ReferenceAdmin):
    list_display = ["code", *NAME_FIELDS, "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ["code", *NAME_FIELDS, "kind", "iso_code", "gbt2260_code", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "iso_code", "gbt2260_code", *NAME_FIELDS]
    autocomplete_fields = ["parent"]
