"""A backup of the demo province restores elsewhere: every table's rows, the uploaded files, the audit trail."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from core.audit import verify_chain
from core.backup import backup, restore, table_counts

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "restored"])


@pytest.fixture
def elsewhere():
    """The test settings' second database 'restored', same engine, emptied of the tables the test runner made:
    a fresh database as an IT department would create for a restore."""
    connection = connections["restored"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for name in connection.introspection.table_names(cursor):
                cursor.execute(f'DROP TABLE IF EXISTS "{name}"')  # an FTS table takes its shadow tables
    return "restored"


def test_the_demo_backs_up_and_restores_elsewhere(tmp_path, elsewhere, settings):
    call_command("load_demo", stdout=io.StringIO())
    upload = Path(settings.MEDIA_ROOT) / "backup-test" / "quy-trinh.docx"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"PK\x03\x04 a stored upload")
    folder = call_backup(tmp_path)
    before = table_counts("default")
    media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command("restore", str(folder), database=elsewhere, stdout=out)
    assert "audit trail intact" in out.getvalue()
    after = table_counts(elsewhere)
    assert after == before and before["dossiers_dossier"] > 0 and before["core_auditentry"] > 0
    chains = set(connections["default"].cursor().execute("SELECT DISTINCT chain FROM core_auditentry").fetchall())
    assert chains and all(verify_chain(chain, using=elsewhere) == [] for (chain,) in chains)
    restore_media = restore  # the files: restored into a folder of their own too
    with pytest.raises(CommandError, match="not empty"):
        restore_media(folder, elsewhere, media_root=media)  # never over data
    assert (Path(settings.MEDIA_ROOT) / "backup-test" / "quy-trinh.docx").read_bytes() == upload.read_bytes()


def call_backup(tmp_path):
    out = io.StringIO()
    call_command("backup", to=str(tmp_path / "backups"), stdout=out)
    folders = list((tmp_path / "backups").iterdir())
    assert len(folders) == 1 and str(folders[0]) in out.getvalue()
    return folders[0]


def test_the_media_files_come_back(tmp_path, elsewhere, settings):
    upload = Path(settings.MEDIA_ROOT) / "backup-test" / "bien-ban.pdf"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.7 minutes")
    folder = backup(tmp_path / "backups")
    restore(folder, elsewhere, media_root=tmp_path / "media-2")
    assert (tmp_path / "media-2" / "backup-test" / "bien-ban.pdf").read_bytes() == b"%PDF-1.7 minutes"
