"""Backups that restore: the database, consistent at one moment (SQLite's online backup; `pg_dump` in its custom
format on PostgreSQL), the uploaded files, and a manifest of what was saved (row counts of every table, the audit
chains' heads) that a restore checks itself against."""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from glob import glob
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections

MANIFEST = "manifest.json"
SQLITE_FILE, PG_FILE, MEDIA_FILE = "database.sqlite3", "database.pgdump", "media.tar.gz"


def _tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, or Debian's newest server version."""
    found = shutil.which(name) or next(iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise CommandError(f"{name} is needed for a PostgreSQL backup (Debian: apt install postgresql-client).")
    return found


def _pg_env(alias: str) -> tuple[list[str], dict[str, str]]:
    db = connections[alias].settings_dict
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["-h", db.get("HOST") or "localhost", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or ""]
    return args + ["-d", db["NAME"]], env


def table_counts(alias: str = "default") -> dict[str, int]:
    """Rows of every table of the database (the Django tables and any other), by table name."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _pg_dump(target: Path, alias: str) -> tuple[dict[str, int], dict[str, list]]:
    """`pg_dump` (custom format) of the snapshot of a REPEATABLE READ transaction that stays open meanwhile; the row
    counts of every table and the audit chains' heads are read in that same transaction, so they describe exactly
    what was dumped."""
    import psycopg

    db = connections[alias].settings_dict
    args, env = _pg_env(alias)
    conninfo = {"host": db.get("HOST") or "localhost", "port": db.get("PORT") or 5432, "dbname": db["NAME"]}
    conninfo |= {"user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), conn.cursor() as cursor:
            snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
            subprocess.run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(target)]
                + args,
                env=env,
                check=True,
                capture_output=True,
            )
            names = cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            ).fetchall()
            counts = {name: cursor.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for (name,) in names}
            heads = {chain: [seq, last] for chain, seq, last in cursor.execute(_heads_sql()).fetchall()}
            return counts, heads


def _heads_sql() -> str:
    from core.models import AuditChainHead

    return f'SELECT chain, seq, last_hash FROM "{AuditChainHead._meta.db_table}" ORDER BY chain'


def backup(destination: Path, alias: str = "default") -> Path:
    """Write a backup folder under `destination` and return it: the database, the uploaded files, the manifest."""
    connection = connections[alias]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    folder = Path(destination) / f"eiso-backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    # The manifest's counts are read from the very snapshot that is copied (SQLite: the copy itself; PostgreSQL: the
    # snapshot exported to pg_dump), so writers going on meanwhile cannot make them disagree.
    manifest = {"created_at": dt.datetime.now(dt.UTC).isoformat(), "vendor": connection.vendor}
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / SQLITE_FILE)
        with target:
            connection.connection.backup(target)  # SQLite's online backup: one consistent copy, writers may go on
        target.close()
        copy = sqlite3.connect(folder / SQLITE_FILE)
        manifest["tables"] = {
            name: copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if not name.startswith("sqlite_")
        }
        manifest["audit_chains"] = {chain: [seq, last] for chain, seq, last in copy.execute(_heads_sql())}
        copy.close()
    elif connection.vendor == "postgresql":
        manifest["tables"], manifest["audit_chains"] = _pg_dump(folder / PG_FILE, alias)
    else:
        raise CommandError(f"No backup for the database engine {connection.vendor}.")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA_FILE, "w:gz") as tar:
        if media.exists():
            tar.add(media, arcname="media")
    manifest["media_files"] = sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


def restore(folder: Path, alias: str = "default", media_root: Path | None = None) -> dict:
    """Bring a backup back into an empty database (`alias`) and media folder; returns the manifest. Refuses a
    database that holds rows, and checks the restored row counts against the manifest."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    connection = connections[alias]
    if connection.vendor != manifest["vendor"]:
        raise CommandError(f"The backup is of {manifest['vendor']}; the target database is {connection.vendor}.")
    holding = {table: n for table, n in table_counts(alias).items() if n}
    if holding:
        raise CommandError(
            f"The target database is not empty ({len(holding)} tables hold rows): restore needs an empty one."
        )
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(folder / SQLITE_FILE)
        source.backup(connection.connection)
        source.close()
    else:
        args, env = _pg_env(alias)
        done = subprocess.run(
            # --clean: empty tables left by an earlier schema are replaced (a database with rows was refused above)
            [
                _tool("pg_restore"),
                "--no-owner",
                "--clean",
                "--if-exists",
                "--exit-on-error",
                *args,
                str(folder / PG_FILE),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise CommandError(f"pg_restore failed: {done.stderr.strip()[:500]}")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA_FILE, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("media/")]
        for member in members:
            member.name = member.name.removeprefix("media/")
        tar.extractall(media_root, members=[m for m in members if m.name], filter="data")
    restored = table_counts(alias)
    wrong = {t: (n, restored.get(t)) for t, n in manifest["tables"].items() if restored.get(t) != n}
    if wrong:
        raise CommandError(f"Restored row counts differ from the backup's: {wrong}")
    return manifest
