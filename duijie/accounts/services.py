"""Every write to users, organisations, memberships, invitations, join requests and API tokens.

Each service checks permission first, validates, writes, records what the audit log needs,
and queues e-mail with ``transaction.on_commit``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies
from duijie.accounts.enums import JoinRequestStatus, MembershipRole, OrganisationStatus, PlatformRole
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.accounts.tokens import email_verification_token, encode_uid, hash_secret, new_secret
from duijie.core.enums import AuditAction
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.mail import send_templated_mail
from duijie.core.services import audit_record

API_TOKEN_PREFIX = "dj_"
INVITATION_DAYS_DEFAULT = 14
ORGANISATION_EDITABLE_FIELDS = (
    "name", "name_en", "kind", "country", "region", "uscc", "registration_number", "website", "description",
)


def _validation_to_domain(exc: ValidationError) -> DomainError:
    fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
    message = exc.messages[0] if exc.messages else _("The data is not valid.")
    return DomainError(message, code="validation_error", fields=fields)


def _full_clean(obj: Any, **kwargs: Any) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise _validation_to_domain(exc) from exc


# --- Users -------------------------------------------------------------------------


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str, preferred_language: str = "zh-hans") -> User:
    """Create an account and send the verification e-mail.

    Side effects: verification e-mail in the user's language.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            _("An account with this e-mail address already exists. Sign in or reset your password."),
            code="email_taken",
            fields={"email": [str(_("This e-mail address is already registered."))]},
        )
    user = User(email=email, full_name=full_name.strip(), preferred_language=preferred_language)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="weak_password", fields={"password": exc.messages}) from exc
    user.set_password(password)
    _full_clean(user, exclude=["password"])
    user.save()
    user_send_verification(user=user)
    return user


def user_send_verification(*, user: User) -> None:
    """Send (again) the e-mail verification link. Side effects: one e-mail."""
    if user.email_verified:
        return
    path = reverse(
        "accounts:verify_email",
        kwargs={"uidb64": encode_uid(user.pk), "token": email_verification_token.make_token(user)},
    )
    send_templated_mail(
        to=user.email, template="accounts/email/verify", context={"user": user, "path": path},
        language=user.preferred_language,
    )


@transaction.atomic
def user_verify_email(*, user: User, token: str) -> User:
    if user.email_verified:
        return user
    if not email_verification_token.check_token(user, token):
        raise DomainError(
            _("This verification link is invalid or has expired. Ask for a new one from your profile."),
            code="invalid_token",
        )
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic
def user_update_profile(
    *, actor: User, user: User, full_name: str, phone: str = "", job_title: str = "",
    preferred_language: str | None = None,
) -> User:
    if actor.pk != user.pk and not policies.is_operator(actor):
        raise PermissionDenied()
    user.full_name = full_name.strip()
    user.phone = phone.strip()
    user.job_title = job_title.strip()
    if preferred_language:
        user.preferred_language = preferred_language
    _full_clean(user, exclude=["password"])
    user.save(update_fields=["full_name", "phone", "job_title", "preferred_language"])
    return user


USER_OPERATOR_EDITABLE_FIELDS = (
    "email", "full_name", "phone", "job_title", "preferred_language", "is_active", "email_verified_at",
)


@transaction.atomic
def user_update_by_operator(*, actor: User, user: User, changed: list[str]) -> User:
    """Save an operator's back-office edit of an account (fields already set on ``user``).

    Platform roles, staff and superuser flags change only through their own services.
    Side effects: audit event ``admin_changed`` naming the fields.
    """
    if not policies.is_operator(actor):
        raise PermissionDenied()
    fields = [name for name in changed if name in USER_OPERATOR_EDITABLE_FIELDS]
    refused = sorted(set(changed) - set(fields))
    if refused:
        raise DomainError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(refused)},
                          code="readonly_fields")
    if "is_active" in fields and user.pk == actor.pk and not user.is_active:
        raise DomainError(_("You cannot deactivate your own account."), code="self_deactivation")
    user.email = user.email.strip().lower()
    if "email" in fields and "email_verified_at" not in fields:
        # A new address has not been proven yet.
        user.email_verified_at = None
        fields.append("email_verified_at")
    _full_clean(user, exclude=["password"])
    if fields:
        user.save(update_fields=fields)
        audit_record(action=AuditAction.ADMIN_CHANGED, actor=actor, target=user, detail={"fields": fields})
    return user


