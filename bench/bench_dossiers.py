"""Dossier benchmarks (not part of the test suite). Each figure is a ratio to the raw limit measured in
the same run. Runs on SQLite (temporary file) and, when EISO_PG_URL is set (./eiso bench dossiers),
on PostgreSQL, each backend in its own process.

  1. Due dates: WorkCalendar.add_working_days_bulk vs numpy.busday_offset (rows per second).
  2. Bulk import of N dossier events from a CSV export through the real import job (streaming reader,
     validation, working-day deadlines, idempotent insert, monthly summary) vs a raw bulk insert of the
     same rows (COPY on PostgreSQL, executemany on SQLite) into a table with the same unique key.
  3. The on-time-rate dashboard over M dossiers (pre-aggregated monthly and late-step summaries: rates and
     bottlenecks) vs the hand-written SQL aggregates over the dossiers table: p95 latency.

  python bench/bench_dossiers.py [--events 1000000] [--dossiers 5000000] [--only dates,import,dashboard]
"""

import argparse
import csv
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


# -- 1. due dates -------------------------------------------------------------------------------
def bench_dates(n=1_000_000):
    import numpy as np

    from core.workdays import WorkCalendar

    cal = WorkCalendar(2014, 2035)
    rng = np.random.default_rng(1)
    starts = np.datetime64("2024-01-01T00:00") + rng.integers(0, 3 * 365 * 24 * 60, n).astype("timedelta64[m]")
    halves = rng.integers(1, 61, n)
    cal.add_working_days_bulk(starts[:1000], halves[:1000])
    t0 = time.perf_counter()
    cal.add_working_days_bulk(starts, halves)
    ours = time.perf_counter() - t0
    holidays = sorted(set(np.datetime64(d, "D") for d in __import__("holidays").Vietnam(years=range(2014, 2036))))
    dates = starts.astype("datetime64[D]")
    days = halves // 2
    np.busday_offset(dates[:1000], days[:1000], roll="forward", holidays=holidays)
    t0 = time.perf_counter()
    np.busday_offset(dates, days, roll="forward", holidays=holidays)
    ref = time.perf_counter() - t0
    return {"rows": n, "ours_per_s": n / ours, "busday_offset_per_s": n / ref, "ratio": ref / ours}


# -- shared set-up ------------------------------------------------------------------------------
def setup_django(db_url):
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        # The product's SQLite settings (WAL, page cache...), not the test suite's in-memory ones.
        from eiso.settings.base import SQLITE_OPTIONS

        connection.settings_dict["OPTIONS"] = dict(SQLITE_OPTIONS)

    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="eiso-bench-media-"))
    call_command("migrate", verbosity=0)


def make_agency(n_procedures=20):
    from organizations.models import Agency, AgencyKind, Province
    from procedures.models import AdminProcedure, Field
    from procedures.services import STANDARD_STEPS, save_process, standard_allotment

    province = Province.objects.create(code="86", name="Tỉnh Vĩnh Long")
    kind = AgencyKind.objects.create(code="department", name="Sở")
    agency = Agency.objects.create(
        province=province, kind=kind, code="SNNMT", name="Sở Nông nghiệp và Môi trường", obligation="mandatory"
    )
    fields = [
        Field.objects.create(code=f"f{i}", name=name)
        for i, name in enumerate(["Đất đai", "Xây dựng", "Hộ tịch", "Chứng thực", "Môi trường"])
    ]
    procedures = []
    for i in range(n_procedures):
        days = [10, 15, 3, 1, 20][i % 5]
        p = AdminProcedure.objects.create(
            province=province,
            code=f"1.{i:06d}",
            name=f"Thủ tục {i}",
            field=fields[i % 5],
            level="provincial",
            processing_days=days,
        )
        save_process(
            p,
            agency,
            [
                {"code": c, "name": n, "responsible_unit": u, "days": d}
                for (c, n, u, _r), d in zip(STANDARD_STEPS, standard_allotment(p.processing_days), strict=True)
            ],
        )
        procedures.append(p)
    return agency, procedures


# -- 2. bulk import -----------------------------------------------------------------------------
STEPS = ["transfer", "review", "approve", "return"]


