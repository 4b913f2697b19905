import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from duijie.core.errors import DomainError, PermissionDenied
from duijie.supply import services
from duijie.supply.models import Achievement, AchievementHistory
from tests.factories import AdminMembershipFactory, MembershipFactory, OperatorFactory, UserFactory
from tests.helpers import field_values, fresh_values
from tests.supply.helpers import data, draft, granted_patent, published

pytestmark = pytest.mark.django_db


def test_achievement_create_derives_stage_band_and_search_text(org_admin):
    achievement = services.achievement_create(
        actor=org_admin.user, organisation=org_admin.organisation,
        data=data(title="機器視覺 ＡＩ 检测", trl=8, price_type="range", price_min=500_000, currency="CNY",
                  translations={"en": ("Machine vision inspection", "Online weld inspection.")}),
    )
    assert (achievement.status, achievement.stage, achievement.price_band) == ("draft", "mature", "10-100")
    assert "机器视觉 ai 检测" in achievement.search_text
    assert "machine vision inspection" in achievement.search_text


def test_achievement_create_by_outsider_is_refused(org_admin):
    with pytest.raises(PermissionDenied):
        services.achievement_create(actor=UserFactory(), organisation=org_admin.organisation, data=data())
    assert Achievement.objects.count() == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": " "}, "title"),
    ({"field_ids": []}, "fields"),
    ({"trl": 10}, "trl"),
    ({"price_type": "range", "price_min": None}, "price_min"),
    ({"price_type": "range", "price_min": 100, "price_max": 50}, "price_max"),
])
def test_achievement_create_validation_names_the_field(org_admin, overrides, field):
    with pytest.raises(DomainError) as excinfo:
        services.achievement_create(actor=org_admin.user, organisation=org_admin.organisation, data=data(**overrides))
    assert field in excinfo.value.fields
    assert Achievement.objects.count() == 0


def test_bad_patent_number_is_refused_with_its_row(org_admin):
    from duijie.supply.services import IPAssetData

    with pytest.raises(DomainError) as excinfo:
        services.achievement_create(actor=org_admin.user, organisation=org_admin.organisation, data=data(
            ip_assets=[granted_patent(), IPAssetData(ip_type="invention_patent", number="CN12345")]))
    assert list(excinfo.value.fields) == ["ip_assets.1.number"]
    assert Achievement.objects.count() == 0


def test_granted_invention_patent_without_grant_date_is_an_error(org_admin):
    from django.utils import translation

    asset = granted_patent()
    asset.grant_date = None
    with translation.override("en"), pytest.raises(DomainError) as excinfo:
        services.achievement_create(actor=org_admin.user, organisation=org_admin.organisation,
                                    data=data(ip_assets=[asset]))
    assert excinfo.value.fields == {"ip_assets.0.grant_date": ["A granted invention patent needs its grant date."]}


def test_granted_patent_sets_the_facet_flag(org_admin):
    achievement = draft(org_admin, ip_assets=[granted_patent()])
    assert achievement.has_granted_patent is True
    assert list(achievement.ip_assets.values_list("number", flat=True)) == [granted_patent().number]


