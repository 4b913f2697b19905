"""Requests recorded by the exhibition hall before docking cases existed become cases at "requested":
their target side, their time in the stage, and the history row of their creation."""

from django.db import migrations


def forwards(apps, schema_editor):
    DockingRequest = apps.get_model("docking", "DockingRequest")
    CaseHistory = apps.get_model("docking", "CaseHistory")
    for case in DockingRequest.objects.filter(stage_entered_at__isnull=True).select_related("achievement"):
        if case.achievement_id is not None:
            case.target_kind = "achievement"
            case.target_organisation_id = case.achievement.organisation_id
        case.stage_entered_at = case.created_at
        case.last_activity_at = case.created_at
        case.save(update_fields=["target_kind", "target_organisation", "stage_entered_at", "last_activity_at"])
        row = CaseHistory.objects.create(case=case, kind="transition", actor_id=case.requester_id, from_status="",
                                         to_status=case.status)
        CaseHistory.objects.filter(pk=row.pk).update(created_at=case.created_at)


class Migration(migrations.Migration):
    dependencies = [("docking", "0003_cases_brokers_calendar")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
