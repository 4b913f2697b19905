from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from duijie.demand.enums import BudgetType, Confidentiality
from duijie.demand.services import DemandData, IndicatorData
from duijie.demand.workflow import ScreeningCheck
from duijie.supply.enums import ContentLanguage, Currency
from duijie.taxonomy.models import CooperationMode, Industry, Region, TechField


class DemandForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of title and summary"), choices=ContentLanguage.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Shown to everyone, also for a summary-only demand."))
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False,
                               help_text=_("Optional: shown to English readers and used for matching."))
    summary_en = forms.CharField(label=_("Summary in English"), max_length=1000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    confidentiality = forms.ChoiceField(label=_("Who may see it"), choices=Confidentiality.choices,
                                        widget=forms.RadioSelect)
    problem = forms.CharField(label=_("Technical problem"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    indicators = forms.CharField(
        label=_("Target indicators"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name | target value | unit, e.g. “Yield | ≥ 99.5 | %”."),
    )
    fields = forms.ModelMultipleChoiceField(label=_("Technology fields"), queryset=TechField.objects.none(),
                                            widget=forms.SelectMultiple(attrs={"size": 8}))
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.none(), required=False)
    cooperation_modes = forms.ModelMultipleChoiceField(
        label=_("Cooperation modes wanted"), queryset=CooperationMode.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    trl_needed = forms.TypedChoiceField(label=_("TRL needed"), coerce=int, empty_value=None, required=False,
                                        choices=[("", "—")] + [(n, f"TRL {n}") for n in range(1, 10)])
    regions = forms.ModelMultipleChoiceField(label=_("Preferred regions"), queryset=Region.objects.none(),
                                             required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    budget_type = forms.ChoiceField(label=_("Budget"), choices=BudgetType.choices)
    budget_min = forms.DecimalField(label=_("Budget from"), required=False, min_value=0, max_digits=14,
                                    decimal_places=2)
    budget_max = forms.DecimalField(label=_("Budget to"), required=False, min_value=0, max_digits=14,
                                    decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=120)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"].queryset = TechField.objects.filter(is_active=True).select_related("parent").order_by(
            "sort_order", "code")
        self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
        self.fields["cooperation_modes"].queryset = CooperationMode.objects.filter(is_active=True)
        self.fields["regions"].queryset = Region.objects.filter(is_active=True, kind__in=["country", "province"])

    def clean_indicators(self) -> list[IndicatorData]:
        rows = []
        for n, line in enumerate(self.cleaned_data["indicators"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise forms.ValidationError(_("Line %(n)d: write “name | target value | unit”.") % {"n": n})
            rows.append(IndicatorData(name=parts[0][:120], value=parts[1][:60], unit=(parts[2] if len(parts) > 2
                                                                                      else "")[:30]))
        return rows

    def to_data(self) -> DemandData:
        d = self.cleaned_data
        translations = {}
        if d["title_en"] and d["language"] != "en":
            translations["en"] = (d["title_en"], d["summary_en"])
        return DemandData(
            title=d["title"], summary=d["summary"], language=d["language"], description=d["description"],
            problem=d["problem"], confidentiality=d["confidentiality"], field_ids=[f.pk for f in d["fields"]],
            industry_id=d["industry"].pk if d["industry"] else None,
            cooperation_mode_ids=[m.pk for m in d["cooperation_modes"]], region_ids=[r.pk for r in d["regions"]],
            trl_needed=d["trl_needed"], budget_type=d["budget_type"], budget_min=d["budget_min"],
            budget_max=d["budget_max"], currency=d["currency"], deadline=d["deadline"],
            contact_name=d["contact_name"], contact_phone=d["contact_phone"], contact_email=d["contact_email"],
            indicators=d["indicators"], translations=translations,
        )

    @classmethod
    def initial_for(cls, demand: Any) -> dict[str, Any]:
        english = next((t for t in demand.translations.all() if t.language == "en"), None)
        return {
            "language": demand.language, "title": demand.title, "summary": demand.summary,
            "title_en": english.title if english else "", "summary_en": english.summary if english else "",
            "confidentiality": demand.confidentiality, "problem": demand.problem, "description": demand.description,
            "indicators": "\n".join(f"{i.name} | {i.value} | {i.unit}".rstrip(" |") for i in demand.indicators.all()),
            "fields": list(demand.fields.all()), "industry": demand.industry,
            "cooperation_modes": list(demand.cooperation_modes.all()), "trl_needed": demand.trl_needed,
            "regions": list(demand.regions.all()), "budget_type": demand.budget_type, "budget_min": demand.budget_min,
            "budget_max": demand.budget_max, "currency": demand.currency, "deadline": demand.deadline,
            "contact_name": demand.contact_name, "contact_phone": demand.contact_phone,
            "contact_email": demand.contact_email,
        }


class TransitionForm(forms.Form):
    name = forms.CharField(max_length=40)
    reason = forms.CharField(required=False, max_length=2000)
    checklist = forms.MultipleChoiceField(required=False, choices=list(ScreeningCheck.ITEMS.items()))


class ChallengeForm(forms.Form):
    bounty = forms.DecimalField(label=_("Bounty"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    bounty_payer = forms.CharField(label=_("Bounty paid by"), max_length=200)
    subsidy = forms.DecimalField(label=_("Government subsidy"), required=False, min_value=0, max_digits=14,
                                 decimal_places=2)
    subsidy_source = forms.CharField(label=_("Subsidy from"), required=False, max_length=200)
    eligible_kinds = forms.MultipleChoiceField(label=_("Eligible organisation types"), required=False,
                                               widget=forms.CheckboxSelectMultiple,
                                               help_text=_("None ticked: any type."))
    eligible_regions = forms.ModelMultipleChoiceField(label=_("Eligible regions"), queryset=Region.objects.none(),
                                                      required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
                                                      help_text=_("None chosen: anywhere."))
    opens_at = forms.DateTimeField(label=_("Applications open"),
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("Applications close"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    required_documents = forms.CharField(label=_("Required documents"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One a line."))
    criteria = forms.CharField(label=_("Evaluation rubric"), widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("One criterion a line: name | weight; the weights add up to 100."))
    announcement = forms.CharField(label=_("Public announcement"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from duijie.accounts.enums import OrganisationType

        super().__init__(*args, **kwargs)
        self.fields["eligible_kinds"].choices = OrganisationType.choices
        self.fields["eligible_regions"].queryset = Region.objects.filter(is_active=True,
                                                                         kind__in=["country", "province"])

    def clean_criteria(self) -> list[tuple[str, int]]:
        rows = []
        for n, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, weight = line.replace("｜", "|").rpartition("|")
            if not name.strip() or not weight.strip().isdigit():
                raise forms.ValidationError(_("Line %(n)d: write “name | weight”.") % {"n": n})
            rows.append((name.strip(), int(weight.strip())))
        return rows

    def to_data(self) -> Any:
        from duijie.demand.services import ChallengeData

        d = self.cleaned_data
        return ChallengeData(
            bounty=d["bounty"], currency=d["currency"], bounty_payer=d["bounty_payer"], subsidy=d["subsidy"],
            subsidy_source=d["subsidy_source"], eligible_kinds=list(d["eligible_kinds"]),
            eligible_region_ids=[r.pk for r in d["eligible_regions"]], opens_at=d["opens_at"],
            closes_at=d["closes_at"], required_documents=d["required_documents"].splitlines(),
            announcement=d["announcement"], criteria=d["criteria"],
        )


class ApplicationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Apply on behalf of"), queryset=None)  # type: ignore[arg-type]
    proposal = forms.CharField(label=_("Proposal"), widget=forms.Textarea(attrs={"rows": 4}))
    technical_route = forms.CharField(label=_("Technical route"), widget=forms.Textarea(attrs={"rows": 4}))
    budget = forms.DecimalField(label=_("Budget"), min_value=0, max_digits=14, decimal_places=2)
    timeline = forms.CharField(label=_("Timeline"), widget=forms.Textarea(attrs={"rows": 2}))
    team = forms.CharField(label=_("Team"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