def test_lifecycle_submit_publish_with_history_and_mail(org_admin, operator, django_capture_on_commit_callbacks):
    achievement = draft(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.achievement_transition(actor=org_admin.user, achievement=achievement, name="submit")
    assert [m.to for m in mail.outbox] == [[operator.email]]
    with pytest.raises(DomainError) as excinfo:
        services.achievement_transition(actor=operator, achievement=achievement, name="publish", checklist=["complete"])
    assert excinfo.value.code == "checklist_incomplete"
    achievement.refresh_from_db()
    assert achievement.status == "submitted"
    with django_capture_on_commit_callbacks(execute=True):
        services.achievement_transition(actor=operator, achievement=achievement, name="publish",
                                        checklist=["complete", "ownership", "no_secrets", "contact"])
    achievement.refresh_from_db()
    assert achievement.status == "published" and achievement.published_at is not None
    assert list(AchievementHistory.objects.order_by("id").values_list("from_status", "to_status", "actor")) == [
        ("draft", "submitted", org_admin.user.pk), ("submitted", "published", operator.pk),
    ]
    assert [m.to for m in mail.outbox[1:]] == [[org_admin.user.email]]


def test_owner_cannot_publish_and_nothing_changes(org_admin):
    achievement = draft(org_admin)
    services.achievement_transition(actor=org_admin.user, achievement=achievement, name="submit")
    before = fresh_values(achievement)
    with pytest.raises(PermissionDenied):
        services.achievement_transition(actor=org_admin.user, achievement=achievement, name="publish",
                                        checklist=["complete", "ownership", "no_secrets", "contact"])
    assert fresh_values(achievement) == before


def test_return_needs_a_reason_and_goes_back_to_the_owner(org_admin, operator):
    achievement = draft(org_admin)
    services.achievement_transition(actor=org_admin.user, achievement=achievement, name="submit")
    with pytest.raises(DomainError) as excinfo:
        services.achievement_transition(actor=operator, achievement=achievement, name="return", reason=" ")
    assert excinfo.value.code == "reason_required"
    services.achievement_transition(actor=operator, achievement=achievement, name="return", reason="缺少专利证书")
    achievement.refresh_from_db()
    assert achievement.status == "returned"
    assert achievement.history.first().reason == "缺少专利证书"
    # Returned items are edited and submitted again.
    services.achievement_update(actor=org_admin.user, achievement=achievement, data=data(title="补充后的标题"))
    services.achievement_transition(actor=org_admin.user, achievement=achievement, name="submit")
    achievement.refresh_from_db()
    assert (achievement.title, achievement.status) == ("补充后的标题", "submitted")


def test_transition_from_wrong_state_is_refused(org_admin):
    achievement = draft(org_admin)
    with pytest.raises(DomainError) as excinfo:
        services.achievement_transition(actor=org_admin.user, achievement=achievement, name="transfer")
    assert excinfo.value.code == "invalid_transition"


def test_full_lifecycle_to_transferred_and_archive_restore(org_admin):
    achievement = published(org_admin)
    for name, status in [("start_negotiation", "in_negotiation"), ("resume", "published"),
                         ("start_negotiation", "in_negotiation"), ("transfer", "transferred")]:
        achievement = services.achievement_transition(actor=org_admin.user, achievement=achievement, name=name)
        assert achievement.status == status
    other = published(org_admin)
    other = services.achievement_transition(actor=org_admin.user, achievement=other, name="archive")
    other = services.achievement_transition(actor=org_admin.user, achievement=other, name="restore")
    assert other.status == "draft"


def test_editing_a_published_achievement_keeps_it_published_and_records_the_change(org_admin):
    achievement = published(org_admin)
    services.achievement_update(actor=org_admin.user, achievement=achievement, data=data(summary="新的摘要。", trl=7))
    achievement.refresh_from_db()
    assert (achievement.status, achievement.summary, achievement.stage) == ("published", "新的摘要。", "mature")
    edit = achievement.history.filter(kind="edit").get()
    assert sorted(edit.detail["fields"]) == ["summary", "trl"]


def test_plain_member_of_another_org_cannot_edit(org_admin):
    achievement = draft(org_admin)
    outsider = MembershipFactory().user
    with pytest.raises(PermissionDenied):
        services.achievement_update(actor=outsider, achievement=achievement, data=data(title="x"))


def test_attachment_type_is_sniffed_from_content(org_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    achievement = draft(org_admin)
    pdf = services.attachment_add(actor=org_admin.user, achievement=achievement,
                                  upload=SimpleUploadedFile("../../etc/报告.exe", b"%PDF-1.7 test"))
    assert (pdf.kind, pdf.original_name, pdf.file.name.endswith(".pdf")) == ("pdf", "报告.exe", True)
    with pytest.raises(DomainError) as excinfo:
        services.attachment_add(actor=org_admin.user, achievement=achievement,
                                upload=SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image"))
    assert excinfo.value.code == "file_type"
    assert achievement.attachments.count() == 1


def test_view_counted_once_per_visitor_and_day_and_never_for_bots(org_admin):
    achievement = published(org_admin)
    assert services.achievement_record_view(achievement=achievement, visitor="v1", user_agent="Firefox") is True
    assert services.achievement_record_view(achievement=achievement, visitor="v1", user_agent="Firefox") is False
    assert services.achievement_record_view(achievement=achievement, visitor="v2", user_agent="Googlebot/2.1") is False
    assert services.achievement_record_view(achievement=achievement, visitor="v3", user_agent="Safari") is True
    achievement.refresh_from_db()
    assert achievement.view_count == 2


def test_views_of_drafts_are_not_counted(org_admin):
    achievement = draft(org_admin)
    assert services.achievement_record_view(achievement=achievement, visitor="v1", user_agent="Firefox") is False


def test_docking_request_notifies_operators(org_admin, operator, django_capture_on_commit_callbacks):
    from duijie.docking.services import docking_request_create

    achievement = published(org_admin, operator=operator)
    company = AdminMembershipFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        request = docking_request_create(requester=company, achievement=achievement,
                                         message="我们希望引进该技术用于产线质检。")
    assert (request.status, request.requester_organisation) == ("requested", company.memberships.get().organisation)
    # The team behind the achievement is asked to answer; operators hear of it to assign a broker.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([operator.email, org_admin.user.email])
    with pytest.raises(DomainError) as excinfo:
        docking_request_create(requester=company, achievement=achievement, message="再次申请对接，请联系我们。")
    assert excinfo.value.code == "duplicate_request"


def test_owners_cannot_request_docking_on_their_own_achievement(org_admin):
    from duijie.docking.services import docking_request_create

    achievement = published(org_admin)
    before = field_values(achievement)
    with pytest.raises(PermissionDenied):
        docking_request_create(requester=org_admin.user, achievement=achievement, message="自己对接自己的成果。")
    assert fresh_values(achievement) == before


def test_operator_can_create_for_any_organisation(org_admin):
    achievement = services.achievement_create(actor=OperatorFactory(), organisation=org_admin.organisation, data=data())
    assert achievement.organisation == org_admin.organisation


def test_unknown_choices_in_ip_assets_and_translations_are_refused(org_admin):
    from duijie.supply.services import IPAssetData

    with pytest.raises(DomainError) as excinfo:
        services.achievement_create(actor=org_admin.user, organisation=org_admin.organisation, data=data(
            translations={"fr": ("Titre", "")},
            ip_assets=[IPAssetData(ip_type="know_how", status="pending", jurisdiction="XX")]))
    assert sorted(excinfo.value.fields) == ["ip_assets.0.jurisdiction", "ip_assets.0.status", "translations"]
    assert Achievement.objects.count() == 0
