"""The database refuses to change or remove audit entries on SQLite too (BEFORE UPDATE / BEFORE DELETE triggers),
and TRUNCATE on PostgreSQL (the row trigger of 0002 does not see it). See core.dbguard."""

from django.db import migrations

from core import dbguard


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(dbguard.PG_TRUNCATE)
    else:
        dbguard.ensure(schema_editor.connection)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {dbguard.PG_TRUNCATE_TRIGGER} ON {dbguard.TABLE}")
    elif schema_editor.connection.vendor == "sqlite":
        for name in dbguard.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_seal_legacy_chains")]
    operations = [migrations.RunPython(forward, backward)]
