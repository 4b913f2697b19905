"""Every write to achievements, IP assets, attachments, experts and exhibitions.

``achievement_transition`` is the one place a status changes; its side effects per step:

- submit: history row; e-mail to operators (a new item in the screening queue).
- publish: history row with the checklist; ``published_at`` set on first publication; e-mail to the owners.
- return: history row with the reason; e-mail to the owners with the reason.
- start_negotiation / resume / transfer / archive / restore: history row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from duijie.accounts.models import Organisation, User
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.mail import send_templated_mail
from duijie.core.text import normalise_for_search
from duijie.supply import policies
from duijie.supply.enums import (
    PUBLIC_STATUSES,
    AchievementStatus,
    AttachmentKind,
    ContentLanguage,
    HistoryKind,
    IPStatus,
    IPType,
    Jurisdiction,
    PriceBand,
    PriceType,
)
from duijie.supply.hallsearch import index_tokens
from duijie.supply.ip_numbers import normalise_ip_number, validate_ip_asset
from duijie.supply.models import (
    Achievement,
    AchievementAttachment,
    AchievementHistory,
    AchievementSearch,
    AchievementTranslation,
    AchievementView,
    Expert,
    HallChange,
    HallState,
    IPAsset,
)
from duijie.supply.workflow import TRANSITIONS, ScreeningCheck

# Approximate CNY value of one unit, for the price-band facet only (never for money shown).
FX_TO_CNY: dict[str, Decimal] = {
    "CNY": Decimal(1), "USD": Decimal("7.2"), "EUR": Decimal("7.8"), "GBP": Decimal("9.1"), "RUB": Decimal("0.08"),
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_KEYWORDS = 10
BOT_USER_AGENT = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-requests|httpx|headless|monitor|preview",
                            re.IGNORECASE)


@dataclass
class IPAssetData:
    ip_type: str
    number: str = ""
    jurisdiction: str = "CN"
    status: str = IPStatus.FILED
    title: str = ""
    filing_date: date | None = None
    grant_date: date | None = None


@dataclass
class AchievementData:
    """Everything an owner enters; forms, the API and imports all build one of these."""

    title: str
    summary: str
    language: str = "zh-hans"
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    field_ids: list[int] = field(default_factory=list)
    industry_ids: list[int] = field(default_factory=list)
    cooperation_mode_ids: list[int] = field(default_factory=list)
    expert_ids: list[int] = field(default_factory=list)
    trl: int | None = None
    attribute: str = "original"
    price_type: str = PriceType.NEGOTIABLE
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    currency: str = "CNY"
    financing_need: str = ""
    team_members: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    video_url: str = ""
    recommending_unit_id: int | None = None
    external_id: str = ""
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)  # language -> (title, summary)
    ip_assets: list[IPAssetData] | None = None  # None: leave the existing ones alone


SCALAR_FIELDS = (
    "title", "summary", "language", "description", "keywords", "trl", "attribute", "price_type", "price_min",
    "price_max", "currency", "financing_need", "team_members", "contact_name", "contact_phone", "contact_email",
    "video_url", "recommending_unit_id", "external_id",
)


def stage_for_trl(trl: int | None) -> str:
    if trl is None:
        return ""
    return "early" if trl <= 3 else "middle" if trl <= 6 else "mature"


def price_band_for(price_type: str, price_min: Decimal | None, currency: str) -> str:
    if price_type == PriceType.NEGOTIABLE or price_min is None:
        return PriceBand.NEGOTIABLE
    wan = price_min * FX_TO_CNY.get(currency, Decimal(1)) / Decimal(10_000)
    if wan < 10:
        return PriceBand.UNDER_100K
    if wan < 100:
        return PriceBand.TO_1M
    if wan < 1000:
        return PriceBand.TO_10M
    return PriceBand.OVER_10M


def _clean_keywords(keywords: list[str]) -> list[str]:
    seen: list[str] = []
    for raw in keywords:
        for part in re.split(r"[,，;；、]", str(raw)):
            word = part.strip()
            if word and word not in seen:
                seen.append(word[:50])
    return seen[:MAX_KEYWORDS]


def _validate(data: AchievementData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: Any) -> None:
        errors.setdefault(name, []).append(str(message))

    if not data.title.strip():
        add("title", _("Give the achievement a title."))
    if not data.summary.strip():
        add("summary", _("Write a short summary."))
    if not data.field_ids:
        add("fields", _("Choose at least one technology field."))
    if data.trl is not None and not 1 <= data.trl <= 9:
        add("trl", _("The technology readiness level is between 1 and 9."))
    if data.price_type == PriceType.RANGE:
        if data.price_min is None:
            add("price_min", _("Give the lower end of the price range, or choose negotiable."))
        elif data.price_min < 0:
            add("price_min", _("A price cannot be negative."))
        if data.price_max is not None and data.price_min is not None and data.price_max < data.price_min:
            add("price_max", _("The upper end of the range is below the lower end."))
    for language in data.translations:
        if language not in ContentLanguage.values:
            add("translations", _("Unknown language: %(lang)s") % {"lang": language})
    if data.language not in ContentLanguage.values:
        add("language", _("Unknown language: %(lang)s") % {"lang": data.language})
    for index, asset in enumerate(data.ip_assets or []):
        if asset.ip_type not in IPType.values:
            add(f"ip_assets.{index}.ip_type", _("Choose a type of IP asset."))
            continue
        if asset.status not in IPStatus.values:
            add(f"ip_assets.{index}.status", _("Choose a valid status."))
        if asset.jurisdiction not in Jurisdiction.values:
            add(f"ip_assets.{index}.jurisdiction", _("Choose a valid jurisdiction."))
        for name, messages in validate_ip_asset(
            ip_type=asset.ip_type, jurisdiction=asset.jurisdiction, number=asset.number, status=asset.status,
            filing_date=asset.filing_date, grant_date=asset.grant_date,
        ).items():
            for message in messages:
                add(f"ip_assets.{index}.{name}", message)
    return errors


def _search_text(achievement: Achievement, translations: dict[str, tuple[str, str]]) -> str:
    parts = [achievement.title, achievement.summary, " ".join(achievement.keywords or [])]
    for title, summary in translations.values():
        parts += [title, summary]
    return normalise_for_search(" ".join(parts))


def _apply(achievement: Achievement, data: AchievementData) -> None:
    for name in SCALAR_FIELDS:
        setattr(achievement, name, getattr(data, name))
    achievement.title = achievement.title.strip()
    achievement.summary = achievement.summary.strip()
    achievement.keywords = _clean_keywords(data.keywords)
    if achievement.price_type == PriceType.NEGOTIABLE:
        achievement.price_min = achievement.price_max = None
    achievement.stage = stage_for_trl(achievement.trl)
    achievement.price_band = price_band_for(achievement.price_type, achievement.price_min, achievement.currency)


def _save_relations(achievement: Achievement, data: AchievementData) -> None:
    achievement.fields.set(data.field_ids)
    achievement.industries.set(data.industry_ids)
    achievement.cooperation_modes.set(data.cooperation_mode_ids)
    achievement.experts.set(Expert.objects.filter(pk__in=data.expert_ids, organisation=achievement.organisation))
    achievement.translations.exclude(language__in=list(data.translations)).delete()
    for language, (title, summary) in data.translations.items():
        if language == achievement.language:
            continue
        AchievementTranslation.objects.update_or_create(
            achievement=achievement, language=language, defaults={"title": title.strip(), "summary": summary.strip()}
        )
    if data.ip_assets is not None:
        achievement.ip_assets.all().delete()
        IPAsset.objects.bulk_create([
            IPAsset(
                achievement=achievement, ip_type=a.ip_type, title=a.title,
                number=normalise_ip_number(a.jurisdiction, a.number, a.ip_type) if a.ip_type != IPType.KNOW_HOW
                else a.number.strip(),
                jurisdiction=a.jurisdiction, status=a.status, filing_date=a.filing_date, grant_date=a.grant_date,
            )
            for a in data.ip_assets
        ])
    achievement.has_granted_patent = achievement.ip_assets.filter(
        ip_type__in=[IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN], status=IPStatus.GRANTED
    ).exists()
    achievement.search_text = _search_text(achievement, {
        t.language: (t.title, t.summary) for t in achievement.translations.all()
    })
    achievement.save(update_fields=["has_granted_patent", "search_text"])


# Change rows older than this many revisions are pruned; a process further behind rebuilds its index.
HALL_CHANGES_KEPT = 100_000


def hall_changed(achievement_ids: Iterable[int]) -> int:
    """Tell the exhibition hall that these achievements changed (content, relations or status).

    Rewrites their keyword-search tokens (public items only) and raises the hall revision, in the
    caller's transaction: every process brings its in-memory index up to date (``hallindex``) at
    its next request after the commit. Returns the new revision.

    The revision row is locked until the transaction ends, so revisions commit in their order and a
    reader that sees revision R also sees every change up to R.
    """
    ids = sorted(set(achievement_ids))
    with transaction.atomic():
        stamp = uuid.uuid4().hex
        if not HallState.objects.filter(pk=1).update(revision=F("revision") + 1, stamp=stamp):
            HallState.objects.get_or_create(pk=1)
            HallState.objects.filter(pk=1).update(revision=F("revision") + 1, stamp=stamp)
        revision = HallState.objects.values_list("revision", flat=True).get(pk=1)
        if ids:
            public = dict(
                Achievement.objects.filter(pk__in=ids, status__in=PUBLIC_STATUSES).values_list("pk", "search_text")
            )
            AchievementSearch.objects.filter(achievement_id__in=ids).delete()
            AchievementSearch.objects.bulk_create(
                [AchievementSearch(achievement_id=pk, tokens=index_tokens(text)) for pk, text in public.items()],
                batch_size=1000,
            )
            HallChange.objects.bulk_create(
                [HallChange(revision=revision, stamp=stamp, achievement_id=pk) for pk in ids], batch_size=1000
            )
        if revision % 1000 == 0:
            HallChange.objects.filter(revision__lt=revision - HALL_CHANGES_KEPT).delete()
    return revision


def _full_clean(achievement: Achievement) -> None:
    try:
        achievement.full_clean(exclude=["search_text"])
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise DomainError(exc.messages[0], code="validation_error", fields=fields) from exc


@transaction.atomic
def achievement_create(*, actor: User, organisation: Organisation, data: AchievementData) -> Achievement:
    """Create a draft. Side effects: none until it is submitted."""
    if not policies.can_create_achievement_for(actor, organisation):
        raise PermissionDenied(_("Only members of the institution can add its achievements."))
    errors = _validate(data)
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)
    achievement = Achievement(organisation=organisation, created_by=actor)
    _apply(achievement, data)
    _full_clean(achievement)
    try:
        with transaction.atomic():
            achievement.save()
    except IntegrityError as exc:
        raise DomainError(_("Another achievement of this institution already uses this external id."),
                          code="validation_error",
                          fields={"external_id": [str(_("Already used."))]}) from exc
    _save_relations(achievement, data)
    return achievement


@transaction.atomic
def achievement_update(*, actor: User, achievement: Achievement, data: AchievementData) -> Achievement:
    """Change the content. A published achievement stays published; the change is recorded
    in its history (which fields, by whom)."""
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if not policies.can_edit_achievement(actor, achievement):
        raise PermissionDenied()
    errors = _validate(data)
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)
    before = {name: getattr(achievement, name) for name in SCALAR_FIELDS}
    before_relations = _relation_snapshot(achievement)
    _apply(achievement, data)
    _full_clean(achievement)
    try:
        with transaction.atomic():
            achievement.save()
    except IntegrityError as exc:
        raise DomainError(_("Another achievement of this institution already uses this external id."),
                          code="validation_error", fields={"external_id": [str(_("Already used."))]}) from exc
    _save_relations(achievement, data)
    changed = [name for name in SCALAR_FIELDS if getattr(achievement, name) != before[name]]
    changed += [name for name, value in _relation_snapshot(achievement).items() if value != before_relations[name]]
    if changed and achievement.status in PUBLIC_STATUSES:
        AchievementHistory.objects.create(
            achievement=achievement, kind=HistoryKind.EDIT, actor=actor, from_status=achievement.status,
            to_status=achievement.status, detail={"fields": changed},
        )
    if achievement.status in PUBLIC_STATUSES:
        hall_changed([achievement.pk])
    return achievement


def _relation_snapshot(achievement: Achievement) -> dict[str, Any]:
    return {
        "fields": sorted(achievement.fields.values_list("pk", flat=True)),
        "industries": sorted(achievement.industries.values_list("pk", flat=True)),
        "cooperation_modes": sorted(achievement.cooperation_modes.values_list("pk", flat=True)),
        "experts": sorted(achievement.experts.values_list("pk", flat=True)),
        "translations": sorted(achievement.translations.values_list("language", "title", "summary")),
        "ip_assets": sorted(achievement.ip_assets.values_list("ip_type", "number", "status")),
    }


@transaction.atomic
def achievement_transition(
    *, actor: User, achievement: Achievement, name: str, reason: str = "", checklist: list[str] | None = None
) -> Achievement:
    """Move an achievement along its lifecycle (see ``workflow.py``); side effects in the module docstring.
    A refused transition changes nothing."""
    achievement = Achievement.objects.select_for_update().select_related("organisation").get(pk=achievement.pk)
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(_("Unknown action."), code="unknown_transition")
    if not transition.allowed(actor, achievement):
        raise PermissionDenied()
    if achievement.status not in transition.sources:
        raise DomainError(
            _("This cannot be done while the achievement is “%(status)s”.") % {"status": achievement.get_status_display()},
            code="invalid_transition",
        )
    reason = reason.strip()
    if transition.needs_reason and not reason:
        raise DomainError(_("Give a reason; the owners will read it."), code="reason_required",
                          fields={"reason": [str(_("Give a reason; the owners will read it."))]})
    ticked = sorted(set(checklist or []))
    if transition.needs_checklist:
        missing = [key for key in ScreeningCheck.ITEMS if key not in ticked]
        if missing:
            raise DomainError(_("Tick every item of the screening checklist before publishing."),
                              code="checklist_incomplete", fields={"checklist": [str(ScreeningCheck.ITEMS[k]) for k in missing]})
    old = achievement.status
    achievement.status = transition.target
    if transition.target == AchievementStatus.PUBLISHED and achievement.published_at is None:
        achievement.published_at = timezone.now()
    achievement.save(update_fields=["status", "published_at", "updated_at"])
    AchievementHistory.objects.create(
        achievement=achievement, kind=HistoryKind.TRANSITION, actor=actor, from_status=old,
        to_status=transition.target, reason=reason, detail={"checklist": ticked} if ticked else {},
    )
    if old in PUBLIC_STATUSES or achievement.status in PUBLIC_STATUSES:
        hall_changed([achievement.pk])
    _notify_transition(achievement, name, reason)
    return achievement


def _notify_transition(achievement: Achievement, name: str, reason: str) -> None:
    path = reverse("supply:achievement_detail", args=[achievement.pk])
    if name == "submit":
        for operator in User.objects.filter(platform_role="operator", is_active=True):
            send_templated_mail(to=operator.email, template="supply/email/submitted",
                                context={"achievement": achievement, "path": reverse("supply:screening_queue")},
                                language=operator.preferred_language)
    elif name in ("publish", "return"):
        for member in User.objects.filter(memberships__organisation=achievement.organisation, is_active=True):
            send_templated_mail(to=member.email, template=f"supply/email/{'published' if name == 'publish' else 'returned'}",
                                context={"achievement": achievement, "reason": reason, "path": path},
                                language=member.preferred_language)


# --- Attachments ------------------------------------------------------------------------------

_SIGNATURES: list[tuple[bytes, int, str, str]] = [
    (b"%PDF-", 0, AttachmentKind.PDF, "pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, AttachmentKind.IMAGE, "png"),
    (b"\xff\xd8\xff", 0, AttachmentKind.IMAGE, "jpg"),
    (b"GIF87a", 0, AttachmentKind.IMAGE, "gif"),
    (b"GIF89a", 0, AttachmentKind.IMAGE, "gif"),
    (b"WEBP", 8, AttachmentKind.IMAGE, "webp"),
]


def sniff_attachment(head: bytes) -> tuple[str, str] | None:
    """(kind, extension) from the file's first bytes, whatever its name claims; None if not allowed."""
    for signature, offset, kind, extension in _SIGNATURES:
        if head[offset:offset + len(signature)] == signature and (extension != "webp" or head[:4] == b"RIFF"):
            return kind, extension
    return None


