from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duijie.accounts import policies, selectors, services
from duijie.accounts.enums import OrganisationType, PlatformRole
from duijie.accounts.forms import (
    ApiTokenForm,
    InvitationForm,
    JoinRequestForm,
    LocalisedPasswordResetForm,
    MembershipRoleForm,
    OrganisationForm,
    PlatformRoleForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership
from duijie.accounts.tokens import decode_uid
from duijie.core.errors import DomainError
from duijie.core.pagination import paginate, query_without_page
from duijie.core.ratelimit import limit_posts
from duijie.core.views import permission_denied
from duijie.core.web import call_service
from duijie.taxonomy.selectors import countries


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("core:home")


@limit_posts("sign_up", per_hour=10)
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None, initial={"preferred_language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        user = call_service(
            request, services.user_register, form=form,
            email=form.cleaned_data["email"], password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"], preferred_language=form.cleaned_data["preferred_language"],
        )
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! We sent a verification link to %(email)s.") % {"email": user.email})
            return redirect("accounts:profile")
    return render(request, "accounts/signup.html", {"form": form})


def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    pk = decode_uid(uidb64)
    user = get_user_model().objects.filter(pk=pk).first() if pk else None
    if user is None:
        messages.error(request, _("This verification link is invalid or has expired. Ask for a new one from your profile."))
        return redirect("core:home")
    if call_service(request, services.user_verify_email, user=user, token=token) is not None:
        messages.success(request, _("Your e-mail address is verified."))
    return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
@limit_posts("resend_verification", per_hour=5)
def resend_verification(request: HttpRequest) -> HttpResponse:
    services.user_send_verification(user=request.user)
    messages.success(request, _("We sent a new verification link to %(email)s.") % {"email": request.user.email})
    return redirect("accounts:profile")


@method_decorator(limit_posts("password_reset", per_hour=10), name="dispatch")
class PasswordReset(auth_views.PasswordResetView):
    form_class = LocalisedPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        from duijie.core.enums import AuditAction
        from duijie.core.services import audit_record

        response = super().form_valid(form)
        audit_record(action=AuditAction.PASSWORD_CHANGED, actor=self.request.user, target=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": user.full_name, "job_title": user.job_title, "phone": user.phone,
                 "preferred_language": user.preferred_language},
    )
    if request.method == "POST" and form.is_valid() and call_service(
        request, services.user_update_profile, form=form, actor=user, user=user, **form.cleaned_data
    ):
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        # The interface follows the language just chosen.
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["preferred_language"], samesite="Lax")
        return response
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "token_form": ApiTokenForm(),
            "memberships": selectors.user_memberships(user=user),
            "tokens": selectors.user_api_tokens(user=user),
            "join_requests": selectors.user_join_requests(user=user),
            "new_token": request.session.pop("new_api_token", None),
        },
    )


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        created = call_service(request, services.api_token_create, actor=request.user, name=form.cleaned_data["name"])
        if created is not None:
            # Shown once on the next page, then forgotten.
            request.session["new_api_token"] = created[1]
            messages.success(request, _("Token created. Copy it now: it will not be shown again."))
    else:
        messages.error(request, _("Give the token a name."))
    return redirect(reverse("accounts:profile") + "#tokens")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect(reverse("accounts:profile") + "#tokens")


@login_required
@require_POST
def join_request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    join_request = get_object_or_404(JoinRequest, pk=pk, user=request.user)
    if call_service(request, services.join_request_cancel, user=request.user, join_request=join_request):
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("accounts:profile")


# --- Organisations ------------------------------------------------------------------------


def organisation_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "")
    qs = selectors.organisation_list(user=request.user, query=query, kind=kind, country=country)
    return render(
        request,
        "accounts/organisation_list.html",
        {"page": paginate(request, qs), "q": query, "kind": kind, "country": country,
         "kinds": OrganisationType.choices, "countries": countries().filter(code__in=["CN", "GB", "RU"]),
         "querystring": query_without_page(request)},
    )


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation(request, pk)
    user = request.user
    members = selectors.organisation_members(user=user, organisation=organisation)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "members": members,
            "can_edit": policies.can_edit_organisation(user, organisation),
            "can_manage": policies.can_manage_members(user, organisation),
            "can_join": policies.can_request_to_join(user, organisation),
            "is_member": policies.is_org_member(user, organisation),
            "pending_request": selectors.user_has_pending_join_request(user=user, organisation=organisation),
            "join_form": JoinRequestForm(),
        },
    )


