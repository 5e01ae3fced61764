"""Faults survived, nothing lost: a worker killed in the middle of an import, the database lost during it, the same
file uploaded twice, a file that fails after its first batches. Each batch is committed with the job's progress
(`last_row`); a run resumes after it, so every event is stored once and the summaries equal a rebuild; the outcome
equals a clean import of the same file into another agency."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.db.models import F

from accounts.roles import Role
from core.tests.scheduling import fire_times, job_for
from dossiers import services, tasks
from dossiers.engine import EventProcessor
from dossiers.models import Dossier, DossierEvent, ImportJob, ImportRowError, LateStepStat, MonthlyStat
from dossiers.services import imports

from .conftest import T0
from .test_import import HEADER

pytestmark = pytest.mark.django_db(transaction=True)  # every batch really commits, as in the worker
BATCH = 10
SRC = Path(__file__).resolve().parents[2]


def export(dossiers=12, bad=True, junk=b""):
    """An export of `dossiers` dossiers, in the order the one-stop-shop software writes them: all receipts, then the
    hand-overs to review (every third one late), then the returns (every fourth one past the appointment); with
    `bad`, after the 5th, 15th, 25th... event a row for a dossier that does not exist. Returns (content, {row number:
    event id, None for a bad row}). `junk` is appended (a line too long to read)."""
    lines, rows = [HEADER], {}

    def add(event_id, line):
        rows[len(lines) + 1] = event_id
        lines.append(line)
        if bad and len(list(filter(None, rows.values()))) % 10 == 5:
            rows[len(lines) + 1] = None
            lines.append(f"Z{len(lines)},KHONG-CO,Chuyển xử lý,{T0:%d/%m/%Y %H:%M},review,,,,,,\n")

    for i in range(dossiers):
        at = T0 + dt.timedelta(minutes=7 * i)
        add(f"R{i}", f"R{i},F-{i:03d},Tiếp nhận,{at:%d/%m/%Y %H:%M},receive,,Lê Thị Hoa,,1.004227,Nguyễn Văn {i},\n")
    for i in range(dossiers):
        at = T0 + dt.timedelta(days=2 if i % 3 == 0 else 0, hours=1, minutes=7 * i)
        add(f"T{i}", f"T{i},F-{i:03d},Chuyển xử lý,{at:%d/%m/%Y %H:%M},review,Lê Thị Hoa,Phạm Quốc Việt,,,,\n")
    for i in range(dossiers):
        at = T0 + dt.timedelta(days=20 if i % 4 == 0 else 9, minutes=7 * i)
        add(f"X{i}", f"X{i},F-{i:03d},Trả kết quả,{at:%d/%m/%Y %H:%M},,Phạm Quốc Việt,Nguyễn Văn {i},,,,\n")
    return "".join(lines).encode() + junk, rows


def counts(rows, last_row):
    """(rows, good events, bad rows) of the file up to `last_row`."""
    upto = [event_id for number, event_id in rows.items() if number <= last_row]
    return len(upto), len(list(filter(None, upto))), upto.count(None)


@pytest.fixture
def small_batches(settings):
    settings.EISO = {**settings.EISO, "DOSSIER_IMPORT_BATCH": BATCH}


def new_job(agency, content, name="export.csv"):
    """An import job as the upload leaves it (pending), its run not started."""
    return services.create_import_job(agency, SimpleUploadedFile(name, content), None)


def outcome(agency):
    """What an import left for the agency: its dossiers, events, summaries (keys that do not depend on the agency)."""
    return (
        sorted(
            Dossier.objects.filter(agency=agency).values_list(
                "code", "status", "current_step", "is_late", "late_step", "received_at", "completed_at", "due_at"
            )
        ),
        sorted(
            DossierEvent.objects.filter(dossier__agency=agency).values_list(
                "dossier__code", "external_id", "kind", "occurred_at", "is_late", "completed_step"
            )
        ),
        sorted(
            MonthlyStat.objects.filter(agency=agency).values_list(
                "procedure__code", "field_id", "month", "received", "completed", "on_time", "late", "refused"
            )
        ),
        sorted(LateStepStat.objects.filter(agency=agency).values_list("field_id", "month", "late_step", "count")),
    )


def assert_nothing_lost(job, rows, province):
    """The job is done; every event of the file stored once, every bad row reported once; the summaries equal a
    rebuild; dossiers, events and summaries equal a clean import of the same file into another agency."""
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    good = [event_id for event_id in rows.values() if event_id]
    bad = len(rows) - len(good)
    land = province["agencies"]["land"]
    assert sorted(DossierEvent.objects.filter(dossier__agency=land).values_list("external_id", flat=True)) == sorted(
        good
    )
    assert (job.rows_read, job.rows_stored, job.rows_duplicate, job.rows_error) == (len(rows), len(good), 0, bad)
    assert sorted(ImportRowError.objects.filter(job=job).values_list("row_number", flat=True)) == sorted(
        number for number, event_id in rows.items() if event_id is None
    )
    assert job.last_row == max(rows) and job.progress == 1.0
    assert Dossier.objects.filter(agency=land, status="returned").count() == len(good) // 3
    incremental = outcome(land)
    assert incremental[2] and incremental[3]  # summaries of receipts, returns and late steps
    services.rebuild_monthly_stats()
    assert outcome(land) == incremental
    other = province["other_agencies"]["land"]
    with open(job.file.path, "rb") as handle:
        clean = services.run_import_job(new_job(other, handle.read()).pk)
    assert clean.status == ImportJob.Status.DONE and clean.rows_stored == len(good)
    mine, theirs = incremental, outcome(other)
    assert mine[0] == theirs[0] and mine[1] == theirs[1] and mine[3] == theirs[3]
    assert [row[1:] for row in mine[2]] == [row[1:] for row in theirs[2]]


def stored_up_to(job, rows):
    """The events of the file's rows up to the job's `last_row` are stored, none after it."""
    job.refresh_from_db()
    expected = sorted(event_id for number, event_id in rows.items() if event_id and number <= job.last_row)
    assert sorted(DossierEvent.objects.values_list("external_id", flat=True)) == expected
    return expected


class Killed(BaseException):
    """The worker's process dying: no `except Exception` catches it, the batch in flight is rolled back."""