def checked_upload(upload: UploadedFile) -> tuple[str, str, str]:
    """(kind, extension, safe original name) of an accepted image or PDF (at most 10 MB), its type
    taken from the content whatever its name claims; a DomainError otherwise. Demands use it too."""
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise DomainError(_("A file may be at most 10 MB."), code="file_too_large",
                          fields={"file": [str(_("A file may be at most 10 MB."))]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_attachment(head)
    if sniffed is None:
        raise DomainError(_("Only PNG, JPEG, GIF and WebP images and PDF documents can be attached."),
                          code="file_type", fields={"file": [str(_("This file type is not accepted."))]})
    kind, extension = sniffed
    original = get_valid_filename((upload.name or "file").rsplit("/", 1)[-1])[:150] or "file"
    return kind, extension, original


@transaction.atomic
def attachment_add(*, actor: User, achievement: Achievement, upload: UploadedFile) -> AchievementAttachment:
    """Store an image or PDF; the type comes from the content, the stored name is generated."""
    if not policies.can_edit_achievement(actor, achievement):
        raise PermissionDenied()
    kind, extension, original = checked_upload(upload)
    attachment = AchievementAttachment(achievement=achievement, kind=kind, original_name=original, size=upload.size or 0)
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: AchievementAttachment) -> None:
    if not policies.can_edit_achievement(actor, attachment.achievement):
        raise PermissionDenied()
    attachment.file.delete(save=False)
    attachment.delete()


# --- Views -------------------------------------------------------------------------------------


def achievement_record_view(*, achievement: Achievement, visitor: str, user_agent: str) -> bool:
    """Count one view per visitor, item and day; bots are not counted. True when counted."""
    if not visitor or BOT_USER_AGENT.search(user_agent or "") or achievement.status not in PUBLIC_STATUSES:
        return False
    try:
        with transaction.atomic():
            AchievementView.objects.create(achievement=achievement, visitor=visitor[:64], day=timezone.localdate())
    except IntegrityError:
        return False
    Achievement.objects.filter(pk=achievement.pk).update(view_count=F("view_count") + 1)
    return True


# --- Experts and exhibitions ---------------------------------------------------------------------

# This section's own imports (it was appended to the module as a unit).
from duijie.accounts import policies as account_policies  # noqa: E402
from duijie.supply.models import Exhibition, ExhibitionItem, ResearchDirection  # noqa: E402
from duijie.taxonomy.models import TechField  # noqa: E402


def _clean_or_raise(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise DomainError(exc.messages[0], code="validation_error", fields=fields) from exc


@transaction.atomic
def expert_create(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    name_en: str,
    title: str,
    field_codes: list[str],
    directions: list[tuple[str, str]],
    bio: str,
    available_for_consulting: bool,
    available_part_time: bool,
) -> Expert:
    """Create a public expert profile of the institution with its research directions
    (``(language, text)`` pairs, shown in the order given). Operators and members of the institution.
    Side effects: none."""
    if not (account_policies.is_operator(actor) or account_policies.is_org_member(actor, organisation)):
        raise PermissionDenied(_("Only members of the institution can add its experts."))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors.setdefault("name", []).append(str(_("Give the expert's name.")))
    codes = list(dict.fromkeys(code.strip() for code in field_codes if code.strip()))
    fields = list(TechField.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {f.code for f in fields})
    if unknown:
        errors.setdefault("fields", []).append(
            str(_("Unknown technology fields: %(codes)s.") % {"codes": ", ".join(unknown)})
        )
    rows = [
        ResearchDirection(language=language, text=text.strip(), sort_order=order)
        for order, (language, text) in enumerate(directions)
    ]
    for row in rows:
        try:
            row.full_clean(exclude=["expert"])
        except ValidationError as exc:
            errors.setdefault("directions", []).extend(str(m) for m in exc.messages)
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)
    expert = Expert(
        organisation=organisation, name=name.strip(), name_en=name_en.strip(), title=title.strip(), bio=bio.strip(),
        available_for_consulting=available_for_consulting, available_part_time=available_part_time,
    )
    _clean_or_raise(expert)
    expert.save()
    expert.fields.set(fields)
    for row in rows:
        row.expert = expert
    ResearchDirection.objects.bulk_create(rows)
    return expert


@transaction.atomic
def exhibition_create(
    *,
    actor: User,
    slug: str,
    title: str,
    title_en: str,
    intro: str,
    intro_en: str,
    starts_on: date,
    ends_on: date,
    achievement_ids: list[int],
    is_published: bool,
) -> Exhibition:
    """A themed hall featuring public achievements, in the order given. Operators only.
    Side effects: none."""
    if not policies.can_curate_exhibitions(actor):
        raise PermissionDenied()
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors.setdefault("title", []).append(str(_("Give the exhibition a title.")))
    if ends_on < starts_on:
        errors.setdefault("ends_on", []).append(str(_("The exhibition cannot end before it starts.")))
    if Exhibition.objects.filter(slug=slug).exists():
        errors.setdefault("slug", []).append(str(_("Another exhibition already uses this address.")))
    ids = list(dict.fromkeys(achievement_ids))
    public = Achievement.objects.filter(pk__in=ids, status__in=PUBLIC_STATUSES).count()
    if public != len(ids):
        errors.setdefault("achievement_ids", []).append(
            str(_("Only published achievements can be featured in an exhibition."))
        )
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)
    exhibition = Exhibition(
        slug=slug, title=title.strip(), title_en=title_en.strip(), intro=intro.strip(), intro_en=intro_en.strip(),
        starts_on=starts_on, ends_on=ends_on, is_published=is_published,
    )
    _clean_or_raise(exhibition)
    exhibition.save()
    ExhibitionItem.objects.bulk_create([
        ExhibitionItem(exhibition=exhibition, achievement_id=pk, sort_order=order) for order, pk in enumerate(ids)
    ])
    return exhibition


