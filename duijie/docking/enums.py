from django.db import models
from django.utils.translation import pgettext_lazy


class DockingRequestStatus(models.TextChoices):
    """The docking workflow (accept, decline, cases) is built by the docking issue on this model."""

    REQUESTED = "requested", pgettext_lazy("docking request status", "Requested")