def write_export(path, n_events, procedures):
    import numpy as np

    rng = np.random.default_rng(2)
    per = 6
    n_dossiers = n_events // per + 1
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "ma_su_kien",
                "ma_ho_so",
                "loai",
                "thoi_gian",
                "buoc",
                "nguoi_giao",
                "nguoi_nhan",
                "don_vi_nhan",
                "ma_thu_tuc",
                "nguoi_nop",
            ]
        )
        base = dt.datetime(2025, 1, 2, 8, 0)
        offsets = rng.integers(0, 360 * 24 * 60, n_dossiers)
        gaps = rng.integers(30, 3 * 24 * 60, (n_dossiers, 5))
        for d in range(n_dossiers):
            code = f"D{d:07d}"
            t = base + dt.timedelta(minutes=int(offsets[d]))
            proc = procedures[d % len(procedures)].code
            rows = [
                [
                    f"{code}-0",
                    code,
                    "receive",
                    t.isoformat(timespec="minutes"),
                    "receive",
                    "",
                    "Lê Thị Hoa",
                    "Bộ phận một cửa",
                    proc,
                    "Nguyễn Văn An",
                ]
            ]
            for i in range(5):
                t += dt.timedelta(minutes=int(gaps[d, i]))
                kind = "return" if i == 4 else "transfer"
                rows.append(
                    [
                        f"{code}-{i + 1}",
                        code,
                        kind,
                        t.isoformat(timespec="minutes"),
                        STEPS[i] if i < 4 else "",
                        "Người giao",
                        "Người nhận",
                        "Phòng chuyên môn",
                        "",
                        "",
                    ]
                )
            for r in rows:
                if written >= n_events:
                    return written
                out.writerow(r)
                written += 1
    return written