@transaction.atomic
def curated_save(*, actor: User, obj: Exhibition | Expert, changed: list[str] | None = None) -> Exhibition | Expert:
    """Save an operator's back-office edit of an exhibition or an expert profile (validated, audited).

    Side effects: audit event ``admin_added`` / ``admin_changed``.
    """
    from duijie.core.enums import AuditAction
    from duijie.core.services import audit_record

    if not account_policies.is_operator(actor):
        raise PermissionDenied()
    if isinstance(obj, Exhibition) and obj.ends_on and obj.starts_on and obj.ends_on < obj.starts_on:
        raise DomainError(_("The exhibition cannot end before it starts."), code="validation_error",
                          fields={"ends_on": [str(_("The exhibition cannot end before it starts."))]})
    _clean_or_raise(obj)
    adding = obj.pk is None
    obj.save()
    audit_record(action=AuditAction.ADMIN_ADDED if adding else AuditAction.ADMIN_CHANGED, actor=actor, target=obj,
                 detail={"fields": changed or []})
    return obj


# --- Bulk import -----------------------------------------------------------------------------------

# Rows written per statement batch by ``achievements_import``.
IMPORT_BATCH_SIZE = 500
PATENT_TYPES = frozenset({IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN})
# Model fields the owner's data never sets, or that are checked elsewhere: skipped by the field checks.
_NOT_FROM_DATA = ["organisation", "recommending_unit", "created_by", "search_text", "status"]


