"""Back office for matching: what was shown, opened and judged, and the models trained from it (read only:
the site and ``duijie match train`` write them)."""

from __future__ import annotations

from django.contrib import admin

from duijie.demand.admin import ReadOnlyAdmin
from duijie.matching.models import Feedback, Impression, RankingModel


@admin.register(Impression)
class ImpressionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "surface", "demand", "achievement", "expert", "rank", "score",
                    "model_version", "clicked_at"]
    list_filter = ["surface", "model_version"]
    list_select_related = ["user", "demand", "achievement", "expert"]
    date_hierarchy = "created_at"


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["updated_at", "user", "surface", "demand", "achievement", "expert", "verdict", "reason"]
    list_filter = ["verdict", "surface"]
    list_select_related = ["user", "demand", "achievement", "expert"]
    search_fields = ["reason", "demand__title", "achievement__title", "expert__name"]


@admin.register(RankingModel)
class RankingModelAdmin(ReadOnlyAdmin):
    list_display = ["version", "created_at", "rows", "auc_before", "auc_after", "active"]
