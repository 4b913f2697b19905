"""A covering index for the exhibition hall's facet counts (``selectors.hall_facets``): SQLite and
PostgreSQL answer the grouped query on the row's columns, and the ids of the visible items whose
links are counted, from the index alone (measured by ``duijie bench hall``)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("supply", "0002_import_job"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="achievement",
            index=models.Index(
                fields=["organisation", "stage", "price_band", "has_granted_patent", "status", "id"],
                name="supply_ach_hall_facets",
            ),
        ),
    ]