def achievement_data_errors(*, data: AchievementData) -> dict[str, list[str]]:
    """Every problem ``achievement_create`` / ``achievement_update`` would find in ``data``, by field
    (``title``, ``ip_assets.0.number``, ...), without a query: the import's dry run reports them row
    by row. Side effects: none."""
    errors = _validate(data)
    achievement = Achievement()
    _apply(achievement, data)
    try:
        achievement.clean_fields(exclude=_NOT_FROM_DATA)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            # A field the domain rules already explain keeps their message alone.
            if name not in errors:
                errors[name] = [str(message) for message in messages]
    return errors


@dataclass
class ImportOutcome:
    created: int
    updated: int


def achievements_import(
    *, actor: User, organisation: Organisation, items: list[AchievementData]
) -> ImportOutcome:
    """Create or update the institution's achievements, matched by ``external_id``, in one transaction.

    An item whose external id the institution already uses updates that achievement as
    ``achievement_update`` does (content replaced, status kept, a history row when a public one
    changed); every other item becomes a new draft as with ``achievement_create``. All or nothing:
    the first problem raises ``DomainError`` / ``PermissionDenied`` and nothing is written.

    The same rules as the single-item services, written in batches (a 10,000-row file must not
    cost 20 queries per row). Side effects: history rows (edits of public achievements); no mail.
    """
    if not policies.can_create_achievement_for(actor, organisation):
        raise PermissionDenied(_("Only members of the institution can add its achievements."))
    ids = [item.external_id.strip() for item in items]
    if not all(ids) or len(set(ids)) != len(ids):
        raise DomainError(_("Every imported achievement needs an external id of its own."), code="validation_error")
    for external_id, item in zip(ids, items, strict=True):
        item.external_id = external_id
        errors = achievement_data_errors(data=item)
        if errors:
            raise DomainError(
                _("The achievement with the external id %(id)s has errors.") % {"id": external_id},
                code="validation_error", fields={f"{external_id}.{name}": value for name, value in errors.items()},
            )
    # The checks above need no lock; the writes below hold the database's write lock (SQLite) as
    # briefly as they can.
    try:
        with transaction.atomic():
            return _import_all(actor, organisation, items)
    except IntegrityError as exc:
        # Someone saved one of these external ids between the check and the write.
        raise DomainError(_("Another achievement of this institution already uses one of these external ids; "
                            "nothing was imported. Try again."), code="validation_error") from exc


