"""django-axes under a translated name in the back office.

Kept out of ``core/apps.py``: a second AppConfig there would stop Django choosing CoreConfig.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class SignInProtectionConfig(AxesAppConfig):
    verbose_name = _("Sign-in protection")