def fail_in_batch(monkeypatch, batches, error=Killed):
    """The i-th try to read the file (a run, or a retry in place) raises `error` in the middle of its `batches[i]`-th
    batch, after the engine wrote it and before it commits; the tries after those go through."""
    real, left = EventProcessor.process, list(batches)

    def process(self, rows):  # one EventProcessor per try
        result = real(self, rows)
        self.test_batches = getattr(self, "test_batches", 0) + 1
        if left and self.test_batches == left[0]:
            left.pop(0)
            raise error("connection lost") if error is OperationalError else error
        return result

    monkeypatch.setattr(EventProcessor, "process", process)


def stale(job):
    """Let the job's heartbeat age past DOSSIER_IMPORT_STALE_MINUTES (10)."""
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=F("heartbeat_at") - dt.timedelta(minutes=11))


def test_the_recovery_runs_every_five_minutes():
    times = fire_times(job_for(tasks.recover_imports), dt.date(2026, 3, 2))
    assert len(times) == 288 and times[:2] == ["00:00", "00:05"]


# -- (a) the worker killed in the middle of an import ---------------------------------------------------------------
def test_a_killed_worker_s_import_resumes_after_its_last_committed_row(catalog, province, small_batches, monkeypatch):
    content, rows = export()
    job = new_job(province["agencies"]["land"], content)
    fail_in_batch(monkeypatch, [3])
    with pytest.raises(Killed):
        services.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.attempts == 1
    assert job.last_row == 2 * BATCH + 1 and job.rows_read == 2 * BATCH  # two batches committed, the third not
    stored_up_to(job, rows)
    assert tasks.recover_imports.enqueue().return_value == []  # a job still reporting is never taken from its run
    stale(job)
    assert tasks.recover_imports.enqueue().return_value == [job.pk]  # the run enqueued, and here run at once
    job.refresh_from_db()
    assert job.attempts == 2 and "gián đoạn 1 lần" in job.message
    assert tasks.recover_imports.enqueue().return_value == []  # idempotent
    assert_nothing_lost(job, rows, province)


def test_an_import_killed_at_every_run_ends_failed_saying_which_rows_were_stored(
    catalog, province, small_batches, monkeypatch
):
    """At most DOSSIER_IMPORT_ATTEMPTS (3) runs; then failed, with the rows stored. The same file uploaded again
    (after a failure it is not refused) imports the rest."""
    land = province["agencies"]["land"]
    content, rows = export()
    job = new_job(land, content)
    fail_in_batch(monkeypatch, [2, 2, 2])  # each run commits one batch and dies in the next
    with pytest.raises(Killed):
        services.run_import_job(job.pk)
    for run in (2, 3):
        stale(job)
        assert tasks.recover_imports.enqueue().return_value == [job.pk]  # its run dies (the task fails)
        job.refresh_from_db()
        assert (job.status, job.attempts, job.last_row) == ("running", run, run * BATCH + 1)
    stale(job)
    assert tasks.recover_imports.enqueue().return_value == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.attempts == 3 and job.finished_at
    assert job.last_row == 3 * BATCH + 1
    read, stored, errors = counts(rows, job.last_row)
    assert "bị gián đoạn 3 lần" in job.message
    assert (
        f"Đã nhập xong đến hết dòng 31 của tệp ({read} dòng: {stored} sự kiện đã lưu, 0 dòng trùng, {errors} dòng lỗi)"
        in job.message
    )
    assert "từ dòng 32 trở đi chưa được nhập" in job.message
    assert len(stored_up_to(job, rows)) == stored
    again = tasks.start_import(land, SimpleUploadedFile("export.csv", content), None)
    again.refresh_from_db()
    total = counts(rows, max(rows))[1]
    assert (again.status, again.rows_stored, again.rows_duplicate) == ("done", total - stored, stored), again.message
    assert DossierEvent.objects.count() == total