def _import_all(actor: User, organisation: Organisation, items: list[AchievementData]) -> ImportOutcome:
    expert_ids = set(Expert.objects.filter(organisation=organisation).values_list("pk", flat=True))
    outcome = ImportOutcome(created=0, updated=0)
    editable: dict[str, bool] = {}
    for start in range(0, len(items), IMPORT_BATCH_SIZE):
        batch = items[start:start + IMPORT_BATCH_SIZE]
        existing = {
            a.external_id: a
            for a in Achievement.objects.select_for_update().filter(
                organisation=organisation, external_id__in=[item.external_id for item in batch]
            ).select_related("organisation")
        }
        for achievement in existing.values():
            # The policy depends on the actor, the institution and the status only: ask once per status.
            if achievement.status not in editable:
                editable[achievement.status] = policies.can_edit_achievement(actor, achievement)
            if not editable[achievement.status]:
                raise PermissionDenied(
                    _("“%(title)s” cannot be changed while it is “%(status)s”.")
                    % {"title": achievement.title, "status": achievement.get_status_display()}
                )
        created, updated = _import_batch(actor, organisation, batch, existing, expert_ids)
        outcome.created += created
        outcome.updated += updated
    return outcome


# The many-to-many relations an import replaces, with the column that points at the other side.
_M2M = (
    ("fields", "field_ids", "techfield_id"),
    ("industries", "industry_ids", "industry_id"),
    ("cooperation_modes", "cooperation_mode_ids", "cooperationmode_id"),
    ("experts", "expert_ids", "expert_id"),
)


