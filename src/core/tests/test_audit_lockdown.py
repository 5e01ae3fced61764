"""PostgreSQL: after `manage.py audit_lockdown` the audit table and its trigger belong to another role, and the
application's role (a non-superuser that ran the migrations, as in production) can read and append, nothing else."""

import io
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core import dbguard
from core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def run(cursor, *statements):
    for statement in statements:
        cursor.execute(statement)


@pytest.fixture
def app_role():
    """A login role owning the audit tables and the trigger function, as after `migrate` run by the application;
    given back to the test's superuser and dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("table ownership and roles are PostgreSQL's")
    suffix = uuid.uuid4().hex[:8]
    app, owner = f"eiso_app_{suffix}", f"eiso_audit_owner_{suffix}"
    tables = f"{dbguard.TABLE}, {dbguard.HEAD_TABLE}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (admin,) = cursor.fetchone()
        run(cursor, f"CREATE ROLE {app} LOGIN", *dbguard.release_sql(app))
    yield app, owner
    with connection.cursor() as cursor:
        run(cursor, *dbguard.release_sql(admin), f"GRANT ALL ON {tables} TO {admin}")
        for role in (app, owner):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                run(cursor, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def connect_as(role):
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=role, autocommit=True, connect_timeout=10
    )


def refused(conn, statement, params=()):
    try:
        conn.execute(statement, params)
    except psycopg.errors.InsufficientPrivilege as error:
        return str(error)
    return None


def test_after_lockdown_the_application_reads_and_appends_only(province, app_role):
    app, owner = app_role
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_lockdown", owner=owner, stdout=out, stderr=err)  # the app role: the tables' owner
    assert owner in out.getvalue() and app in out.getvalue() and err.getvalue() == ""
    entry = AuditEntry.objects.order_by("id").first()
    with connect_as(app) as conn:
        assert conn.execute("SELECT count(*) FROM core_auditentry").fetchone()[0] == AuditEntry.objects.count()
        conn.execute(  # appending works (the identity column included)
            "INSERT INTO core_auditentry (chain, seq, timestamp, actor_name, action, content_type_id, object_id, "
            "object_repr, changes, comment, prev_hash, hash, key_id) "
            "VALUES ('t', 1, now(), '', 'event', %s, '1', 'x', '{}', '', %s, %s, 'dev')",
            [entry.content_type_id, "0" * 64, uuid.uuid4().hex * 2],
        )
        conn.execute("INSERT INTO core_auditchainhead (chain, seq, last_hash, key_id) VALUES ('t', 0, '', '')")
        conn.execute("UPDATE core_auditchainhead SET seq = 1 WHERE chain = 't'")  # the head moves with each entry
        conn.execute(
            f"GRANT UPDATE, DELETE ON core_auditentry TO {app}"
        )  # a non-owner's grant: PostgreSQL warns, grants nothing
        for statement in (
            f"UPDATE core_auditentry SET comment = 'x' WHERE id = {entry.pk}",
            f"DELETE FROM core_auditentry WHERE id = {entry.pk}",
            "TRUNCATE core_auditentry",
            "DELETE FROM core_auditchainhead",
        ):
            assert "permission denied" in refused(conn, statement), statement
        for statement in (
            "ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only",
            "ALTER TABLE core_auditentry DISABLE TRIGGER USER",
            "DROP TRIGGER core_auditentry_append_only ON core_auditentry",
            "CREATE OR REPLACE FUNCTION eiso_audit_append_only() RETURNS trigger AS $$ BEGIN RETURN OLD; END; "
            "$$ LANGUAGE plpgsql",
            f"ALTER TABLE core_auditentry OWNER TO {app}",
            "DROP TABLE core_auditentry",
        ):
            assert refused(conn, statement) is not None, statement
    assert AuditEntry.objects.get(pk=entry.pk).comment == entry.comment


def test_lockdown_prints_its_sql_and_refuses_what_it_cannot_do(app_role):
    app, owner = app_role
    out = io.StringIO()
    call_command("audit_lockdown", owner=owner, sql=True, stdout=out)
    assert f'GRANT SELECT, INSERT ON core_auditentry TO "{app}"' in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'core_auditentry'")
        assert cursor.fetchone()[0] == app  # --sql ran nothing
    with pytest.raises(CommandError, match="superuser"):  # the test's own role
        call_command("audit_lockdown", owner=owner, app_role=connection.settings_dict["USER"], stdout=io.StringIO())
    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("audit_lockdown", owner="x; DROP TABLE y", stdout=io.StringIO())
    call_command("audit_lockdown", owner=owner, stdout=io.StringIO())
    with pytest.raises(CommandError, match="--app-role"):
        call_command("audit_lockdown", owner=owner, stdout=io.StringIO())  # already locked: the app role is needed
    call_command("audit_lockdown", owner=owner, app_role=app, release=True, stdout=io.StringIO())  # for a migration
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'")
        (schema_owner,) = cursor.fetchone()
        cursor.execute(f"ALTER SCHEMA public OWNER TO {app}")
    err = io.StringIO()
    try:  # an application that owns the schema could still drop the whole table: said, not hidden
        call_command("audit_lockdown", owner=owner, stdout=io.StringIO(), stderr=err)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER SCHEMA public OWNER TO {schema_owner}")
    assert "DROP TABLE" in err.getvalue()
    call_command("audit_lockdown", owner=owner, app_role=app, release=True, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'core_auditentry'")
        assert cursor.fetchone()[0] == app
