"""Open challenges (揭榜挂帅): the stages, the window at its boundary instants, eligibility, the panel's
conflicts of interest, scoring and ranking with the tie rule, publicity with objections, the winner."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from duijie.core.errors import DomainError, PermissionDenied
from duijie.demand import selectors, services
from duijie.demand.enums import ChallengeStage
from duijie.demand.models import Challenge, ChallengeHistory
from duijie.demand.services import ApplicationData, ChallengeData
from duijie.taxonomy.models import Region
from tests.demand.helpers import collected, published
from tests.factories import AdminMembershipFactory, OperatorFactory, UKOrganisationFactory, UserFactory
from tests.helpers import fresh_values

pytestmark = pytest.mark.django_db
OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_default_timezone())
CLOSES = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.get_default_timezone())


def terms(**overrides) -> ChallengeData:  # type: ignore[no-untyped-def]
    values = {"bounty": Decimal("3000000"), "bounty_payer": "企业自筹", "opens_at": OPENS, "closes_at": CLOSES,
              "criteria": [("技术先进性", 40), ("可行性", 35), ("团队实力", 25)], "subsidy": Decimal("1000000"),
              "subsidy_source": "市科技局", "required_documents": ["技术方案", "团队简介"],
              "announcement": "现面向社会公开张榜。"}
    values.update(overrides)
    return ChallengeData(**values)


def proposal(**overrides) -> ApplicationData:  # type: ignore[no-untyped-def]
    values = {"proposal": "方案", "technical_route": "路线", "budget": Decimal("2500000"), "timeline": "18 个月",
              "team": "教授 1 名、博士 3 名"}
    values.update(overrides)
    return ApplicationData(**values)


@pytest.fixture
def operator():  # type: ignore[no-untyped-def]
    return OperatorFactory()


@pytest.fixture
def announced(org_admin, operator):  # type: ignore[no-untyped-def]
    demand = published(org_admin, operator)
    challenge = services.challenge_create(actor=org_admin.user, demand=demand, data=terms())
    for _ in range(3):
        challenge = services.challenge_advance(actor=operator, challenge=challenge)
    assert challenge.stage == ChallengeStage.ANNOUNCED
    return challenge


def team(kind_factory=UKOrganisationFactory):  # type: ignore[no-untyped-def]
    return AdminMembershipFactory(organisation=kind_factory())


def test_the_terms_are_checked(org_admin):
    demand = collected(org_admin)
    with pytest.raises(DomainError) as refused:
        services.challenge_create(actor=org_admin.user, demand=demand, data=terms(
            criteria=[("技术", 50), ("团队", 30)], closes_at=OPENS, bounty=Decimal(0), bounty_payer=" "))
    assert set(refused.value.fields) == {"criteria", "closes_at", "bounty", "bounty_payer"}
    assert "80" in refused.value.fields["criteria"][0]
    assert not Challenge.objects.exists()
    with pytest.raises(PermissionDenied):
        services.challenge_create(actor=UserFactory(), demand=demand, data=terms())


def test_stages_run_in_order_and_check_their_conditions(org_admin, operator):
    demand = collected(org_admin)
    challenge = services.challenge_create(actor=org_admin.user, demand=demand, data=terms(announcement=""))
    challenge = services.challenge_advance(actor=operator, challenge=challenge)  # → review
    challenge = services.challenge_advance(actor=operator, challenge=challenge)  # → site visit
    with pytest.raises(DomainError) as refused:  # the demand is not published
        services.challenge_advance(actor=operator, challenge=challenge)
    assert refused.value.code == "stage_conditions"
    assert fresh_values(challenge)["stage"] == ChallengeStage.SITE_VISIT
    with pytest.raises(PermissionDenied):
        services.challenge_advance(actor=org_admin.user, challenge=challenge)
    assert [h.to_stage for h in ChallengeHistory.objects.filter(challenge=challenge).order_by("id")] == [
        "collection", "review", "site_visit"]


def test_the_window_is_enforced_at_its_boundary_instants(announced):
    applicant = team()
    second = team()
    too_early = OPENS - timedelta(microseconds=1)
    with pytest.raises(DomainError) as refused:
        services.application_submit(actor=applicant.user, challenge=announced, organisation=applicant.organisation,
                                    data=proposal(), now=too_early)
    assert refused.value.code == "window_closed" and "2026-12-31 17:00" in refused.value.message
    first = services.application_submit(actor=applicant.user, challenge=announced,
                                        organisation=applicant.organisation, data=proposal(), now=OPENS)
    last = services.application_submit(actor=second.user, challenge=announced, organisation=second.organisation,
                                       data=proposal(), now=CLOSES - timedelta(microseconds=1))
    assert first.submitted_at == OPENS and last.pk
    late = team()
    with pytest.raises(DomainError) as refused:
        services.application_submit(actor=late.user, challenge=announced, organisation=late.organisation,
                                    data=proposal(), now=CLOSES)
    assert refused.value.code == "window_closed"
    # Withdrawing: up to the last instant before the close, not at it.
    with pytest.raises(DomainError):
        services.application_withdraw(actor=second.user, application=last, now=CLOSES)
    withdrawn = services.application_withdraw(actor=applicant.user, application=first,
                                              now=CLOSES - timedelta(microseconds=1))
    assert withdrawn.status == "withdrawn"


def test_who_may_apply(announced, org_admin):
    now = OPENS + timedelta(days=1)
    announced.eligible_kinds = ["university", "research_institute"]
    announced.save()
    announced.eligible_regions.set([Region.objects.get(code="GB")])
    company = AdminMembershipFactory()  # a Chinese enterprise
    with pytest.raises(DomainError) as refused:
        services.application_submit(actor=company.user, challenge=announced, organisation=company.organisation,
                                    data=proposal(), now=now)
    assert refused.value.code == "not_eligible"
    uk = team()  # a British university: type and region fit
    services.application_submit(actor=uk.user, challenge=announced, organisation=uk.organisation, data=proposal(),
                                now=now)
    with pytest.raises(DomainError) as refused:  # one live application per organisation
        services.application_submit(actor=uk.user, challenge=announced, organisation=uk.organisation,
                                    data=proposal(), now=now)
    assert refused.value.code == "already_applied"
    with pytest.raises(PermissionDenied):  # on behalf of someone else's organisation
        services.application_submit(actor=UserFactory(), challenge=announced, organisation=uk.organisation,
                                    data=proposal(), now=now)
    with pytest.raises(DomainError) as refused:
        services.application_submit(actor=uk.user, challenge=announced, organisation=uk.organisation,
                                    data=proposal(team=" "), now=now)


def _to_evaluation(challenge, operator, reviewers):  # type: ignore[no-untyped-def]
    for user in reviewers:
        services.reviewer_assign(actor=operator, challenge=challenge, user=user)
    while challenge.stage != ChallengeStage.EVALUATION:
        challenge = services.challenge_advance(actor=operator, challenge=challenge, now=CLOSES)
    return challenge


def test_conflicted_reviewers_cannot_score_and_ranking_weights_and_ties(announced, operator):
    now = OPENS + timedelta(days=1)
    teams = [team() for _ in range(3)]
    apps = [services.application_submit(actor=t.user, challenge=announced, organisation=t.organisation,
                                        data=proposal(), now=now + timedelta(minutes=n)) for n, t in enumerate(teams)]
    r1, r2, r3 = UserFactory(), UserFactory(), UserFactory()
    challenge = announced
    while challenge.stage != ChallengeStage.SUBMISSION:
        challenge = services.challenge_advance(actor=operator, challenge=challenge, now=now)
    with pytest.raises(DomainError) as refused:  # evaluation only after the window
        services.challenge_advance(actor=operator, challenge=challenge, now=CLOSES - timedelta(seconds=1))
    assert "2026-12-31 17:00" in refused.value.message
    challenge = _to_evaluation(challenge, operator, [r1, r2, r3])
    criteria = list(challenge.criteria.all())  # weights 40, 35, 25

    def score(reviewer, application, values):  # type: ignore[no-untyped-def]
        services.conflict_declare(actor=reviewer, application=application, conflicted=False)
        services.scores_submit(actor=reviewer, application=application,
                               values={c.pk: (Decimal(v), "") for c, v in zip(criteria, values, strict=True)})

    with pytest.raises(DomainError) as refused:  # no declaration yet
        services.scores_submit(actor=r1, application=apps[0], values={c.pk: (Decimal(90), "") for c in criteria})
    assert refused.value.code == "declaration_missing"
    services.conflict_declare(actor=r3, application=apps[0], conflicted=True, note="曾为该团队成员")
    with pytest.raises(PermissionDenied):
        services.scores_submit(actor=r3, application=apps[0], values={c.pk: (Decimal(100), "") for c in criteria})
    with pytest.raises(PermissionDenied):  # not on the panel
        services.conflict_declare(actor=UserFactory(), application=apps[0], conflicted=False)
    # apps[0]: r1 → 40·90+35·80+25·70 = 81.5, r2 → 40·80+35·80+25·80 = 80 → 80.75 (r3 conflicted)
    score(r1, apps[0], [90, 80, 70])
    score(r2, apps[0], [80, 80, 80])
    # apps[1]: three reviewers, mean of 81.30, 80.20 and 80.4125
    score(r1, apps[1], [80, 85, 78.2])  # 32 + 29.75 + 19.55 = 81.30
    score(r2, apps[1], [80, 80, 80.8])  # 32 + 28 + 20.2 = 80.20 → mean 80.75
    score(r3, apps[1], [80, 82.5, 78.15])  # 32 + 28.875 + 19.5375 = 80.4125
    services.conflict_declare(actor=r1, application=apps[2], conflicted=False)
    with pytest.raises(DomainError) as refused:
        services.scores_submit(actor=r1, application=apps[2], values={criteria[0].pk: (Decimal(101), "")})
    assert set(refused.value.fields) == {f"criterion.{c.pk}" for c in criteria}
    score(r1, apps[2], [95, 95, 95])
    score(r2, apps[2], [95, 95, 95])
    missing = selectors.missing_reviews(challenge=challenge)
    assert [(m[0].user, m[1]) for m in missing] == [(r3, apps[2])]
    with pytest.raises(DomainError) as refused:
        services.challenge_advance(actor=operator, challenge=challenge, now=CLOSES)
    assert "1" in refused.value.message
    score(r3, apps[2], [60, 60, 60])
    ranking = selectors.challenge_ranking(challenge=challenge)
    totals = {row.application.pk: row.total for row in ranking}
    assert totals[apps[2].pk] == Decimal("83.33")  # (95 + 95 + 60) / 3
    assert totals[apps[0].pk] == Decimal("80.75") and ranking[0].application == apps[2]
    assert totals[apps[1].pk] == Decimal("80.64")  # (81.30 + 80.20 + 80.4125) / 3 = 80.6375
    assert {row.application.pk: row.reviewers for row in ranking} == {apps[0].pk: 2, apps[1].pk: 3, apps[2].pk: 3}


def test_equal_totals_go_to_the_heavier_criterion_then_the_earlier_application(announced, operator):
    now = OPENS + timedelta(days=1)
    early, late, later = team(), team(), team()
    a = services.application_submit(actor=late.user, challenge=announced, organisation=late.organisation,
                                    data=proposal(), now=now + timedelta(hours=2))
    b = services.application_submit(actor=early.user, challenge=announced, organisation=early.organisation,
                                    data=proposal(), now=now)
    c = services.application_submit(actor=later.user, challenge=announced, organisation=later.organisation,
                                    data=proposal(), now=now + timedelta(hours=3))
    reviewer = UserFactory()
    challenge = _to_evaluation(announced, operator, [reviewer])
    criteria = list(challenge.criteria.all())
    # 40·90 + 35·70 + 25·78 = 8000: the same total as 80/80/80, with more on the heaviest criterion.
    for application, values in ((a, [80, 80, 80]), (b, [80, 80, 80]), (c, [90, 70, 78])):
        services.conflict_declare(actor=reviewer, application=application, conflicted=False)
        services.scores_submit(actor=reviewer, application=application,
                               values={k.pk: (Decimal(v), "") for k, v in zip(criteria, values, strict=True)})
    ranking = selectors.challenge_ranking(challenge=challenge)
    assert [row.total for row in ranking] == [Decimal("80.00")] * 3
    assert [row.application for row in ranking] == [c, b, a]  # heaviest criterion, then the earlier one


def test_publicity_objections_and_the_winner(announced, operator):
    now = OPENS + timedelta(days=1)
    winner_team, other_team = team(), team()
    winner = services.application_submit(actor=winner_team.user, challenge=announced,
                                         organisation=winner_team.organisation, data=proposal(), now=now)
    other = services.application_submit(actor=other_team.user, challenge=announced,
                                        organisation=other_team.organisation, data=proposal(), now=now)
    reviewer = UserFactory()
    challenge = _to_evaluation(announced, operator, [reviewer])
    criteria = list(challenge.criteria.all())
    for application, value in ((winner, 90), (other, 70)):
        services.conflict_declare(actor=reviewer, application=application, conflicted=False)
        services.scores_submit(actor=reviewer, application=application,
                               values={k.pk: (Decimal(value), "") for k in criteria})
    challenge = services.challenge_advance(actor=operator, challenge=challenge, now=CLOSES + timedelta(days=3))
    assert (challenge.stage, challenge.winner) == (ChallengeStage.PUBLICITY, winner)
    ends = challenge.publicity_ends_at
    objection = services.objection_raise(actor=UserFactory(), challenge=challenge, text="评分过程不透明",
                                         now=ends - timedelta(seconds=1))
    with pytest.raises(DomainError):
        services.objection_raise(actor=UserFactory(), challenge=challenge, text="迟到的异议", now=ends)
    with pytest.raises(DomainError) as refused:
        services.challenge_advance(actor=operator, challenge=challenge, now=ends - timedelta(seconds=1))
    assert "publicity" in refused.value.message.lower() or refused.value.code == "stage_conditions"
    with pytest.raises(DomainError) as refused:
        services.challenge_advance(actor=operator, challenge=challenge, now=ends)
    assert refused.value.code == "stage_conditions"  # the objection is open
    services.objection_resolve(actor=operator, objection=objection, resolution="已复核评分记录，维持结果。")
    challenge = services.challenge_advance(actor=operator, challenge=challenge, now=ends, note="揭榜成功：示例大学团队")
    assert (challenge.stage, challenge.result_notice) == (ChallengeStage.AWARDED, "揭榜成功：示例大学团队")
    with pytest.raises(DomainError):
        services.challenge_advance(actor=operator, challenge=challenge, now=ends)
