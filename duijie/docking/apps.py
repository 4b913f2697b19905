from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DockingConfig(AppConfig):
    name = "duijie.docking"
    label = "docking"
    verbose_name = _("Docking")