def _stored_relations(pks: list[int]) -> dict[int, dict[str, Any]]:
    """``_relation_snapshot`` of many achievements at once (a query per relation, no model rows),
    plus the stored translations and the (type, status) of the IP assets."""
    stored: dict[int, dict[str, Any]] = {
        pk: {"fields": [], "industries": [], "cooperation_modes": [], "experts": [], "translations": [],
             "ip_assets": [], "_translations": [], "_assets": []}
        for pk in pks
    }
    for name, _data_name, column in _M2M:
        through = getattr(Achievement, name).through
        for achievement_id, other_id in through.objects.filter(achievement_id__in=pks).values_list(
                "achievement_id", column):
            stored[achievement_id][name].append(other_id)
    for achievement_id, language, title, summary in AchievementTranslation.objects.filter(
            achievement_id__in=pks).values_list("achievement_id", "language", "title", "summary"):
        stored[achievement_id]["translations"].append((language, title, summary))
    for achievement_id, ip_type, number, status in IPAsset.objects.filter(achievement_id__in=pks).values_list(
            "achievement_id", "ip_type", "number", "status"):
        stored[achievement_id]["ip_assets"].append((ip_type, number, status))
    for snapshot in stored.values():
        for name in ("fields", "industries", "cooperation_modes", "experts", "translations", "ip_assets"):
            snapshot[name].sort()
    return stored


