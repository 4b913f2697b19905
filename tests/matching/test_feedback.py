"""Recommendations in the product: structured signals, impressions and clicks, verdicts, training,
the broker console, experts (with their own impressions, clicks and verdicts), and the API for each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from duijie.demand import services as demand_services
from duijie.matching import selectors, services
from duijie.matching.engine import rerank
from duijie.matching.models import ConsoleVisit, Feedback, Impression, RankingModel
from tests.demand.helpers import published as published_demand
from tests.factories import AdminMembershipFactory, ApiTokenFactory, BrokerFactory, ExpertFactory, UserFactory
from tests.supply.helpers import published as published_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():  # type: ignore[no-untyped-def]
    selectors.reset()


def _weld_demand(org_admin, operator, **overrides):  # type: ignore[no-untyped-def]
    values = {"title": "焊缝缺陷在线检测", "summary": "寻求焊缝缺陷的机器视觉检测方案。", "problem": "气孔识别",
              "fields": ["ai.computer-vision"], "trl_needed": 6, "budget_type": "range",
              "budget_min": Decimal(100_000), "budget_max": Decimal(500_000)}
    return published_demand(org_admin, operator, **(values | overrides))


def _two_offers():  # type: ignore[no-untyped-def]
    """Two achievements with much the same text; the second fits what the demand declares."""
    misfit = published_achievement(AdminMembershipFactory(), title="焊缝缺陷检测方法", summary="焊缝缺陷的机器视觉检测，识别气孔。",
                                   fields=["biomedicine"], trl=3, price_type="range", price_min=Decimal(900_000),
                                   price_max=Decimal(1_000_000))
    fits = published_achievement(AdminMembershipFactory(), title="焊缝缺陷检测系统", summary="机器视觉检测焊缝缺陷。",
                                 fields=["ai.computer-vision"], trl=7, price_type="range", price_min=Decimal(200_000),
                                 price_max=Decimal(300_000))
    return misfit, fits


def test_structured_signals_reorder_and_explain(org_admin, operator, client_for):
    misfit, fits = _two_offers()
    demand = _weld_demand(org_admin, operator)
    found = selectors.recommendations_for_demand(user=operator, demand=demand)
    assert [r.achievement for r in found] == [fits, misfit]
    best = found[0]
    assert {name for name, effect in best.signals if effect > 0} == {"subfield", "field", "trl", "budget"}
    assert {name for name, effect in found[1].signals if effect < 0} == {"field", "trl", "budget"}
    assert best.model_version == "prior" and best.features["subfield"] == 1.0
    page = client_for(org_admin.user, language="en").get(reverse("demand:detail", args=[demand.pk])).content.decode()
    assert "shares a technology field" in page and "asking price above the budget" in page


def test_the_page_logs_what_it_shows_and_the_buttons_record_verdicts(org_admin, operator, client_for):
    _misfit, fits = _two_offers()
    demand = _weld_demand(org_admin, operator)
    owner = client_for(org_admin.user)
    page = owner.get(reverse("demand:detail", args=[demand.pk]))
    shown = list(Impression.objects.filter(user=org_admin.user, demand=demand).order_by("rank"))
    assert [i.achievement for i in shown][:1] == [fits] and shown[0].features["subfield"] == 1.0
    assert shown[0].model_version == "prior" and shown[0].surface == "demand"
    first = page.context["recommendations"][0]
    assert first.impression_id == shown[0].pk
    assert reverse("matching:feedback", args=[shown[0].pk]) in page.content.decode()
    # Interested, with a reason; then a change of mind replaces it.
    back = owner.post(reverse("matching:feedback", args=[shown[0].pk]),
                      {"verdict": "interested", "reason": "正是我们要的", "next": f"/demands/{demand.pk}/"})
    assert back.status_code == 302 and back["Location"] == f"/demands/{demand.pk}/"
    owner.post(reverse("matching:feedback", args=[shown[0].pk]), {"verdict": "not_relevant", "reason": ""})
    verdict = Feedback.objects.get()
    assert (verdict.verdict, verdict.reason, verdict.achievement) == ("not_relevant", "", fits)
    assert verdict.features == shown[0].features
    # Nonsense is refused and changes nothing; nobody votes on what was shown to someone else.
    owner.post(reverse("matching:feedback", args=[shown[0].pk]), {"verdict": "maybe"})
    stranger = client_for(UserFactory())
    stranger.post(reverse("matching:feedback", args=[shown[0].pk]), {"verdict": "interested"})
    assert list(Feedback.objects.values_list("verdict", flat=True)) == ["not_relevant"]
    assert stranger.get(reverse("matching:open", args=[shown[0].pk])).status_code == 404
    # Following the link counts the click once and lands on the achievement.
    opened = owner.get(reverse("matching:open", args=[shown[0].pk]))
    assert opened["Location"] == reverse("supply:achievement_detail", args=[fits.pk])
    shown[0].refresh_from_db()
    clicked = shown[0].clicked_at
    assert clicked is not None
    owner.get(reverse("matching:open", args=[shown[0].pk]))
    shown[0].refresh_from_db()
    assert shown[0].clicked_at == clicked


def _verdict(user, demand, achievement, verdict, **values):  # type: ignore[no-untyped-def]
    """A verdict given through the service on an impression with these feature values."""
    features = dict.fromkeys(rerank.FEATURES, 0.0) | values
    impression = Impression.objects.create(user=user, surface="demand", demand=demand, achievement=achievement,
                                           rank=1, score=1.0, features=features, model_version="prior")
    services.give_feedback(user=user, impression_id=impression.pk, verdict=verdict)


def test_training_fits_stores_a_version_and_the_product_uses_it_unless_worse(org_admin, operator, capsys):
    misfit, fits = _two_offers()
    demand = _weld_demand(org_admin, operator)
    from duijie.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        services.train_model()
    assert refused.value.code == "feedback" and not RankingModel.objects.exists()
    # Thirty people: interested in the pair of the right field, whatever the text; not in the other.
    for i in range(30):
        user = UserFactory()
        _verdict(user, demand, fits, "interested", text=0.5 + (i % 6) / 10, subfield=1.0)
        _verdict(user, demand, misfit, "not_relevant", text=0.4 + (i % 6) / 10)
    call_command("match", "train")
    out = capsys.readouterr().out
    assert "model v1: 60 verdicts" in out and "now in use" in out, out
    model = RankingModel.objects.get(version=1)
    assert model.active and model.weights["subfield"] > 0 and model.weights["text"] > 0
    assert model.auc_after >= model.auc_before
    assert selectors.active_model().version == "v1"
    assert selectors.recommendations_for_demand(user=operator, demand=demand)[0].model_version == "v1"
    # Verdicts that favour weaker text: such a model would turn the ranking upside down: stored, not used.
    Feedback.objects.filter(achievement=fits).update(features=dict.fromkeys(rerank.FEATURES, 0.0) | {"text": 0.1})
    Feedback.objects.filter(achievement=misfit).update(features=dict.fromkeys(rerank.FEATURES, 0.0) | {"text": 0.9})
    result = services.train_model()
    assert (result.model.version, result.activated) == (2, False)
    assert selectors.active_model().version == "v1"


def test_the_console_shows_new_matches_since_the_last_visit(org_admin, operator, client_for):
    _misfit, fits = _two_offers()
    demand = _weld_demand(org_admin, operator)
    broker, other_broker = BrokerFactory(), BrokerFactory()
    demand_services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])
    c = client_for(broker, language="en")
    first = c.get(reverse("matching:console"))
    assert first.status_code == 200
    rows = first.context["rows"]
    assert [row.demand for row in rows] == [demand] and fits.pk in rows[0].new
    assert 'data-testid="new"' in first.content.decode()
    second = c.get(reverse("matching:console"))
    assert second.context["rows"][0].new == set() and 'data-testid="new"' not in second.content.decode()
    assert "since your last visit" in second.content.decode() and ConsoleVisit.objects.filter(user=broker).exists()
    # Another broker's console does not watch this demand; an enterprise member has no console.
    assert client_for(other_broker).get(reverse("matching:console")).context["rows"] == []
    assert client_for(org_admin.user).get(reverse("matching:console")).status_code == 403
    later = published_achievement(AdminMembershipFactory(), title="焊缝缺陷视觉检测设备", summary="焊缝缺陷在线检测。",
                                  fields=["ai.computer-vision"], trl=8)
    third = c.get(reverse("matching:console")).context["rows"][0]
    assert third.new == {later.pk}


def test_experts_whose_directions_answer_a_demand(org_admin, operator, client_for):
    from duijie.supply.models import ResearchDirection

    expert = ExpertFactory(name="李焊")
    ResearchDirection.objects.create(expert=expert, language="zh-hans", text="焊缝缺陷的机器视觉检测")
    ExpertFactory(name="王农")
    demand = _weld_demand(org_admin, operator)
    found = selectors.experts_for_demand(user=org_admin.user, demand=demand)
    assert [m.expert for m in found] == [expert] and "焊缝" in found[0].explanation.terms
    assert selectors.experts_for_demand(user=UserFactory(), demand=demand) == []
    page = client_for(org_admin.user).get(reverse("demand:detail", args=[demand.pk])).content.decode()
    assert "李焊" in page


def _weld_expert(name: str = "李焊", direction: str = "焊缝缺陷的机器视觉检测"):  # type: ignore[no-untyped-def]
    from duijie.supply.models import ResearchDirection

    expert = ExpertFactory(name=name)
    ResearchDirection.objects.create(expert=expert, language="zh-hans", text=direction)
    return expert


def test_the_page_logs_the_experts_it_shows_and_their_buttons_record_verdicts(org_admin, operator, client_for):
    expert = _weld_expert()
    demand = _weld_demand(org_admin, operator)
    owner = client_for(org_admin.user)
    page = owner.get(reverse("demand:detail", args=[demand.pk]))
    shown = Impression.objects.get(user=org_admin.user, demand=demand, surface="experts")
    assert (shown.expert, shown.achievement, shown.rank, shown.model_version) == (expert, None, 1, "text")
    assert shown.features == {"text": 1.0} and shown.score == page.context["experts"][0].score
    assert page.context["experts"][0].impression_id == shown.pk
    html = page.content.decode()
    assert reverse("matching:feedback", args=[shown.pk]) in html and reverse("matching:open", args=[shown.pk]) in html
    # Interested, with a reason; then a change of mind replaces it.
    back = owner.post(reverse("matching:feedback", args=[shown.pk]),
                      {"verdict": "interested", "reason": "方向对口", "next": f"/demands/{demand.pk}/"})
    assert back.status_code == 302 and back["Location"] == f"/demands/{demand.pk}/"
    verdict = Feedback.objects.get()
    assert (verdict.verdict, verdict.reason, verdict.expert, verdict.achievement) == ("interested", "方向对口", expert,
                                                                                      None)
    owner.post(reverse("matching:feedback", args=[shown.pk]), {"verdict": "not_relevant", "reason": ""})
    verdict = Feedback.objects.get()
    assert (verdict.verdict, verdict.reason, verdict.surface, verdict.features) == ("not_relevant", "", "experts",
                                                                                    {"text": 1.0})
    # A second showing is a new impression, but still the same pair: the verdict on it replaces the first.
    owner.get(reverse("demand:detail", args=[demand.pk]))
    again = Impression.objects.filter(surface="experts").latest("pk")
    assert again.pk != shown.pk
    owner.post(reverse("matching:feedback", args=[again.pk]), {"verdict": "interested"})
    assert list(Feedback.objects.values_list("verdict", "impression")) == [("interested", again.pk)]
    # Nonsense is refused and changes nothing; nobody votes on, or opens, what was shown to someone else.
    owner.post(reverse("matching:feedback", args=[again.pk]), {"verdict": "maybe"})
    stranger = client_for(UserFactory())
    stranger.post(reverse("matching:feedback", args=[again.pk]), {"verdict": "not_relevant"})
    assert list(Feedback.objects.values_list("verdict", flat=True)) == ["interested"]
    assert stranger.get(reverse("matching:open", args=[again.pk])).status_code == 404
    # Following the link counts the click once and lands on the expert's profile.
    opened = owner.get(reverse("matching:open", args=[shown.pk]))
    assert opened["Location"] == reverse("supply:expert_detail", args=[expert.pk])
    shown.refresh_from_db()
    clicked = shown.clicked_at
    assert clicked is not None
    owner.get(reverse("matching:open", args=[shown.pk]))
    shown.refresh_from_db()
    assert shown.clicked_at == clicked


def test_expert_verdicts_are_kept_apart_from_achievement_verdicts(org_admin, operator):
    from duijie.core.errors import DomainError, PermissionDenied

    _misfit, fits = _two_offers()
    expert = _weld_expert()
    demand = _weld_demand(org_admin, operator)
    user = org_admin.user
    matches = selectors.experts_for_demand(user=user, demand=demand)
    assert services.log_expert_impressions(user=UserFactory.build(), demand=demand, matches=[]) == []
    [shown] = services.log_expert_impressions(user=user, demand=demand, matches=matches)
    assert matches[0].impression_id == shown.pk
    services.log_impressions(user=user, surface="demand",
                             recommendations=selectors.recommendations_for_demand(user=user, demand=demand))
    on_achievement = Impression.objects.get(achievement=fits)
    services.give_feedback(user=user, impression_id=shown.pk, verdict="interested", reason="  懂焊接  ")
    services.give_feedback(user=user, impression_id=on_achievement.pk, verdict="not_relevant")
    assert sorted(Feedback.objects.values_list("surface", "expert", "achievement", "verdict", "reason")) == [
        ("demand", None, fits.pk, "not_relevant", ""), ("experts", expert.pk, None, "interested", "懂焊接")]
    with pytest.raises(DomainError) as too_long:
        services.give_feedback(user=user, impression_id=shown.pk, verdict="interested", reason="x" * 301)
    assert too_long.value.code == "reason"
    with pytest.raises(PermissionDenied):
        services.record_click(user=UserFactory(), impression_id=shown.pk)


def test_the_back_office_shows_the_expert_of_impressions_and_verdicts(org_admin, operator, client_for):
    expert = _weld_expert(name="李焊工")
    demand = _weld_demand(org_admin, operator)
    client_for(org_admin.user).get(reverse("demand:detail", args=[demand.pk]))
    shown = Impression.objects.get(surface="experts", expert=expert)
    services.give_feedback(user=org_admin.user, impression_id=shown.pk, verdict="interested", reason="焊接专家")
    office = client_for(operator, language="en")
    impressions = office.get("/backoffice/matching/impression/")
    assert impressions.status_code == 200 and "李焊工" in impressions.content.decode()
    verdicts = office.get("/backoffice/matching/feedback/", {"q": "李焊工"})
    assert verdicts.status_code == 200 and list(verdicts.context["cl"].result_list) == [Feedback.objects.get()]
    assert "Experts for a demand" in verdicts.content.decode()


def test_training_leaves_expert_verdicts_out(org_admin, operator):
    from duijie.core.errors import DomainError

    expert = _weld_expert()
    demand = _weld_demand(org_admin, operator)
    for i in range(30):
        user = UserFactory()
        impression = Impression.objects.create(user=user, surface="experts", demand=demand, expert=expert, rank=1,
                                               score=1.0, features={"text": i / 30}, model_version="text")
        services.give_feedback(user=user, impression_id=impression.pk,
                               verdict="interested" if i % 2 else "not_relevant")
    with pytest.raises(DomainError) as refused:
        services.train_model()
    assert refused.value.code == "feedback" and not RankingModel.objects.exists()


def test_demand_page_queries_do_not_grow_with_its_experts(org_admin, operator, client_for, settings):
    from tests.helpers import get_counting_queries, warm_hall

    warm_hall(settings)
    demand = _weld_demand(org_admin, operator)
    owner = client_for(org_admin.user)
    url = reverse("demand:detail", args=[demand.pk])
    _weld_expert("专家甲")
    owner.get(url)  # builds the experts' index, as a warm server has it
    one, response = get_counting_queries(owner, url)
    assert len(response.context["experts"]) == 1
    for name in ("专家乙", "专家丙", "专家丁", "专家戊"):
        _weld_expert(name)
    owner.get(url)
    five, response = get_counting_queries(owner, url)
    assert len(response.context["experts"]) == 5
    assert five == one


def test_the_api_both_ways_with_verdicts_clicks_console_and_models(org_admin, operator, client_for):
    misfit, fits = _two_offers()
    demand = _weld_demand(org_admin, operator)
    ApiTokenFactory(user=org_admin.user, raw_token="dj_match-owner")
    owner = {"HTTP_AUTHORIZATION": "Bearer dj_match-owner"}
    c = client_for(None)
    got = c.get(f"/api/matching/demands/{demand.pk}/recommendations", **owner)
    assert got.status_code == 200, got.content
    body = got.json()
    assert [r["achievement_id"] for r in body] == [fits.pk, misfit.pk]
    assert {s["name"] for s in body[0]["signals"]} >= {"subfield", "trl"} and body[0]["impression_id"]
    assert body[0]["terms"] and body[0]["model_version"] == "prior"
    sent = c.post("/api/matching/feedback", {"impression_id": body[0]["impression_id"], "verdict": "interested",
                                             "reason": "fits"}, content_type="application/json", **owner)
    assert sent.status_code == 201 and sent.json()["verdict"] == "interested"
    bad = c.post("/api/matching/feedback", {"impression_id": body[0]["impression_id"], "verdict": "meh"},
                 content_type="application/json", **owner)
    assert bad.status_code == 400 and bad.json()["code"] == "verdict"
    assert c.post(f"/api/matching/impressions/{body[0]['impression_id']}/click", **owner).json()["clicked_at"]
    ApiTokenFactory(user=UserFactory(), raw_token="dj_match-stranger")
    stranger = {"HTTP_AUTHORIZATION": "Bearer dj_match-stranger"}
    assert c.post(f"/api/matching/impressions/{body[0]['impression_id']}/click", **stranger).status_code == 403
    assert c.get(f"/api/matching/demands/{demand.pk}/recommendations", **stranger).status_code == 403
    assert c.get("/api/matching/console", **stranger).status_code == 403
    assert c.get("/api/matching/models", **owner).status_code == 403
    assert c.get(f"/api/matching/demands/{demand.pk}/recommendations").status_code == 401
    # The other way: the achievement's institution sees the demand (a public one) with its signals.
    fits_owner = fits.organisation.memberships.first().user
    ApiTokenFactory(user=fits_owner, raw_token="dj_match-institution")
    back = c.get(f"/api/matching/achievements/{fits.pk}/demands",
                 HTTP_AUTHORIZATION="Bearer dj_match-institution").json()
    assert [r["demand_id"] for r in back] == [demand.pk] and back[0]["impression_id"]
    assert Impression.objects.filter(surface="achievement", user=fits_owner).count() == 1


def test_the_api_experts_with_verdicts_and_clicks(org_admin, operator, client_for):
    expert = _weld_expert()
    demand = _weld_demand(org_admin, operator)
    ApiTokenFactory(user=org_admin.user, raw_token="dj_experts-owner")
    owner = {"HTTP_AUTHORIZATION": "Bearer dj_experts-owner"}
    c = client_for(None)
    got = c.get(f"/api/matching/demands/{demand.pk}/experts", **owner)
    assert got.status_code == 200, got.content
    [item] = got.json()
    shown = Impression.objects.get(surface="experts")
    assert (item["impression_id"], item["demand_id"], item["expert_id"], item["model_version"]) == (
        shown.pk, demand.pk, expert.pk, "text")
    assert (shown.user, shown.expert, shown.features) == (org_admin.user, expert, {"text": 1.0})
    sent = c.post("/api/matching/feedback", {"impression_id": shown.pk, "verdict": "interested", "reason": "方向对口"},
                  content_type="application/json", **owner)
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert (body["demand_id"], body["expert_id"], body["achievement_id"], body["verdict"], body["reason"]) == (
        demand.pk, expert.pk, None, "interested", "方向对口")
    changed = c.post("/api/matching/feedback", {"impression_id": shown.pk, "verdict": "not_relevant"},
                     content_type="application/json", **owner)
    assert (changed.status_code, changed.json()["verdict"]) == (201, "not_relevant")
    assert list(Feedback.objects.values_list("verdict", "reason")) == [("not_relevant", "")]
    bad = c.post("/api/matching/feedback", {"impression_id": shown.pk, "verdict": "meh"},
                 content_type="application/json", **owner)
    assert (bad.status_code, bad.json()["code"]) == (400, "verdict")
    first = c.post(f"/api/matching/impressions/{shown.pk}/click", **owner)
    assert first.status_code == 200 and first.json()["clicked_at"]
    second = c.post(f"/api/matching/impressions/{shown.pk}/click", **owner)
    assert second.json()["clicked_at"] == first.json()["clicked_at"]
    # A stranger may neither see, judge nor open them; nobody unsigned; a demand that is not there is not found.
    ApiTokenFactory(user=UserFactory(), raw_token="dj_experts-stranger")
    stranger = {"HTTP_AUTHORIZATION": "Bearer dj_experts-stranger"}
    assert c.get(f"/api/matching/demands/{demand.pk}/experts", **stranger).status_code == 403
    assert c.post("/api/matching/feedback", {"impression_id": shown.pk, "verdict": "interested"},
                  content_type="application/json", **stranger).status_code == 403
    assert c.post(f"/api/matching/impressions/{shown.pk}/click", **stranger).status_code == 403
    assert list(Feedback.objects.values_list("user", "verdict")) == [(org_admin.user.pk, "not_relevant")]
    assert c.get(f"/api/matching/demands/{demand.pk}/experts").status_code == 401
    assert c.post("/api/matching/feedback", {"impression_id": shown.pk, "verdict": "interested"},
                  content_type="application/json").status_code == 401
    assert c.get(f"/api/matching/demands/{demand.pk + 1000}/experts", **owner).status_code == 404
