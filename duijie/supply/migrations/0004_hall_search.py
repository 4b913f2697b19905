"""The hall's keyword index and revision (see ``supply.hallsearch`` and ``supply.hallindex``).

SQLite: an FTS5 table over ``supply_achievementsearch.tokens`` (external content, kept in step by
triggers). PostgreSQL: a stored ``tsvector`` column generated from the tokens, with a GIN index.
The facet index of 0003 goes (the facets are counted in memory now); view counts of public items
are read from an index of their own.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    "CREATE VIRTUAL TABLE supply_hall_fts USING fts5(tokens, content='supply_achievementsearch', "
    "content_rowid='achievement_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER supply_hall_fts_ai AFTER INSERT ON supply_achievementsearch BEGIN "
    "INSERT INTO supply_hall_fts(rowid, tokens) VALUES (new.achievement_id, new.tokens); END",
    "CREATE TRIGGER supply_hall_fts_ad AFTER DELETE ON supply_achievementsearch BEGIN "
    "INSERT INTO supply_hall_fts(supply_hall_fts, rowid, tokens) VALUES ('delete', old.achievement_id, old.tokens); END",
    "CREATE TRIGGER supply_hall_fts_au AFTER UPDATE ON supply_achievementsearch BEGIN "
    "INSERT INTO supply_hall_fts(supply_hall_fts, rowid, tokens) VALUES ('delete', old.achievement_id, old.tokens); "
    "INSERT INTO supply_hall_fts(rowid, tokens) VALUES (new.achievement_id, new.tokens); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS supply_hall_fts_ai", "DROP TRIGGER IF EXISTS supply_hall_fts_ad",
    "DROP TRIGGER IF EXISTS supply_hall_fts_au", "DROP TABLE IF EXISTS supply_hall_fts",
]
POSTGRESQL = [
    "ALTER TABLE supply_achievementsearch ADD COLUMN vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX supply_achievementsearch_vector ON supply_achievementsearch USING gin (vector)",
    # Tokens and vector out of line: the heap rows stay small, so that collecting the ids of
    # 20,000 matches after the GIN lookup reads a few MB, not the whole table (measured: 3x faster).
    "ALTER TABLE supply_achievementsearch SET (toast_tuple_target = 128)",
    "ALTER TABLE supply_achievementsearch ALTER COLUMN tokens SET STORAGE EXTERNAL",
    "ALTER TABLE supply_achievementsearch ALTER COLUMN vector SET STORAGE EXTERNAL",
]
POSTGRESQL_DROP = ["ALTER TABLE supply_achievementsearch DROP COLUMN IF EXISTS vector"]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def create_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE if vendor == "sqlite" else POSTGRESQL if vendor == "postgresql" else [])


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRESQL_DROP if vendor == "postgresql" else [])


def index_public_achievements(apps, schema_editor):
    from duijie.supply.hallsearch import index_tokens

    Achievement = apps.get_model("supply", "Achievement")
    AchievementSearch = apps.get_model("supply", "AchievementSearch")
    public = ["published", "in_negotiation", "transferred"]
    rows = Achievement.objects.filter(status__in=public).values_list("pk", "search_text").iterator(chunk_size=2000)
    batch = []
    for pk, text in rows:
        batch.append(AchievementSearch(achievement_id=pk, tokens=index_tokens(text)))
        if len(batch) >= 2000:
            AchievementSearch.objects.bulk_create(batch)
            batch = []
    AchievementSearch.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('supply', '0003_hall_facet_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='AchievementSearch',
            fields=[
                ('achievement', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='supply.achievement')),
                ('tokens', models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name='HallChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('revision', models.BigIntegerField(db_index=True)),
                ('stamp', models.CharField(max_length=32)),
                ('achievement_id', models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name='HallState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('revision', models.BigIntegerField(default=0)),
                ('stamp', models.CharField(blank=True, max_length=32)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='achievement',
            name='supply_ach_hall_facets',
        ),
        migrations.AlterField(
            model_name='achievement',
            name='view_count',
            field=models.PositiveIntegerField(default=0, verbose_name='views'),
        ),
        migrations.AddIndex(
            model_name='achievement',
            index=models.Index(fields=['status', 'id', 'view_count'], name='supply_ach_status_views'),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
        migrations.RunPython(index_public_achievements, migrations.RunPython.noop),
    ]