def _get_organisation(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    from django.http import Http404

    try:
        return selectors.organisation_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    if not policies.can_create_organisation(request.user):
        messages.error(request, _("Verify your e-mail address before creating an organisation."))
        return redirect("accounts:profile")
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        organisation = call_service(request, services.organisation_create, form=form, actor=request.user, **data)
        if organisation is not None:
            messages.success(request, _("Organisation created. You are its administrator."))
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "creating": True})


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation(request, pk)
    if not policies.can_edit_organisation(request.user, organisation):
        return permission_denied(request)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        organisation.refresh_from_db()
        if call_service(request, services.organisation_update, form=form, actor=request.user,
                        organisation=organisation, **data):
            messages.success(request, _("Organisation saved."))
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
def organisation_members(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation(request, pk)
    if not policies.can_view_members(request.user, organisation):
        return permission_denied(request)
    user = request.user
    return render(
        request,
        "accounts/organisation_members.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(user=user, organisation=organisation),
            "join_requests": selectors.organisation_pending_join_requests(user=user, organisation=organisation),
            "invitations": selectors.organisation_open_invitations(user=user, organisation=organisation),
            "can_manage": policies.can_manage_members(user, organisation),
            "invitation_form": InvitationForm(),
            "role_form": MembershipRoleForm(),
            "new_invitation_url": request.session.pop("new_invitation_url", None),
        },
    )


@login_required
@require_POST
def join_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation(request, pk)
    form = JoinRequestForm(request.POST)
    if form.is_valid() and call_service(
        request, services.join_request_create, user=request.user, organisation=organisation,
        message=form.cleaned_data["message"],
    ):
        messages.success(request, _("Your request has been sent to the organisation's administrators."))
    return redirect("accounts:organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def join_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    join_request = get_object_or_404(JoinRequest.objects.select_related("organisation"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, _("Choose to approve or decline the request."))
        return redirect("accounts:organisation_members", pk=join_request.organisation_id)
    approve = decision == "approve"
    if call_service(request, services.join_request_decide, actor=request.user, join_request=join_request, approve=approve):
        messages.success(request, _("Request approved.") if approve else _("Request declined."))
    return redirect("accounts:organisation_members", pk=join_request.organisation_id)


@login_required
@require_POST
def invitation_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation(request, pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the invitation form."))
        return redirect("accounts:organisation_members", pk=pk)
    created = call_service(request, services.invitation_create, actor=request.user, organisation=organisation,
                           **form.cleaned_data)
    if created is not None:
        invitation, raw = created
        url = request.build_absolute_uri(reverse("accounts:invitation_accept", kwargs={"token": raw}))
        request.session["new_invitation_url"] = url
        messages.success(
            request,
            _("Invitation sent to %(email)s.") % {"email": invitation.email} if invitation.email
            else _("Invitation link created."),
        )
    return redirect("accounts:organisation_members", pk=pk)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), pk=pk)
    if call_service(request, services.invitation_revoke, actor=request.user, invitation=invitation):
        messages.success(request, _("Invitation revoked."))
    return redirect("accounts:organisation_members", pk=invitation.organisation_id)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_find(raw_token=token)
    if request.method == "POST" and request.user.is_authenticated:
        membership = call_service(request, services.invitation_accept, user=request.user, raw_token=token)
        if membership is not None:
            messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organisation.name})
            return redirect("accounts:organisation_detail", pk=membership.organisation_id)
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "token": token})


@login_required
@require_POST
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("organisation"), pk=pk)
    form = MembershipRoleForm(request.POST)
    if form.is_valid() and call_service(
        request, services.membership_set_role, actor=request.user, membership=membership, role=form.cleaned_data["role"]
    ):
        messages.success(request, _("Role changed."))
    return redirect("accounts:organisation_members", pk=membership.organisation_id)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("organisation"), pk=pk)
    org_pk = membership.organisation_id
    leaving = membership.user_id == request.user.pk
    done = call_service(request, services.membership_remove, actor=request.user, membership=membership, default=True)
    if done:
        messages.success(request, _("You have left the organisation.") if leaving else _("Member removed."))
    if leaving and done:
        return redirect("accounts:profile")
    return redirect("accounts:organisation_members", pk=org_pk)


# --- Operators: users and platform roles -----------------------------------------------------


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    if not policies.can_set_platform_role(request.user):
        return permission_denied(request)
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role")
    qs = selectors.user_list(user=request.user, query=query, role=role if role in PlatformRole.values else None)
    return render(
        request,
        "accounts/user_list.html",
        {"page": paginate(request, qs), "q": query, "role": role or "", "roles": PlatformRole.choices,
         "role_form": PlatformRoleForm(), "querystring": query_without_page(request)},
    )


@login_required
@require_POST
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(get_user_model(), pk=pk)
    form = PlatformRoleForm(request.POST)
    if form.is_valid() and call_service(
        request, services.user_set_platform_role, actor=request.user, user=subject, role=form.cleaned_data["role"]
    ):
        messages.success(request, _("Platform role of %(name)s changed.") % {"name": subject.full_name or subject.email})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("accounts:user_list")
    return HttpResponseRedirect(target)
