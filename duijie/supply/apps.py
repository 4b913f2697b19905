from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "duijie.supply"
    label = "supply"
    verbose_name = _("Technology supply")
