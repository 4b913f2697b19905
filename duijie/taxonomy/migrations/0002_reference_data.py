from django.db import migrations


def load(apps, schema_editor):
    from duijie.taxonomy.loaders import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]

    # Reversing keeps the rows: other tables point at them, and re-running the load is idempotent.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
