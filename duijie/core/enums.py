from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Signed out")
    ROLE_CHANGED = "role_changed", _("Platform role changed")
    MEMBERSHIP_ROLE_CHANGED = "membership_role_changed", _("Organisation role changed")
    ADMIN_ADDED = "admin_added", pgettext_lazy("audit", "Back-office: added")
    ADMIN_CHANGED = "admin_changed", pgettext_lazy("audit", "Back-office: changed")
    ADMIN_DELETED = "admin_deleted", pgettext_lazy("audit", "Back-office: deleted")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