def _import_batch(
    actor: User, organisation: Organisation, batch: list[AchievementData], existing: dict[str, Achievement],
    expert_ids: set[int],
) -> tuple[int, int]:
    """Write one batch of ``achievements_import``: what ``_apply`` and ``_save_relations`` do per item,
    as bulk statements."""
    now = timezone.now()
    stored = _stored_relations([a.pk for a in existing.values()])
    to_create: list[Achievement] = []
    to_update: list[Achievement] = []
    scalars_before: dict[int, dict[str, Any]] = {}
    # Per item: (achievement, data, its translations, its IP assets or None to keep the stored ones).
    plans: list[tuple[Achievement, AchievementData, list[AchievementTranslation], list[IPAsset] | None]] = []
    for data in batch:
        achievement = existing.get(data.external_id)
        kept: list[tuple[str, str, str]] = []
        if achievement is None:
            achievement = Achievement(organisation=organisation, created_by=actor)
            to_create.append(achievement)
        else:
            scalars_before[achievement.pk] = {name: getattr(achievement, name) for name in SCALAR_FIELDS}
            to_update.append(achievement)
            kept = stored[achievement.pk]["translations"]
        _apply(achievement, data)
        achievement.updated_at = now
        # As _save_relations: a stored translation in the achievement's own language stays when listed.
        translations = [
            AchievementTranslation(language=language, title=title, summary=summary)
            for language, title, summary in kept
            if language in data.translations and language == achievement.language
        ] + [
            AchievementTranslation(language=language, title=title.strip(), summary=summary.strip())
            for language, (title, summary) in data.translations.items() if language != achievement.language
        ]
        assets = None if data.ip_assets is None else [
            IPAsset(
                ip_type=a.ip_type, title=a.title,
                number=normalise_ip_number(a.jurisdiction, a.number, a.ip_type) if a.ip_type != IPType.KNOW_HOW
                else a.number.strip(),
                jurisdiction=a.jurisdiction, status=a.status, filing_date=a.filing_date, grant_date=a.grant_date,
            )
            for a in data.ip_assets
        ]
        shown = ([(a.ip_type, a.status) for a in assets] if assets is not None
                 else [(t, st) for t, _n, st in stored[achievement.pk]["ip_assets"]] if achievement.pk else [])
        achievement.has_granted_patent = any(t in PATENT_TYPES and st == IPStatus.GRANTED for t, st in shown)
        achievement.search_text = _search_text(achievement, {t.language: (t.title, t.summary) for t in translations})
        plans.append((achievement, data, translations, assets))

    Achievement.objects.bulk_create(to_create, batch_size=IMPORT_BATCH_SIZE)
    if to_update:
        # One plain UPDATE per row: bulk_update's CASE expressions over 25 columns cost far more.
        columns = [*SCALAR_FIELDS, "stage", "price_band", "has_granted_patent", "search_text", "updated_at"]
        for achievement in to_update:
            Achievement.objects.filter(pk=achievement.pk).update(
                **{name: getattr(achievement, name) for name in columns})
        updated_ids = [a.pk for a in to_update]
        for name, _data_name, _column in _M2M:
            getattr(Achievement, name).through.objects.filter(achievement_id__in=updated_ids).delete()
        AchievementTranslation.objects.filter(achievement_id__in=updated_ids).delete()
        replaced = {a.pk for a, _data, _t, assets in plans if assets is not None}
        IPAsset.objects.filter(achievement_id__in=[pk for pk in updated_ids if pk in replaced]).delete()

    links: dict[str, list[Any]] = {name: [] for name, _d, _c in _M2M}
    new_translations: list[AchievementTranslation] = []
    new_assets: list[IPAsset] = []
    after: dict[int, dict[str, Any]] = {}
    for achievement, data, translations, assets in plans:
        wanted = {
            "fields": data.field_ids, "industries": data.industry_ids,
            "cooperation_modes": data.cooperation_mode_ids,
            "experts": [pk for pk in data.expert_ids if pk in expert_ids],
        }
        for name, _data_name, column in _M2M:
            through = getattr(Achievement, name).through
            links[name] += [through(achievement_id=achievement.pk, **{column: pk})
                            for pk in dict.fromkeys(wanted[name])]
        for translation in translations:
            translation.achievement = achievement
            new_translations.append(translation)
        for asset in assets or []:
            asset.achievement = achievement
            new_assets.append(asset)
        if achievement.pk in scalars_before:
            after[achievement.pk] = {name: sorted(set(pks)) for name, pks in wanted.items()} | {
                "translations": sorted((t.language, t.title, t.summary) for t in translations),
                "ip_assets": stored[achievement.pk]["ip_assets"] if assets is None else sorted(
                    (a.ip_type, a.number, a.status) for a in assets),
            }
    for name, rows in links.items():
        getattr(Achievement, name).through.objects.bulk_create(rows, batch_size=IMPORT_BATCH_SIZE)
    AchievementTranslation.objects.bulk_create(new_translations, batch_size=IMPORT_BATCH_SIZE)
    IPAsset.objects.bulk_create(new_assets, batch_size=IMPORT_BATCH_SIZE)

    history: list[AchievementHistory] = []
    for achievement in to_update:
        if achievement.status not in PUBLIC_STATUSES:
            continue
        before = scalars_before[achievement.pk]
        changed = [name for name in SCALAR_FIELDS if getattr(achievement, name) != before[name]]
        changed += [name for name, value in after[achievement.pk].items() if value != stored[achievement.pk][name]]
        if changed:
            history.append(AchievementHistory(
                achievement=achievement, kind=HistoryKind.EDIT, actor=actor, from_status=achievement.status,
                to_status=achievement.status, detail={"fields": changed},
            ))
    AchievementHistory.objects.bulk_create(history)
    public = [a.pk for a in to_update if a.status in PUBLIC_STATUSES]
    if public:
        hall_changed(public)
    return len(to_create), len(to_update)
