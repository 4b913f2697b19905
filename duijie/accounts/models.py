from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duijie.accounts.enums import (
    BROKER_ROLES,
    JoinRequestStatus,
    MembershipRole,
    OrganisationStatus,
    OrganisationType,
    PlatformRole,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True, platform_role=PlatformRole.OPERATOR)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    platform_role = models.CharField(
        _("platform role"), max_length=20, choices=PlatformRole.choices, default=PlatformRole.NONE, blank=True
    )
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("back-office access"), default=False, help_text=_("May sign in to the back office.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self) -> None:
        super().clean()
        # Addresses are stored lower-case: sign-in looks them up that way.
        self.email = (self.email or "").strip().lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name or self.email

    # Operators run the back office: every model permission, whatever the per-model grants say.
    def has_perm(self, perm: str, obj: object = None) -> bool:
        if self.is_active and self.platform_role == PlatformRole.OPERATOR:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.platform_role == PlatformRole.OPERATOR:
            return True
        return super().has_module_perms(app_label)

    @property
    def is_operator(self) -> bool:
        return bool(self.is_active and (self.platform_role == PlatformRole.OPERATOR or self.is_superuser))

    @property
    def is_broker(self) -> bool:
        return bool(self.is_active and self.platform_role in BROKER_ROLES)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=OrganisationType.choices)
    country = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("country or territory"), on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"kind": "country"},
    )
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrganisationStatus.choices, default=OrganisationStatus.ACTIVE
    )
    is_verified = models.BooleanField(_("verified by the platform"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="accounts_organisation_uscc_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude: Any = None) -> None:
        from duijie.accounts.validators import normalise_uscc

        # Before the length check: a code typed with spaces or hyphens, as printed on a licence, fits.
        self.uscc = normalise_uscc(self.uscc)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from duijie.accounts.validators import normalise_uscc, validate_uscc

        self.uscc = normalise_uscc(self.uscc)
        self.registration_number = (self.registration_number or "").strip()
        errors: dict[str, list[ValidationError]] = {}
        is_chinese = self.country_id is not None and self.country.code == "CN"
        if is_chinese:
            if not self.uscc:
                errors["uscc"] = [ValidationError(
                    _("Organisations registered in China need their unified social credit code."), code="required"
                )]
            else:
                try:
                    validate_uscc(self.uscc)
                except ValidationError as exc:
                    errors["uscc"] = [exc]
                else:
                    # Checked here, on the field, so that the conditional unique constraint
                    # does not answer with its generic, field-less message.
                    if Organisation.objects.filter(uscc=self.uscc).exclude(pk=self.pk).exists():
                        errors["uscc"] = [ValidationError(
                            _("An organisation with this unified social credit code is already registered."),
                            code="duplicate_uscc",
                        )]
        elif self.uscc:
            errors["uscc"] = [ValidationError(
                _("The unified social credit code is only for organisations registered in China; "
                  "use the registration number instead."), code="not_chinese"
            )]
        if self.region_id is not None and self.country_id is not None:
            node = self.region
            while node is not None and node.pk != self.country_id:
                node = node.parent
            if node is None:
                errors["region"] = [ValidationError(
                    _("This region is not in the chosen country."), code="region_country"
                )]
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        lang = get_language() or ""
        if self.name_en and not lang.startswith("zh"):
            return self.name_en
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="accounts_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """An invitation link to join an organisation; only a hash of its token is stored."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("invited e-mail"), blank=True, help_text=_("Leave empty for a shareable link."))
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.email or '-'}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.use_count < self.max_uses and self.expires_at > timezone.now()


class JoinRequest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message"), blank=True, max_length=1000)
    status = models.CharField(
        _("status"), max_length=20, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(status="pending"),
                name="accounts_joinrequest_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"


class ApiToken(models.Model):
    """A personal API token. The secret is shown once; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
