from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from duijie.accounts.enums import MembershipRole, PlatformRole
from duijie.accounts.models import Organisation
from duijie.taxonomy.enums import RegionKind
from duijie.taxonomy.models import Region


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("The e-mail address or password is not correct. Passwords are case-sensitive."),
        "inactive": _("This account is inactive."),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case. Lower-casing here, before authentication, also
        # gives the sign-in throttle one key per address whatever capitals are typed.
        return self.cleaned_data["username"].lower()


class LocalisedPasswordResetForm(PasswordResetForm):
    """The reset e-mail in the account's own language, with links to DUIJIE_SITE_URL
    (not to whatever host the request named)."""

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        from django.utils import translation

        with translation.override(context["user"].preferred_language):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                              html_email_template_name)

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        from urllib.parse import urlsplit

        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        super().save(**kwargs)


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits and not a common password."),
    )
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("For example: nightly export script."))


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "name_en", "kind", "country", "region", "uscc", "registration_number", "website", "description"]
        help_texts = {
            "uscc": _("18 characters, required for organisations registered in mainland China."),
            "registration_number": _("Company or charity number for organisations registered elsewhere."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Region.objects.filter(kind=RegionKind.COUNTRY, is_active=True)
        self.fields["region"].queryset = (
            Region.objects.filter(is_active=True).exclude(kind=RegionKind.COUNTRY).order_by("code")
        )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the administrators"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), required=False, help_text=_("Leave empty to create a link you can share.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=14)
    max_uses = forms.IntegerField(label=_("Maximum uses"), min_value=1, max_value=500, initial=1)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class PlatformRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Platform role"), choices=PlatformRole.choices, required=False)