def raw_insert(path):
    """The raw limit: the same rows, read from the same file, bulk inserted without any logic."""
    from django.db import connection

    table = "bench_raw_events"
    columns = [
        "dossier_id",
        "external_id",
        "kind",
        "occurred_at",
        "step",
        "from_name",
        "from_unit",
        "to_name",
        "to_unit",
        "completed_step",
        "note",
        "source",
        "created_at",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (LIKE dossiers_dossierevent INCLUDING DEFAULTS INCLUDING INDEXES "
                f"INCLUDING CONSTRAINTS)"
            )
        else:
            # The events table's own definition (columns, primary key, unique key), without the foreign key: what
            # LIKE ... INCLUDING gives on PostgreSQL.
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'dossiers_dossierevent'")
            ddl = cursor.fetchone()[0].replace('"dossiers_dossierevent"', table, 1)
            ddl = re.sub(r' REFERENCES "dossiers_dossier" \("id"\) DEFERRABLE INITIALLY DEFERRED', "", ddl)
            assert "REFERENCES" not in ddl and "UNIQUE" in ddl, ddl
            cursor.execute(ddl)
    from django.db import transaction

    now = dt.datetime.now(dt.UTC).isoformat()
    t0 = time.perf_counter()
    with transaction.atomic(), open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = (
            (int(r[1][1:]), r[0], r[2], r[3] + ":00+07:00", r[4], r[5], "", r[6], r[7], "", "", "import", now)
            for r in reader
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} (id, {', '.join(columns)}) FROM STDIN") as copy:
                    for i, r in enumerate(rows, start=1):
                        copy.write_row((i, *r))
        else:
            sql = f"INSERT INTO {table} (id, {', '.join(columns)}) VALUES ({', '.join(['%s'] * (len(columns) + 1))})"
            batch, i = [], 0
            with connection.cursor() as cursor:
                for r in rows:
                    i += 1
                    batch.append((i, *r))
                    if len(batch) >= 5000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
    return time.perf_counter() - t0


PATCHED = []  # (owner, name, original) of the timed functions


def uninstall_timers():
    while PATCHED:
        owner, name, original = PATCHED.pop()
        setattr(owner, name, original)


def install_timers():
    """BENCH_TIMERS=1: wall time per step of the import (reading, parsing, rules, each write, commits)."""
    import functools

    from django.db import connection

    from core import tabular
    from dossiers import bulk, services
    from dossiers.engine import batch, columns, processor, rules, store

    timers = {}

    def timed(owner, name, label):
        original = getattr(owner, name)
        PATCHED.append((owner, name, original))

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers[label] = timers.get(label, 0.0) + time.perf_counter() - t

        setattr(owner, name, wrapper)

    def timed_iter(owner, name, label):
        original = getattr(owner, name)
        PATCHED.append((owner, name, original))

        def wrapper(*args, **kwargs):
            iterator = original(*args, **kwargs)
            while True:
                t = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    timers[label] = timers.get(label, 0.0) + time.perf_counter() - t
                yield item

        setattr(owner, name, wrapper)

    timed_iter(tabular.TableReader, "batches", "read file")
    for name in ("insert_events", "insert_dossiers", "update_dossiers", "upsert_stats"):
        timed(bulk, name, f"write {name}")
    timed(store.DossierState, "load", "load states")
    timed(batch, "parse", "parse columns")
    timed(rules, "deadlines", "deadlines")
    timed(columns, "apply", "columns path")
    timed(processor.EventProcessor, "apply_rows", "rules row by row")
    timed(store, "write", "store (all writes)")
    timed(processor.EventProcessor, "_lock", "lock")
    timed(processor.EventProcessor, "_apply", "apply (all)")
    timed(services, "_import_batch", "batch (all)")
    connection.ensure_connection()
    timed(connection, "commit", "commit")
    timed(bulk, "refresh_statistics", "analyze")
    return timers


def schema_insert(path, agency, procedures, batch=20_000):
    """A second reference, for the decomposition: the same rows written to the real tables (dossiers and
    events, with their keys, indexes and foreign keys) without any rule: a dossier per receipt, an event per row,
    one transaction per batch as the import does. Then the tables are emptied again."""
    from django.conf import settings
    from django.db import connection, transaction

    batch = settings.EISO.get("DOSSIER_IMPORT_BATCH", batch)
    proc = {p.code: p for p in procedures}
    now = dt.datetime.now(dt.UTC).isoformat()
    ev_cols = [
        "id",
        "dossier_id",
        "external_id",
        "kind",
        "occurred_at",
        "step",
        "from_name",
        "from_unit",
        "to_name",
        "to_unit",
        "completed_step",
        "note",
        "source",
        "created_at",
    ]
    do_cols = [
        "id",
        "agency_id",
        "procedure_id",
        "field_id",
        "code",
        "applicant_name",
        "applicant_address",
        "received_at",
        "due_at",
        "processing_days",
        "status",
        "current_step",
        "holder_name",
        "holder_unit",
        "late_step",
        "late_unit",
        "created_at",
    ]
    pg = connection.vendor == "postgresql"

    def write(table, columns, rows):
        with connection.cursor() as cursor:
            if pg:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", rows
                )

    t0 = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        done, event_id = False, 0
        while not done:
            dossiers, events = [], []
            for r in reader:
                number = int(r[1][1:]) + 1
                moment = r[3] + ":00+07:00"
                if r[2] == "receive":
                    p = proc[r[8]]
                    dossiers.append(
                        (
                            number,
                            agency.pk,
                            p.pk,
                            p.field_id,
                            r[1],
                            r[9],
                            "",
                            moment,
                            moment,
                            p.processing_days,
                            "processing",
                            "receive",
                            r[6],
                            r[7],
                            "",
                            "",
                            now,
                        )
                    )
                event_id += 1
                events.append((event_id, number, r[0], r[2], moment, r[4], r[5], "", r[6], r[7], "", "", "import", now))
                if len(events) >= batch:
                    break
            else:
                done = True
            with transaction.atomic():
                write("dossiers_dossier", do_cols, dossiers)
                write("dossiers_dossierevent", ev_cols, events)
    elapsed = time.perf_counter() - t0
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("TRUNCATE dossiers_dossierevent, dossiers_dossier CASCADE")
        else:
            for table in ("dossiers_dossierevent", "dossiers_dossier"):
                cursor.execute(f"DELETE FROM {table}")
    return elapsed