def user_record_password_set_by_operator(*, actor: User, user_id: int) -> None:
    """Audit an operator's back-office password reset (Django's admin form saved it).

    Side effects: audit event ``password_changed`` with ``by_operator``; the user's API tokens are
    revoked, since whoever set the password may not be the person who made them.
    """
    if not policies.is_operator(actor):
        raise PermissionDenied()
    user = User.objects.get(pk=user_id)
    audit_record(action=AuditAction.PASSWORD_CHANGED, actor=actor, target=user, detail={"by_operator": True})
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def user_set_platform_role(*, actor: User, user: User, role: str) -> User:
    """Grant or withdraw a platform role. Side effects: audit event ``role_changed``;
    operators also get back-office access."""
    if not policies.can_set_platform_role(actor):
        raise PermissionDenied()
    if role not in PlatformRole.values:
        raise DomainError(_("Unknown platform role."), code="invalid_role", fields={"role": [str(_("Unknown platform role."))]})
    if user.pk == actor.pk and role != PlatformRole.OPERATOR:
        raise DomainError(_("You cannot remove your own operator role."), code="self_demotion")
    old = user.platform_role
    if old == role:
        return user
    user.platform_role = role
    user.is_staff = role == PlatformRole.OPERATOR or user.is_superuser
    user.save(update_fields=["platform_role", "is_staff"])
    audit_record(action=AuditAction.ROLE_CHANGED, actor=actor, target=user, detail={"from": old, "to": role})
    return user


