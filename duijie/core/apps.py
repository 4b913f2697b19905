from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "duijie.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from duijie.core import receivers  # noqa: F401  (connects audit receivers)