def empty_dossiers():
    """Remove the dossiers, events and summaries (between two timed imports)."""
    from django.db import connection

    tables = [
        "dossiers_dossierwarning",
        "dossiers_dossierevent",
        "dossiers_dossier",
        "dossiers_monthlystat",
        "dossiers_latestepstat",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def bench_import(n_events, repeat=1):
    """Our import of the export file, `repeat` times on emptied tables, each time between two raw inserts of
    the same file: each import's ratio is against the mean of the raw inserts just before and after it (this
    shared machine's speed drifts by ±25 % within minutes), and the median ratio is reported."""
    import statistics

    from django.core.files import File

    from dossiers.models import Dossier, DossierEvent, ImportJob
    from dossiers.services import run_import_job

    agency, procedures = make_agency()
    folder = Path(tempfile.mkdtemp(prefix="eiso-bench-"))
    path = folder / "export.csv"
    written = write_export(path, n_events, procedures)
    raws = [raw_insert(path)]
    schema = schema_insert(path, agency, procedures)
    before = rss_mb()
    imports, where = [], {}
    for attempt in range(repeat):
        if attempt:
            empty_dossiers()
        with open(path, "rb") as handle:
            job = ImportJob.objects.create(agency=agency, file=File(handle, name="export.csv"), filename="export.csv")
        timers = install_timers() if os.environ.get("BENCH_TIMERS") and not attempt else None
        t0 = time.perf_counter()
        if os.environ.get("BENCH_PROFILE") and not attempt:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            job = profile.runcall(run_import_job, job.pk)
            order = os.environ["BENCH_PROFILE"]
            pstats.Stats(profile, stream=sys.stderr).sort_stats(
                order if order in ("tottime", "cumulative") else "cumulative"
            ).print_stats(35)
        else:
            job = run_import_job(job.pk)
        imports.append(time.perf_counter() - t0)
        if timers is not None:
            where = {k: round(v, 3) for k, v in sorted(timers.items(), key=lambda kv: -kv[1])}
            timers.clear()
            uninstall_timers()
        assert job.status == "done" and job.rows_error == 0, (job.message, list(job.row_errors.all()[:5]))
        assert DossierEvent.objects.count() == written
        raws.append(raw_insert(path))
    after = rss_mb()
    # Idempotent: the first 50,000 rows again store nothing.
    prefix = folder / "again.csv"
    with open(path, encoding="utf-8") as src, open(prefix, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i > 50_000:
                break
            dst.write(line)
    with open(prefix, "rb") as handle:
        again = ImportJob.objects.create(agency=agency, file=File(handle, name="again.csv"), filename="again.csv")
    t1 = time.perf_counter()
    again = run_import_job(again.pk)
    reimport = time.perf_counter() - t1
    assert again.rows_stored == 0 and again.rows_duplicate == min(written, 50_000)
    assert DossierEvent.objects.count() == written
    ratios = [(raws[k] + raws[k + 1]) / 2 / imports[k] for k in range(repeat)]
    ratio = statistics.median(ratios)
    ours = imports[ratios.index(ratio)] if ratio in ratios else statistics.median(imports)
    raw = ours * ratio
    return {
        "events": written,
        "dossiers": Dossier.objects.count(),
        "import_s": ours,
        "raw_s": raw,
        "ratio": ratio,
        "ratios": [round(r, 3) for r in ratios],
        "imports_s": [round(t, 2) for t in imports],
        "raws_s": [round(t, 2) for t in raws],
        "import_per_s": written / ours,
        "raw_per_s": written / raw,
        "schema_s": schema,
        "schema_vs_raw": raws[0] / schema,
        "import_vs_schema": schema / ours,
        "reimport_50k_s": reimport,
        "peak_rss_mb_before": before,
        "peak_rss_mb_after": after,
        "file_mb": path.stat().st_size / 1e6,
        **({"where_the_time_goes_s": where} if where else {}),
    }


# -- 3. dashboard -------------------------------------------------------------------------------
def spread(agency, n_agencies=150, n_procedures=200):
    """A province-sized catalog: more agencies and procedures (no processes needed for the SQL fill)."""
    from organizations.models import Agency
    from procedures.models import AdminProcedure, Field

    Agency.objects.bulk_create(
        [
            Agency(
                province=agency.province,
                kind=agency.kind,
                code=f"B{i:03d}",
                name=f"UBND xã số {i}",
                obligation="encouraged",
                search_key=f"ubnd xa so {i}",
                sort_key=f"{i:05d}",
            )
            for i in range(n_agencies)
        ]
    )
    fields = list(Field.objects.all())
    have = AdminProcedure.objects.filter(province=agency.province).count()
    AdminProcedure.objects.bulk_create(
        [
            AdminProcedure(
                province=agency.province,
                code=f"9.{i:06d}",
                name=f"Thủ tục {i}",
                field=fields[i % len(fields)],
                level="commune",
                processing_days=[10, 15, 3, 1, 20][i % 5],
                search_key=f"thu tuc {i}",
                sort_key=f"{i:05d}",
            )
            for i in range(max(0, n_procedures - have))
        ]
    )
    return (
        list(Agency.objects.filter(province=agency.province).order_by("pk")),
        list(AdminProcedure.objects.filter(province=agency.province).order_by("pk")),
    )


# Where late dossiers fell behind first, by id % 10: (late_step, late_unit); the review most often.
LATE_AT = (
    [("review", "Phòng chuyên môn")] * 4
    + [("review", "Văn phòng đăng ký đất đai")] * 2
    + [("approve", "Lãnh đạo cơ quan")] * 2
    + [("transfer", "Bộ phận một cửa"), ("receive", "Bộ phận một cửa")]
)


def fill_late(cursor, vendor):
    """The late dossiers get a late step and unit; the even ones fell behind at a hand-over (a late transfer
    event, 60 % of the way from receipt to return: the month of the delay), the odd ones only at their return."""
    step = "CASE id % 10 " + " ".join(f"WHEN {i} THEN '{s}'" for i, (s, _u) in enumerate(LATE_AT)) + " END"
    unit = "CASE id % 10 " + " ".join(f"WHEN {i} THEN '{u}'" for i, (_s, u) in enumerate(LATE_AT)) + " END"
    cursor.execute(
        f"UPDATE dossiers_dossier SET late_step = {step}, late_unit = {unit}, "
        f"last_event_at = completed_at WHERE is_late"
    )
    if vendor == "postgresql":
        moment, now, true = "received_at + (completed_at - received_at) * 0.6", "now()", "true"
    else:
        moment = "datetime(julianday(received_at) + (julianday(completed_at) - julianday(received_at)) * 0.6)"
        now, true = "datetime('now')", "1"
    cursor.execute(f"""
        INSERT INTO dossiers_dossierevent (dossier_id, external_id, kind, occurred_at, step, from_name, from_unit,
          to_name, to_unit, completed_step, completed_step_due_at, is_late, note, source, created_at)
        SELECT id, 'late', 'transfer', {moment}, 'approve', '', late_unit, '', '', late_step, received_at, {true},
          '', 'import', {now}
        FROM dossiers_dossier WHERE is_late AND id % 2 = 0""")


def fill_dossiers(agencies, procedures, n, per_agency=40):
    """n dossiers over 2024-2025 in set-based SQL (fast); each agency handles a window of `per_agency`
    procedures (as a commune or a department does); the late ones with the step and unit where they fell behind
    (fill_late); then the monthly and late-step summaries are rebuilt. Returns the rebuild times (both, and the
    late-step summary alone)."""
    from django.db import connection

    from dossiers.services import rebuild_late_stats, rebuild_monthly_stats

    procs = ", ".join(f"({i}, {p.pk}, {p.field_id})" for i, p in enumerate(procedures))
    ags = ", ".join(f"({i}, {a.pk})" for i, a in enumerate(agencies))
    k, na = len(procedures), len(agencies)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"""
                INSERT INTO dossiers_dossier (agency_id, procedure_id, field_id, code, applicant_name,
                  applicant_address, received_at, due_at, processing_days, status, completed_at, is_late,
                  current_step, holder_name, holder_unit, late_step, late_unit, created_at)
                SELECT a.pk, p.pk, p.fid, 'B' || g, 'Nguyễn Văn A', '', r, r + interval '14 days', 10,
                  'returned', r + random() * interval '20 days', null, '', '', '', '', '', now()
                FROM (SELECT g, timestamptz '2024-01-01' + random() * interval '730 days' AS r
                      FROM generate_series(1, {n}) g) x
                JOIN (VALUES {ags}) AS a(i, pk) ON a.i = g % {na}
                JOIN (VALUES {procs}) AS p(i, pk, fid) ON p.i = ((g % {na}) * 7 + (g / {na}) % {per_agency}) % {k}""")
            cursor.execute("UPDATE dossiers_dossier SET is_late = completed_at > due_at")
            fill_late(cursor, connection.vendor)
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"""
                WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n}),
                p(i, pk, fid) AS (VALUES {procs}), a(i, pk) AS (VALUES {ags}),
                r AS (SELECT x, datetime('2024-01-01', '+' || (abs(random()) % 1051200) || ' minutes') AS t FROM g)
                INSERT INTO dossiers_dossier (agency_id, procedure_id, field_id, code, applicant_name,
                  applicant_address, received_at, due_at, processing_days, status, completed_at, is_late,
                  current_step, holder_name, holder_unit, late_step, late_unit, created_at)
                SELECT a.pk, p.pk, p.fid, 'B' || x, 'Nguyễn Văn A', '', t, datetime(t, '+14 days'), 10,
                  'returned', datetime(t, '+' || (abs(random()) % 28800) || ' minutes'), null, '', '', '', '', '',
                  datetime('now')
                FROM r JOIN a ON a.i = x % {na} JOIN p ON p.i = ((x % {na}) * 7 + (x / {na}) % {per_agency}) % {k}""")
            cursor.execute("UPDATE dossiers_dossier SET is_late = completed_at > due_at")
            fill_late(cursor, connection.vendor)
            cursor.execute("ANALYZE")
    t0 = time.perf_counter()
    rebuild_monthly_stats()  # the late-step summary with it
    both = time.perf_counter() - t0
    t0 = time.perf_counter()
    rebuild_late_stats()
    return both, time.perf_counter() - t0