@pytest.mark.skipif(connection.vendor != "postgresql", reason="another process shares the database (PostgreSQL)")
def test_a_worker_process_killed_by_sigkill_mid_batch_loses_nothing(catalog, province, small_batches, settings):
    """A real worker process, killed (SIGKILL) in the middle of its third batch: PostgreSQL rolls back the batch in
    flight, the job keeps the two committed ones, the recovery resumes it after them."""
    content, rows = export()
    job = new_job(province["agencies"]["land"], content)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "eiso.settings.test",
        "PYTHONPATH": str(SRC),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EISO_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EISO_DOSSIER_IMPORT_BATCH": str(BATCH),
    }
    worker = subprocess.run(
        [sys.executable, "-m", "dossiers.tests.killed_worker", str(job.pk), "3"],
        cwd=SRC,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.last_row == 2 * BATCH + 1
    stored_up_to(job, rows)
    stale(job)
    assert tasks.recover_imports.enqueue().return_value == [job.pk]
    assert_nothing_lost(job, rows, province)


# -- (b) the database lost during an import -------------------------------------------------------------------------
@pytest.fixture
def no_wait(monkeypatch):
    monkeypatch.setattr(imports, "RETRY_DELAYS", (0, 0))


def test_a_database_error_in_a_batch_rolls_it_back_and_the_run_resumes_in_place(
    catalog, province, small_batches, monkeypatch, no_wait
):
    content, rows = export()
    job = new_job(province["agencies"]["land"], content)
    fail_in_batch(monkeypatch, [3], error=OperationalError)
    job = services.run_import_job(job.pk)
    assert job.attempts == 1 and "gián đoạn 1 lần" in job.message
    assert_nothing_lost(job, rows, province)


def test_a_database_away_longer_than_the_retries_leaves_the_job_for_the_recovery(
    catalog, province, small_batches, monkeypatch, no_wait
):
    content, rows = export()
    job = new_job(province["agencies"]["land"], content)
    fail_in_batch(monkeypatch, [3, 1, 1], error=OperationalError)  # the first try and both retries
    with pytest.raises(OperationalError):
        services.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.last_row == 2 * BATCH + 1
    stale(job)
    assert tasks.recover_imports.enqueue().return_value == [job.pk]
    job.refresh_from_db()
    assert "gián đoạn 1 lần" in job.message
    assert_nothing_lost(job, rows, province)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend")
def test_the_connection_terminated_by_the_server_mid_batch(catalog, province, small_batches, monkeypatch, no_wait):
    """What a database restart does to a running import: the server ends its connection in the middle of a batch.
    The batch in flight rolls back; the run reconnects and resumes after the last committed batch."""
    import psycopg

    db = connection.settings_dict
    content, rows = export()
    job = new_job(province["agencies"]["land"], content)
    real, seen = EventProcessor.process, []

    def process(self, batch):
        result = real(self, batch)
        seen.append(len(batch))
        if len(seen) == 3:
            with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
        return result

    monkeypatch.setattr(EventProcessor, "process", process)
    job = services.run_import_job(job.pk)
    assert len(seen) == 5  # 4 batches, the third twice
    assert "gián đoạn 1 lần" in job.message
    assert_nothing_lost(job, rows, province)


def test_a_run_taken_over_writes_nothing_more(catalog, province, small_batches, monkeypatch):
    """A run thought dead (its job resumed by another) that wakes up: its next batch is rolled back, it stops and
    leaves the job to the run that holds it."""
    content, rows = export()
    job = new_job(province["agencies"]["land"], content)
    real, calls = imports._import_batch, []

    def import_batch(job, *args):
        calls.append(job.last_row)
        if len(calls) == 3:  # meanwhile the job was recovered and another run took it
            ImportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
        return real(job, *args)

    monkeypatch.setattr(imports, "_import_batch", import_batch)
    services.run_import_job(job.pk)
    job.refresh_from_db()
    assert len(calls) == 3 and job.status == ImportJob.Status.RUNNING and job.attempts == 2
    assert job.last_row == 2 * BATCH + 1 and not job.message
    stored_up_to(job, rows)


# -- (c) the same file uploaded twice -------------------------------------------------------------------------------
def test_the_same_file_is_refused_while_it_is_imported_and_once_it_was_imported_whole(catalog, province):
    """Refused while its first job is unfinished, or once that job stored or found every row: importing it again
    would change nothing. After a job that refused rows, it is imported again (a refused row may pass now, e.g. once
    a procedure is added): the rows stored before are duplicates. Another agency's upload of the file is its own."""
    land, science = province["agencies"]["land"], province["agencies"]["science"]
    content, rows = export(3)
    pending = new_job(land, content)
    with pytest.raises(ValidationError, match=f"đang được nhập ở lượt nhập số {pending.pk} "):
        tasks.start_import(land, SimpleUploadedFile("lan-hai.csv", content), None)
    assert ImportJob.objects.count() == 1
    assert tasks.start_import(science, SimpleUploadedFile("export.csv", content), None).pk != pending.pk
    pending = services.run_import_job(pending.pk)
    assert pending.rows_error == 1
    again = tasks.start_import(land, SimpleUploadedFile("export.csv", content), None)
    again.refresh_from_db()
    assert (again.rows_stored, again.rows_duplicate, again.rows_error) == (0, 9, 1)
    clean, _rows = export(4, bad=False)
    first = tasks.start_import(land, SimpleUploadedFile("export.csv", clean), None)
    first.refresh_from_db()
    assert (first.status, first.rows_stored, first.rows_duplicate, first.rows_error) == ("done", 3, 9, 0)
    with pytest.raises(ValidationError, match=f"đã được nhập đủ ở lượt nhập số {first.pk} "):
        tasks.start_import(land, SimpleUploadedFile("lai.csv", clean), None)
    assert DossierEvent.objects.filter(dossier__agency=land).count() == 12


def test_a_double_click_on_upload_starts_one_job(catalog, province, monkeypatch):
    """Two uploads of one file at the same moment: neither sees the other's job when it checks; the database's
    constraint (one unfinished job per file and agency) refuses the second, with the same message, and its stored
    copy of the file is removed."""
    land = province["agencies"]["land"]
    content, _rows = export(3)
    first = new_job(land, content)
    real, checks = imports._refuse_same_file, []

    def late_check(agency, digest):
        checks.append(digest)
        if len(checks) > 1:
            real(agency, digest)

    monkeypatch.setattr(imports, "_refuse_same_file", late_check)
    folder = Path(first.file.path).parent
    files = set(folder.iterdir())
    with pytest.raises(ValidationError, match=f"đang được nhập ở lượt nhập số {first.pk} "):
        new_job(land, content)
    assert ImportJob.objects.count() == 1 and set(folder.iterdir()) == files


def test_the_upload_page_and_the_api_say_the_file_is_being_imported(catalog, province, users, client_as):
    from rest_framework.test import APIClient

    from dossiers.models import IntegrationToken

    land = province["agencies"]["land"]
    content, _rows = export(3)
    job = new_job(land, content)
    page = client_as(users[Role.ISO_SECRETARY]).post(
        "/dossiers/imports/", {"file": SimpleUploadedFile("x.csv", content)}
    )
    assert page.status_code == 200 and f"đang được nhập ở lượt nhập số {job.pk}" in page.content.decode()
    api = APIClient()
    _token, raw = IntegrationToken.issue(land, "phần mềm một cửa")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.post("/api/dossiers/imports/", {"file": SimpleUploadedFile("x.csv", content)}, format="multipart")
    assert response.status_code == 400 and f"lượt nhập số {job.pk}" in response.json()["file"][0]
    assert ImportJob.objects.count() == 1


# -- (d) a file that fails after its first batches ------------------------------------------------------------------
def test_a_file_failing_after_its_first_batches_says_which_rows_were_stored_and_the_mended_file_imports_the_rest(
    catalog, province, small_batches
):
    land = province["agencies"]["land"]
    broken, rows = export(junk=b"x" * 3_000_000)  # a line of 3 MB without a newline: the file cannot be read on
    job = tasks.start_import(land, SimpleUploadedFile("export.csv", broken), None)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at
    last = max(rows)
    assert job.last_row == last  # every row before the broken line, in 4 batches
    read, stored, errors = counts(rows, last)
    assert f"Đã nhập xong đến hết dòng {last} của tệp ({read} dòng: {stored} sự kiện đã lưu" in job.message
    assert f"từ dòng {last + 1} trở đi chưa được nhập" in job.message
    assert len(stored_up_to(job, rows)) == stored
    mended, _rows = export(13)  # the file mended and exported again, with a dossier more
    again = tasks.start_import(land, SimpleUploadedFile("export.csv", mended), None)
    again.refresh_from_db()
    assert (again.status, again.rows_stored, again.rows_duplicate) == ("done", 3, stored), again.message
