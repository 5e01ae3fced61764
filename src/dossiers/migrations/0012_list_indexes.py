"""Indexes of the dossier list: its order (received_at, id) alone (province-wide) and after each common filter
(agency, field, status, procedure), the agency last where it is not first (the scope is checked in the index), and the search index of codes and applicants (dossiers/search_index.py:
pg_trgm GIN indexes on PostgreSQL, an FTS5 trigram table on SQLite)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


def install(apps, schema_editor):
    from dossiers import search_index

    search_index.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from dossiers import search_index

    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0011_import_content_hash"),
        ("organizations", "0001_initial"),
        ("procedures", "0002_processdefinition_processstep_and_more"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="dossier", name="dossier_agency_received"),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["agency", "received_at", "id"], name="dossier_agency_received"),
        ),
        migrations.AddIndex(
            model_name="dossier", index=models.Index(fields=["received_at", "id", "agency"], name="dossier_received")
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["field", "received_at", "id", "agency"], name="dossier_field_received"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["status", "received_at", "id", "agency"], name="dossier_status_received"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["procedure", "received_at", "id", "agency"], name="dossier_procedure_received"),
        ),
        TrigramExtension(),  # PostgreSQL only (a no-op elsewhere)
        migrations.RunPython(install, uninstall, elidable=False),
    ]
