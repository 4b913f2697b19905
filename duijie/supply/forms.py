from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from duijie.supply.enums import (
    AchievementAttribute,
    ContentLanguage,
    Currency,
    IPStatus,
    IPType,
    Jurisdiction,
    PriceType,
)
from duijie.supply.services import AchievementData, IPAssetData
from duijie.supply.workflow import ScreeningCheck
from duijie.taxonomy.models import CooperationMode, Industry, TechField


class AchievementForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of title and summary"), choices=ContentLanguage.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))
    title_en = forms.CharField(label=_("Title in English"), max_length=300, required=False,
                               help_text=_("Optional: shown to English readers."))
    summary_en = forms.CharField(label=_("Summary in English"), max_length=3000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(label=_("Detailed description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    keywords = forms.CharField(label=_("Keywords"), required=False, max_length=500,
                               help_text=_("Separated by commas; at most 10."))
    fields = forms.ModelMultipleChoiceField(label=_("Technology fields"), queryset=TechField.objects.none(),
                                            widget=forms.SelectMultiple(attrs={"size": 8}))
    industries = forms.ModelMultipleChoiceField(label=_("Application industries"), queryset=Industry.objects.none(),
                                                required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    trl = forms.TypedChoiceField(label=_("Technology readiness level"), coerce=int, empty_value=None, required=False,
                                 choices=[("", "—")] + [(n, f"TRL {n}") for n in range(1, 10)])
    attribute = forms.ChoiceField(label=_("Achievement attribute"), choices=AchievementAttribute.choices)
    cooperation_modes = forms.ModelMultipleChoiceField(
        label=_("Cooperation modes offered"), queryset=CooperationMode.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    price_type = forms.ChoiceField(label=_("Asking price"), choices=PriceType.choices)
    price_min = forms.DecimalField(label=_("Price from"), required=False, min_value=0, max_digits=14, decimal_places=2)
    price_max = forms.DecimalField(label=_("Price to"), required=False, min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    financing_need = forms.CharField(label=_("Financing need"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    team_members = forms.CharField(label=_("Team members"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=120)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"].queryset = TechField.objects.filter(is_active=True).select_related("parent").order_by(
            "sort_order", "code")
        self.fields["industries"].queryset = Industry.objects.filter(is_active=True)
        self.fields["cooperation_modes"].queryset = CooperationMode.objects.filter(is_active=True)

    def to_data(self, ip_assets: list[IPAssetData] | None) -> AchievementData:
        d = self.cleaned_data
        translations = {}
        if d["title_en"] and d["language"] != "en":
            translations["en"] = (d["title_en"], d["summary_en"])
        return AchievementData(
            title=d["title"], summary=d["summary"], language=d["language"], description=d["description"],
            keywords=[d["keywords"]] if d["keywords"] else [], field_ids=[f.pk for f in d["fields"]],
            industry_ids=[i.pk for i in d["industries"]], cooperation_mode_ids=[m.pk for m in d["cooperation_modes"]],
            trl=d["trl"], attribute=d["attribute"], price_type=d["price_type"], price_min=d["price_min"],
            price_max=d["price_max"], currency=d["currency"], financing_need=d["financing_need"],
            team_members=d["team_members"], contact_name=d["contact_name"], contact_phone=d["contact_phone"],
            contact_email=d["contact_email"], video_url=d["video_url"], translations=translations,
            ip_assets=ip_assets,
        )

    @classmethod
    def initial_for(cls, achievement: Any) -> dict[str, Any]:
        english = next((t for t in achievement.translations.all() if t.language == "en"), None)
        return {
            "language": achievement.language, "title": achievement.title, "summary": achievement.summary,
            "title_en": english.title if english else "", "summary_en": english.summary if english else "",
            "description": achievement.description, "keywords": ", ".join(achievement.keywords or []),
            "fields": list(achievement.fields.all()), "industries": list(achievement.industries.all()),
            "trl": achievement.trl, "attribute": achievement.attribute,
            "cooperation_modes": list(achievement.cooperation_modes.all()), "price_type": achievement.price_type,
            "price_min": achievement.price_min, "price_max": achievement.price_max, "currency": achievement.currency,
            "financing_need": achievement.financing_need, "team_members": achievement.team_members,
            "contact_name": achievement.contact_name, "contact_phone": achievement.contact_phone,
            "contact_email": achievement.contact_email, "video_url": achievement.video_url,
        }


class IPAssetForm(forms.Form):
    ip_type = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *IPType.choices], required=False)
    number = forms.CharField(label=_("Number"), max_length=40, required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=Jurisdiction.choices, initial="CN")
    status = forms.ChoiceField(label=_("Status"), choices=IPStatus.choices)
    filing_date = forms.DateField(label=_("Filing date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grant_date = forms.DateField(label=_("Grant date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


IPAssetFormSet = forms.formset_factory(IPAssetForm, extra=2, max_num=20)


def ip_assets_from(formset: Any) -> list[IPAssetData]:
    return [
        IPAssetData(ip_type=f.cleaned_data["ip_type"], number=f.cleaned_data["number"],
                    jurisdiction=f.cleaned_data["jurisdiction"], status=f.cleaned_data["status"],
                    filing_date=f.cleaned_data["filing_date"], grant_date=f.cleaned_data["grant_date"])
        for f in formset.forms
        if f.cleaned_data.get("ip_type")
    ]


class TransitionForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    checklist = forms.MultipleChoiceField(label=_("Screening checklist"), required=False,
                                          widget=forms.CheckboxSelectMultiple,
                                          choices=list(ScreeningCheck.ITEMS.items()))


class DockingRequestForm(forms.Form):
    cooperation_mode = forms.ModelChoiceField(label=_("Cooperation wanted"), queryset=CooperationMode.objects.none(),
                                              required=False)
    message = forms.CharField(label=_("Message to the team"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cooperation_mode"].queryset = CooperationMode.objects.filter(is_active=True)


class ImportForm(forms.Form):
    """The bulk import's upload: the institution (when the person may choose), the file, dry run."""

    organisation = forms.ModelChoiceField(label=_("Institution"), queryset=None, empty_label=None)
    file = forms.FileField(label=_("XLSX or CSV file"),
                           help_text=_("The template filled in, at most 20 MB. Large files run in the background; "
                                       "the next page shows their progress."))
    dry_run = forms.BooleanField(label=_("Dry run: only check the file and report problems, import nothing"),
                                 required=False, initial=True)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
