from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from duijie.accounts import services
from duijie.accounts.enums import OrganisationStatus, PlatformRole
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.core.admin import AuditedAdmin
from duijie.core.errors import DomainError


class MembershipInline(admin.TabularInline):
    """Shown for reference. Members join by invitation or request; roles change on the
    organisation's members page, whose services keep at least one administrator."""

    model = Membership
    extra = 0
    fields = ["user", "organisation", "role", "joined_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _service_action(name: str, label: Any, call: Any, subject: str):  # type: ignore[no-untyped-def]
    def action(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            try:
                call(actor=request.user, **{subject: obj})
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    action.__name__ = name
    action.short_description = label  # type: ignore[attr-defined]
    return action


def _role_action(role: str, label: Any):  # type: ignore[no-untyped-def]
    return _service_action(
        f"set_role_{role or 'none'}", label,
        lambda **kw: services.user_set_platform_role(role=role, **kw), "user",
    )


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "platform_role", "email_verified_at", "is_active", "date_joined"]
    list_filter = ["platform_role", "is_active", "is_staff", "preferred_language"]
    search_fields = ["email", "full_name", "phone"]
    # The platform role changes only through the actions below, so that it is audited.
    readonly_fields = ["platform_role", "is_staff", "is_superuser", "last_login", "date_joined"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal information"), {"fields": ("full_name", "job_title", "phone", "preferred_language")}),
        (_("Platform"), {"fields": ("platform_role", "email_verified_at", "is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            # A new account from the add form: the password form already validated it.
            super().save_model(request, obj, form, change)
            return
        try:
            services.user_update_by_operator(actor=request.user, user=obj, changed=list(form.changed_data))
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        # user_update_by_operator wrote the audit event.
        return admin.ModelAdmin.log_change(self, request, obj, message)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # The form saved a new password: record who set it for whom.
            services.user_record_password_set_by_operator(actor=request.user, user_id=int(id))
        return response

    actions = [
        _role_action(PlatformRole.OPERATOR, _("Make operator")),
        _role_action(PlatformRole.BROKER, _("Make technology broker")),
        _role_action(PlatformRole.COMMISSIONER, _("Make technology commissioner")),
        _role_action(PlatformRole.NONE, _("Remove platform role")),
    ]


def _organisation_action(name: str, label: Any, call: Any):  # type: ignore[no-untyped-def]
    return _service_action(name, label, call, "organisation")


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    """Organisations are created by their people on the site; operators correct details here,
    and verify or suspend them with the actions (each through its service, audited)."""

    list_display = ["name", "name_en", "kind", "country", "region", "uscc", "is_verified", "status"]
    list_select_related = ["country", "region"]
    list_filter = ["kind", "is_verified", "status", ("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_en", "uscc", "registration_number"]
    autocomplete_fields = ["country", "region"]
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["is_verified", "status", "created_by", "created_at", "updated_at"]
    actions = [
        _organisation_action("mark_verified", _("Mark as verified"),
                             lambda **kw: services.organisation_set_verified(verified=True, **kw)),
        _organisation_action("mark_unverified", _("Withdraw verification"),
                             lambda **kw: services.organisation_set_verified(verified=False, **kw)),
        _organisation_action("suspend", _("Suspend"),
                             lambda **kw: services.organisation_set_status(status=OrganisationStatus.SUSPENDED, **kw)),
        _organisation_action("reactivate", _("Reactivate"),
                             lambda **kw: services.organisation_set_status(status=OrganisationStatus.ACTIVE, **kw)),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # suspend instead: other records will point at organisations

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.ORGANISATION_EDITABLE_FIELDS}
        original = Organisation.objects.get(pk=obj.pk)
        try:
            services.organisation_update(actor=request.user, organisation=original, **data)
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    """Read and remove; removal goes through the service, which keeps one administrator."""

    list_display = ["user", "organisation", "role", "joined_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    readonly_fields = ["user", "organisation", "role", "joined_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # membership_remove audits each removal it actually makes.
        return admin.ModelAdmin.log_deletions(self, request, queryset)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            services.membership_remove(actor=request.user, membership=obj)
        except DomainError as exc:
            self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset:
            try:
                services.membership_remove(actor=request.user, membership=membership)
            except DomainError as exc:
                self.message_user(request, f"{membership}: {exc.message}", messages.ERROR)


class ReadOnlyAdmin(AuditedAdmin):
    """Records that change only through their workflow; the back office reads them and acts
    through the actions below, each calling its service."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False




@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "email", "role", "created_by", "expires_at", "use_count", "max_uses", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["organisation__name", "email"]
    exclude = ["token_hash"]
    actions = [_service_action("revoke", _("Revoke"), services.invitation_revoke, "invitation")]


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "organisation__name"]
    actions = [
        _service_action("approve", _("Approve"),
                        lambda **kw: services.join_request_decide(approve=True, **kw), "join_request"),
        _service_action("decline", _("Decline"),
                        lambda **kw: services.join_request_decide(approve=False, **kw), "join_request"),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "name", "prefix"]
    exclude = ["token_hash"]
    actions = [_service_action("revoke", _("Revoke"), services.api_token_revoke, "token")]
