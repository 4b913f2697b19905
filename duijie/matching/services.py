"""The only writer of the matching app: impressions and clicks, verdicts, trained ranking models,
console visits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duijie.core.errors import DomainError, PermissionDenied
from duijie.matching.engine import rerank
from duijie.matching.models import ConsoleVisit, Feedback, Impression, RankingModel, Surface, Verdict
from duijie.matching.selectors import ExpertMatch, Recommendation

REASON_MAX = 300


def log_impressions(*, user: Any, surface: str, recommendations: list[Recommendation]) -> list[Impression]:
    """Record that ``recommendations`` were shown to ``user`` (rank, score, features, model) and give
    each its impression id, which the verdict buttons and the tracked link carry."""
    return _logged(user, recommendations, lambda rank, r: Impression(
        user=user, surface=surface, demand=r.demand, achievement=r.achievement, rank=rank, score=r.score,
        features=r.features, model_version=r.model_version[:20]))


def log_expert_impressions(*, user: Any, demand: Any, matches: list[ExpertMatch]) -> list[Impression]:
    """Record that the experts ``matches`` were recommended to ``user`` for ``demand`` (rank, score, the
    text feature they were ranked on, model "text") and give each its impression id, as
    ``log_impressions`` does for achievements."""
    return _logged(user, matches, lambda rank, m: Impression(
        user=user, surface=Surface.EXPERTS, demand=demand, expert=m.expert, rank=rank, score=m.score,
        features=m.features, model_version=m.model_version[:20]))


def _logged(user: Any, shown: Sequence[Any], impression: Callable[[int, Any], Impression]) -> list[Impression]:
    """One impression per item ``shown`` to a signed-in ``user`` (``impression(rank, item)``), in one
    insert; each item gets its impression id."""
    if not getattr(user, "is_authenticated", False) or not shown:
        return []
    rows = Impression.objects.bulk_create([impression(rank, item) for rank, item in enumerate(shown, start=1)])
    for item, row in zip(shown, rows, strict=True):
        item.impression_id = row.pk
    return rows


def _own_impression(user: Any, impression_id: int) -> Impression:
    impression = Impression.objects.filter(pk=impression_id).first()
    if impression is None or impression.user_id != getattr(user, "pk", None):
        # Another person's impression is as good as none: nobody votes or clicks in another's name.
        raise PermissionDenied(_("This recommendation was not shown to you."))
    return impression


def record_click(*, user: Any, impression_id: int) -> Impression:
    """The person opened the recommended item; the first opening counts."""
    impression = _own_impression(user, impression_id)
    if impression.clicked_at is None:
        impression.clicked_at = timezone.now()
        impression.save(update_fields=["clicked_at"])
    return impression


def give_feedback(*, user: Any, impression_id: int, verdict: str, reason: str = "") -> Feedback:
    """"Interested" or "not relevant" on a recommendation (an achievement, a demand or an expert) shown to
    ``user``; a later verdict on the same pair replaces the earlier one. The features the pair was ranked
    on are kept for training."""
    if verdict not in Verdict.values:
        raise DomainError(_("Choose “interested” or “not relevant”."), code="verdict")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DomainError(_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}, code="reason")
    impression = _own_impression(user, impression_id)
    feedback, _created = Feedback.objects.update_or_create(
        user=user, demand_id=impression.demand_id, achievement_id=impression.achievement_id,
        expert_id=impression.expert_id, surface=impression.surface,
        defaults={"impression": impression, "verdict": verdict, "reason": reason, "features": impression.features})
    return feedback


@dataclass(frozen=True)
class TrainingResult:
    model: RankingModel
    activated: bool


def train_model() -> TrainingResult:
    """Fit re-ranking weights from every verdict on an achievement (``rerank.fit``) and store them as the
    next version. Verdicts on experts are left out: experts are ranked on the text alone, and their rows
    lack the structured features the model weighs (docs/matching.md).

    The new model's AUC is cross-validated on the verdicts; the model in use is scored on the same
    verdicts. The new one is put in use only when it is not worse, so a bad batch of feedback cannot
    make the ranking worse (nor one whose text weight is not positive). Fewer than ``rerank.MIN_ROWS`` verdicts, or only one kind, is an error."""
    from duijie.matching import selectors

    rows = [(dict(values), 1 if verdict == Verdict.INTERESTED else 0)
            for values, verdict in Feedback.objects.filter(achievement__isnull=False).order_by("pk")
            .values_list("features", "verdict")]
    current = selectors.active_model()
    with transaction.atomic():
        version = (RankingModel.objects.select_for_update().order_by("-version")
                   .values_list("version", flat=True).first() or 0) + 1
        try:
            fitted = rerank.fit(rows, f"v{version}")
        except rerank.NotEnoughFeedback as exc:
            raise DomainError(_("Training needs at least %(n)d verdicts, of both kinds; there are %(have)d.")
                              % {"n": rerank.MIN_ROWS, "have": len(rows)}, code="feedback") from exc
        before = rerank.auc(current, rows)
        after = rerank.cross_validated(rows)
        # A model that ranked a better text match lower would turn the engine upside down: never used.
        activated = after >= before and fitted.weights.get("text", 0.0) > 0
        record = RankingModel.objects.create(version=version, weights=fitted.weights, intercept=fitted.intercept,
                                             rows=len(rows), auc_before=before, auc_after=after, active=activated)
    return TrainingResult(record, activated)


def console_seen(*, user: Any) -> Any:
    """Mark the broker console as seen now; returns the previous visit's time (None the first time)."""
    now = timezone.now()
    visit, created = ConsoleVisit.objects.get_or_create(user=user, defaults={"seen_at": now})
    previous = None if created else visit.seen_at
    if not created:
        visit.seen_at = now
        visit.save(update_fields=["seen_at"])
    return previous



def index_rebuild(*, actor: Any) -> Any:
    """An operator asks for a full rebuild of the achievements index. It runs in the background while
    the live index keeps answering; a request while one runs returns that one. Returns its status
    (``matching.indexes.Status``)."""
    from duijie.accounts import policies as account_policies
    from duijie.matching import indexes

    if not account_policies.is_operator(actor):
        raise PermissionDenied(_("Only operators rebuild the matching index."))
    return indexes.rebuild(background=True, requested_by=actor.email)