def bench_dashboard(n, runs=30):
    from django.db import connection

    from accounts.models import User
    from accounts.permissions import scope_queryset
    from accounts.roles import Role
    from dossiers import services
    from dossiers.models import LateStepStat, MonthlyStat
    from organizations.models import Agency

    agency = Agency.objects.first()
    if agency is None:
        agency, _procedures = make_agency()
    agencies, procedures = spread(agency)
    t0 = time.perf_counter()
    rebuild, rebuild_late = fill_dossiers(agencies, procedures, n)
    fill = time.perf_counter() - t0 - rebuild_late  # the fill and one rebuild, as before
    user = User.objects.create(username="oversight", role=Role.OVERSIGHT, agency=agency)

    def dashboard(bottlenecks=15):
        stats = scope_queryset(user, MonthlyStat.objects.all())
        late = scope_queryset(user, LateStepStat.objects.all())
        # what the analytics page reads (dossiers.views.analytics): its four tables and totals in one pass
        tables, totals = services.on_time_summary(stats, {"field": None, "month": None, "agency": 15, "procedure": 15})
        return totals, tables, services.bottlenecks(late, bottlenecks)

    trunc = (
        "date_trunc('month', completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        if connection.vendor == "postgresql"
        else "strftime('%Y-%m', completed_at, '+7 hours')"
    )
    sqls = [
        "SELECT count(*), sum(CASE WHEN is_late THEN 0 ELSE 1 END), sum(CASE WHEN is_late THEN 1 ELSE 0 END) "
        "FROM dossiers_dossier d JOIN organizations_agency a ON a.id = d.agency_id "
        "WHERE a.province_id = %s AND d.status = 'returned'",
        "SELECT d.field_id, count(*), sum(CASE WHEN is_late THEN 1 ELSE 0 END) FROM dossiers_dossier d "
        "JOIN organizations_agency a ON a.id = d.agency_id WHERE a.province_id = %s AND d.status = 'returned' "
        "GROUP BY d.field_id",
        f"SELECT {trunc}, count(*), sum(CASE WHEN is_late THEN 1 ELSE 0 END) FROM dossiers_dossier d "
        "JOIN organizations_agency a ON a.id = d.agency_id WHERE a.province_id = %s AND d.status = 'returned' "
        "GROUP BY 1",
        "SELECT d.agency_id, count(*), sum(CASE WHEN is_late THEN 1 ELSE 0 END) FROM dossiers_dossier d "
        "JOIN organizations_agency a ON a.id = d.agency_id WHERE a.province_id = %s AND d.status = 'returned' "
        "GROUP BY d.agency_id",
        "SELECT d.procedure_id, count(*), sum(CASE WHEN is_late THEN 1 ELSE 0 END) FROM dossiers_dossier d "
        "JOIN organizations_agency a ON a.id = d.agency_id WHERE a.province_id = %s AND d.status = 'returned' "
        "GROUP BY d.procedure_id",
        # The bottlenecks: late dossiers by the step and unit where they fell behind first.
        "SELECT d.late_step, d.late_unit, count(*) FROM dossiers_dossier d "
        "JOIN organizations_agency a ON a.id = d.agency_id WHERE a.province_id = %s AND d.late_step <> '' "
        "GROUP BY d.late_step, d.late_unit ORDER BY 3 DESC, 1, 2 LIMIT 15",
    ]

    def raw():
        with connection.cursor() as cursor:
            for sql in sqls:
                cursor.execute(sql, [agency.province_id])
                cursor.fetchall()

    # The pre-aggregated answer equals the raw aggregate.
    ours_total = dashboard()[0]
    with connection.cursor() as cursor:
        cursor.execute(sqls[0], [agency.province_id])
        count, on_time, late = cursor.fetchone()
    assert (ours_total["completed"], ours_total["on_time"], ours_total["late"]) == (count, on_time, late)
    ours_late = [(r["late_step"], r["late_unit"], r["n"]) for r in dashboard(bottlenecks=1000)[-1]]
    with connection.cursor() as cursor:
        cursor.execute(sqls[-1].replace("LIMIT 15", "LIMIT 1000"), [agency.province_id])
        assert ours_late == [tuple(r) for r in cursor.fetchall()] and ours_late, ours_late
    times_ours, times_raw = [], []
    for _ in range(runs):
        t = time.perf_counter()
        dashboard()
        times_ours.append(time.perf_counter() - t)
    for _ in range(max(3, runs // 6)):
        t = time.perf_counter()
        raw()
        times_raw.append(time.perf_counter() - t)
    return {
        "dossiers": n,
        "agencies": len(agencies),
        "procedures": len(procedures),
        "fill_s": fill,
        "rebuild_summary_s": rebuild,
        "rebuild_late_summary_s": rebuild_late,
        "summary_rows": MonthlyStat.objects.count(),
        "late_summary_rows": LateStepStat.objects.count(),
        "late_dossiers": sum(r[-1] for r in ours_late),
        "p95_ms": 1000 * p95(times_ours),
        "raw_sql_p95_ms": 1000 * p95(times_raw),
        "speedup_vs_raw_sql": p95(times_raw) / p95(times_ours),
    }


# -- driver -------------------------------------------------------------------------------------
def child(args):
    setup_django(args.db_url)
    from django.db import connection

    if args.rows_only:
        from dossiers.engine import EventProcessor

        EventProcessor.columns = False
    if "import" in args.only:
        print(
            "RESULT " + json.dumps({"backend": connection.vendor, "import": bench_import(args.events, args.repeat)}),
            flush=True,
        )
    if "dashboard" in args.only:
        print(
            "RESULT " + json.dumps({"backend": connection.vendor, "dashboard": bench_dashboard(args.dossiers)}),
            flush=True,
        )


def fresh_pg(url):
    import psycopg

    base, _, _name = url.rpartition("/")
    name = f"eiso_bench_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dossiers", type=int, default=5_000_000)
    parser.add_argument("--only", default="dates,import,dashboard")
    parser.add_argument("--repeat", type=int, default=3, help="timed imports, each between two raw inserts")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--db-url")
    parser.add_argument(
        "--rows-only",
        action="store_true",
        help="the engine's rules row by row only (EventProcessor.columns = False): the A/B of the columns path",
    )
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    if args.child:
        return child(args)
    results = {}
    if "dates" in args.only:
        results["dates"] = bench_dates()
        print(json.dumps({"dates": results["dates"]}, indent=1))
    for backend in args.backends.split(","):
        if backend == "postgresql":
            if not os.environ.get("EISO_PG_URL"):
                print("EISO_PG_URL not set: PostgreSQL skipped (use ./eiso bench dossiers)")
                continue
            url = fresh_pg(os.environ["EISO_PG_URL"])
        else:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='eiso-bench-')}/bench.sqlite3"
        only = ",".join(args.only - {"dates"})
        if not only:
            continue
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--db-url",
            url,
            "--events",
            str(args.events),
            "--dossiers",
            str(args.dossiers),
            "--only",
            only,
            "--repeat",
            str(args.repeat),
            *(["--rows-only"] if args.rows_only else []),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        lines = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        if out.returncode:
            print(out.stdout[-3000:], out.stderr[-3000:])
        elif os.environ.get("BENCH_PROFILE"):
            print(out.stderr[-20000:])
        if not lines:
            continue
        results[backend] = {}
        for line in lines:
            results[backend].update(json.loads(line[7:]))
        print(json.dumps({backend: results[backend]}, indent=1))
    output = ROOT / "bench" / "output"
    output.mkdir(exist_ok=True)
    (output / "dossiers.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