# --- Organisations -------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, actor: User, **data: Any) -> Organisation:
    """Create an organisation; its creator becomes its administrator."""
    if not policies.can_create_organisation(actor):
        raise PermissionDenied(_("Verify your e-mail address before creating an organisation."))
    unknown = set(data) - set(ORGANISATION_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_fields")
    organisation = Organisation(created_by=actor, **data)
    _full_clean(organisation)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        raise DomainError(
            _("An organisation with this unified social credit code is already registered."),
            code="duplicate_uscc", fields={"uscc": [str(_("Already registered."))]},
        ) from exc
    membership = Membership.objects.create(user=actor, organisation=organisation, role=MembershipRole.ADMIN)
    _audit_joined(actor=actor, membership=membership, how="created")
    return organisation


@transaction.atomic
def organisation_update(*, actor: User, organisation: Organisation, **data: Any) -> Organisation:
    if not policies.can_edit_organisation(actor, organisation):
        raise PermissionDenied()
    unknown = set(data) - set(ORGANISATION_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_fields")
    for key, value in data.items():
        setattr(organisation, key, value)
    _full_clean(organisation, validate_unique=True)
    organisation.save()
    return organisation


@transaction.atomic
def organisation_set_verified(*, actor: User, organisation: Organisation, verified: bool = True) -> Organisation:
    """Mark an organisation as checked by the platform (operators). Side effects: an audit event."""
    if not policies.is_operator(actor):
        raise PermissionDenied()
    if organisation.is_verified != verified:
        organisation.is_verified = verified
        organisation.save(update_fields=["is_verified", "updated_at"])
        audit_record(action=AuditAction.ADMIN_CHANGED, actor=actor, target=organisation,
                     detail={"is_verified": verified})
    return organisation


@transaction.atomic
def organisation_set_status(*, actor: User, organisation: Organisation, status: str) -> Organisation:
    """Suspend or reactivate an organisation (operators). A suspended organisation is hidden from
    everyone but its members and operators. Side effects: an audit event."""
    if not policies.is_operator(actor):
        raise PermissionDenied()
    if status not in OrganisationStatus.values:
        raise DomainError(_("Unknown organisation status."), code="invalid_status")
    old = organisation.status
    if old != status:
        organisation.status = status
        organisation.save(update_fields=["status", "updated_at"])
        audit_record(action=AuditAction.ADMIN_CHANGED, actor=actor, target=organisation,
                     detail={"status": {"from": old, "to": status}})
    return organisation


@transaction.atomic
def membership_add(*, actor: User, organisation: Organisation, user: User, role: str = MembershipRole.MEMBER) -> Membership:
    """Operators enrol an existing user directly (members normally join by invitation or request).

    Side effects: audit event ``membership_role_changed`` (from none to the role).
    """
    if not policies.is_operator(actor):
        raise PermissionDenied()
    if role not in MembershipRole.values:
        raise DomainError(_("Unknown organisation role."), code="invalid_role")
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise DomainError(_("This person is already a member of the organisation."), code="already_member")
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit_record(action=AuditAction.MEMBERSHIP_ROLE_CHANGED, actor=actor, target=membership,
                 detail={"from": None, "to": role, "organisation": organisation.pk})
    return membership


def _audit_joined(*, actor: User, membership: Membership, how: str) -> None:
    audit_record(
        action=AuditAction.MEMBERSHIP_ROLE_CHANGED, actor=actor, target=membership,
        detail={"from": None, "to": membership.role, "organisation": membership.organisation_id, "how": how},
    )


def _admins_left_after(membership: Membership) -> int:
    return (
        membership.organisation.memberships.filter(role=MembershipRole.ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Side effects: audit event ``membership_role_changed``."""
    if not policies.can_manage_members(actor, membership.organisation):
        raise PermissionDenied()
    if role not in MembershipRole.values:
        raise DomainError(_("Unknown organisation role."), code="invalid_role")
    if membership.role == role:
        return membership
    if membership.role == MembershipRole.ADMIN and _admins_left_after(membership) == 0:
        raise DomainError(_("An organisation needs at least one administrator."), code="last_admin")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action=AuditAction.MEMBERSHIP_ROLE_CHANGED, actor=actor, target=membership,
        detail={"from": old, "to": role, "organisation": membership.organisation_id},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a member; members may leave themselves. The last administrator cannot go."""
    if actor.pk != membership.user_id and not policies.can_manage_members(actor, membership.organisation):
        raise PermissionDenied()
    if membership.role == MembershipRole.ADMIN and _admins_left_after(membership) == 0:
        raise DomainError(_("An organisation needs at least one administrator."), code="last_admin")
    audit_record(
        action=AuditAction.MEMBERSHIP_ROLE_CHANGED, actor=actor, target=membership,
        detail={"from": membership.role, "to": None, "organisation": membership.organisation_id},
    )
    membership.delete()


# --- Invitations ------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, actor: User, organisation: Organisation, email: str = "", role: str = MembershipRole.MEMBER,
    days: int = INVITATION_DAYS_DEFAULT, max_uses: int = 1,
) -> tuple[Invitation, str]:
    """Create an invitation link. Returns the invitation and its raw token (shown once).

    Side effects: an e-mail to ``email`` when one is given.
    """
    if not policies.can_manage_members(actor, organisation):
        raise PermissionDenied()
    if role not in MembershipRole.values:
        raise DomainError(_("Unknown organisation role."), code="invalid_role")
    if not 1 <= days <= 90:
        raise DomainError(_("An invitation is valid for 1 to 90 days."), code="invalid_days")
    if not 1 <= max_uses <= 500:
        raise DomainError(_("An invitation can be used 1 to 500 times."), code="invalid_max_uses")
    raw = new_secret()
    invitation = Invitation(
        organisation=organisation, email=email.strip().lower(), role=role, token_hash=hash_secret(raw),
        created_by=actor, expires_at=timezone.now() + timedelta(days=days), max_uses=1 if email else max_uses,
    )
    _full_clean(invitation, exclude=["token_hash"])
    invitation.save()
    if invitation.email:
        existing = User.objects.filter(email__iexact=invitation.email).first()
        send_templated_mail(
            to=invitation.email, template="accounts/email/invitation",
            context={"organisation": organisation, "inviter": actor,
                     "path": reverse("accounts:invitation_accept", kwargs={"token": raw})},
            language=existing.preferred_language if existing else actor.preferred_language,
        )
    return invitation, raw


def invitation_find(*, raw_token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation").filter(token_hash=hash_secret(raw_token)).first()


@transaction.atomic
def invitation_accept(*, user: User, raw_token: str) -> Membership:
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation")
        .filter(token_hash=hash_secret(raw_token)).first()
    )
    if invitation is None or not invitation.is_usable:
        raise DomainError(_("This invitation link is invalid, used up or expired."), code="invalid_invitation")
    if invitation.email and invitation.email.lower() != user.email.lower():
        raise DomainError(
            _("This invitation was sent to another e-mail address. Sign in with that address to accept it."),
            code="invitation_email_mismatch",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    if not created:
        raise DomainError(_("You are already a member of this organisation."), code="already_member")
    _audit_joined(actor=user, membership=membership, how="invitation")
    invitation.use_count += 1
    invitation.save(update_fields=["use_count"])
    # Accepting an invitation sent to this address proves the address.
    if invitation.email and not user.email_verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    JoinRequest.objects.filter(
        user=user, organisation=invitation.organisation, status=JoinRequestStatus.PENDING
    ).update(status=JoinRequestStatus.APPROVED, decided_at=timezone.now(), decided_by=invitation.created_by)
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    if not policies.can_manage_members(actor, invitation.organisation):
        raise PermissionDenied()
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


# --- Join requests -------------------------------------------------------------------------


@transaction.atomic
def join_request_create(*, user: User, organisation: Organisation, message: str = "") -> JoinRequest:
    """Ask to join. Side effects: an e-mail to each administrator of the organisation."""
    if not policies.can_request_to_join(user, organisation):
        raise DomainError(_("You are already a member of this organisation."), code="already_member")
    if JoinRequest.objects.filter(user=user, organisation=organisation, status=JoinRequestStatus.PENDING).exists():
        raise DomainError(_("You have already asked to join; the administrators will answer."), code="duplicate_request")
    join_request = JoinRequest(user=user, organisation=organisation, message=message.strip())
    _full_clean(join_request)
    join_request.save()
    from duijie.accounts.selectors import organisation_admins

    for admin in organisation_admins(organisation=organisation):
        send_templated_mail(
            to=admin.email, template="accounts/email/join_request",
            context={"organisation": organisation, "requester": user, "message": join_request.message,
                     "path": reverse("accounts:organisation_members", kwargs={"pk": organisation.pk})},
            language=admin.preferred_language,
        )
    return join_request


@transaction.atomic
def join_request_decide(*, actor: User, join_request: JoinRequest, approve: bool) -> JoinRequest:
    """Approve (creates the membership) or decline. Side effects: an e-mail to the requester."""
    join_request = JoinRequest.objects.select_for_update().select_related("organisation", "user").get(pk=join_request.pk)
    if not policies.can_manage_members(actor, join_request.organisation):
        raise PermissionDenied()
    if join_request.status != JoinRequestStatus.PENDING:
        raise DomainError(_("This request has already been answered."), code="not_pending")
    join_request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DECLINED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        membership, created = Membership.objects.get_or_create(
            user=join_request.user, organisation=join_request.organisation, defaults={"role": MembershipRole.MEMBER}
        )
        if created:
            _audit_joined(actor=actor, membership=membership, how="join_request")
    send_templated_mail(
        to=join_request.user.email, template="accounts/email/join_decided",
        context={"organisation": join_request.organisation, "approved": approve,
                 "path": reverse("accounts:organisation_detail", kwargs={"pk": join_request.organisation_id})},
        language=join_request.user.preferred_language,
    )
    return join_request


@transaction.atomic
def join_request_cancel(*, user: User, join_request: JoinRequest) -> JoinRequest:
    if join_request.user_id != user.pk:
        raise PermissionDenied()
    if join_request.status != JoinRequestStatus.PENDING:
        raise DomainError(_("This request has already been answered."), code="not_pending")
    join_request.status = JoinRequestStatus.CANCELLED
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    return join_request


# --- API tokens --------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token. Returns it with its secret, which is never shown again.

    Side effects: audit event ``token_created``.
    """
    if not policies.is_authenticated(actor):
        raise PermissionDenied()
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), code="name_required", fields={"name": [str(_("This field is required."))]})
    if actor.api_tokens.filter(revoked_at__isnull=True).count() >= 20:
        raise DomainError(_("You have 20 active tokens; revoke one first."), code="too_many_tokens")
    raw = new_secret(API_TOKEN_PREFIX)
    token = ApiToken(user=actor, name=name[:100], prefix=raw[: len(API_TOKEN_PREFIX) + 6], token_hash=hash_secret(raw))
    token.save()
    audit_record(action=AuditAction.TOKEN_CREATED, actor=actor, target=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not policies.is_operator(actor):
        raise PermissionDenied()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action=AuditAction.TOKEN_REVOKED, actor=actor, target=token)
    return token


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user behind a raw token, or None. Records the time of use (at most once a minute)."""
    if not raw or not raw.startswith(API_TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
