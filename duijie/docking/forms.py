from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from duijie.docking.enums import BrokerLevel, DeclineReason, EntryKind, TrainingModule
from duijie.supply.enums import Currency
from duijie.taxonomy.models import CooperationMode, Region, TechField


class RequestForm(forms.Form):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
                              help_text=_("What you are looking for and why; your contact details are shared only "
                                          "once the other side accepts."))
    cooperation_mode = forms.ModelChoiceField(label=_("Cooperation wanted"), queryset=CooperationMode.objects.all(),
                                              required=False)
    event_name = forms.CharField(label=_("Met at an event"), max_length=200, required=False,
                                 help_text=_("The roadshow or forum where you met, for a point-to-point request."))
    accept_terms = forms.BooleanField(label=_("I accept the demand's confidentiality terms"), required=False)


class TransitionForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             max_length=2000)
    decline_reason = forms.ChoiceField(label=_("Reason for declining"), required=False,
                                       choices=[("", "—"), *DeclineReason.choices])


class MoveForm(forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.CharField()
    reason = forms.CharField(required=False, max_length=2000)


class AssignForm(forms.Form):
    broker = forms.IntegerField(label=_("Broker"), required=False)
    reason = forms.CharField(label=_("Why"), max_length=2000, required=False)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    starts_at = forms.DateTimeField(label=_("Starts"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    attendees = forms.CharField(label=_("Attendees"), max_length=500, required=False)
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = kinds


class IntentForm(forms.Form):
    event_name = forms.CharField(label=_("Event"), max_length=200, required=False)
    supply_party = forms.CharField(label=_("Technology side"), max_length=200, required=False)
    demand_party = forms.CharField(label=_("Enterprise side"), max_length=200, required=False)
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    cooperation_mode = forms.ModelChoiceField(label=_("Cooperation mode"), queryset=CooperationMode.objects.all(),
                                              required=False)
    estimated_amount = forms.DecimalField(label=_("Estimated amount"), required=False, min_value=0, max_digits=14,
                                          decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(label=_("Signed document"), required=False)


class BrokerProfileForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=BrokerLevel.choices)
    fields_ = forms.ModelMultipleChoiceField(label=_("Fields of expertise"), queryset=TechField.objects.all(),
                                             required=False)
    regions = forms.ModelMultipleChoiceField(label=_("Regions served"), queryset=Region.objects.all(), required=False)
    bio = forms.CharField(label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                          max_length=2000)
    is_public = forms.BooleanField(label=_("Show me in the broker directory"), required=False, initial=True)
    accepts_cases = forms.BooleanField(label=_("I take new cases"), required=False, initial=True)


class CertificateForm(forms.Form):
    name = forms.CharField(label=_("Certificate"), max_length=200)
    number = forms.CharField(label=_("Number"), max_length=80, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("File"), required=False)


class TrainingForm(forms.Form):
    course = forms.CharField(label=_("Course"), max_length=200)
    module = forms.ChoiceField(label=_("Module"), choices=TrainingModule.choices)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_digits=5, decimal_places=1)
    completed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
