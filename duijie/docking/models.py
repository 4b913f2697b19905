from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from duijie.docking.enums import DockingRequestStatus


class DockingRequest(models.Model):
    """A request to make contact about an achievement (later also experts, demands, challenges)."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE,
                                  related_name="docking_requests")
    requester_organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("on behalf of"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    achievement = models.ForeignKey("supply.Achievement", verbose_name=_("achievement"), null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="docking_requests")
    cooperation_mode = models.ForeignKey("taxonomy.CooperationMode", verbose_name=_("cooperation wanted"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=DockingRequestStatus.choices,
                              default=DockingRequestStatus.REQUESTED)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("docking request")
        verbose_name_plural = _("docking requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.requester} → {self.achievement}"
