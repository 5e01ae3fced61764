"""Bulk import of the one-stop-shop software's export files: the file's columns, the import job run in
batches by the engine, the downloadable template and the error report."""

import bisect
import csv
import datetime as dt
import hashlib
import io
import logging
import time
import zipfile

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import User
from core import audit
from core.models import AuditEntry
from core.tabular import TableReader
from core.text import moment_text
from core.xlsx import safe_row
from organizations.models import Agency
from procedures.models import AdminProcedure, ProcessDefinition, ProcessStep

from .. import bulk
from ..engine import Batch, EventProcessor
from ..models import (
    DossierEvent,
    ImportJob,
    ImportRowError,
)

EVENT_COLUMNS = {
    "event_id": ["mã sự kiện", "ma_su_kien", "event id", "id sự kiện"],
    "dossier_code": ["mã hồ sơ", "ma_ho_so", "số hồ sơ", "dossier"],
    "event": ["loại sự kiện", "sự kiện", "loai", "kind", "type"],
    "occurred_at": ["thời điểm", "thời gian", "thoi_gian", "timestamp", "time"],
    "step": ["bước", "buoc", "mã bước", "step_code"],
    "from_name": ["người giao", "nguoi_giao", "from"],
    "to_name": ["người nhận", "nguoi_nhan", "to"],
    "to_unit": ["đơn vị nhận", "don_vi_nhan", "đơn vị", "unit"],
    "to_username": ["tài khoản người nhận", "to_user"],
    "procedure_code": ["mã thủ tục", "ma_thu_tuc", "procedure"],
    "applicant_name": ["người nộp", "nguoi_nop", "chủ hồ sơ", "applicant"],
    "applicant_address": ["địa chỉ", "dia_chi", "address"],
    "note": ["ghi chú", "ghi_chu"],
}
REQUIRED_COLUMNS = ("event_id", "dossier_code", "event", "occurred_at")
logger = logging.getLogger(__name__)


# Seconds between reconnections when a run loses the database (a restart): about a minute in all. Past that the
# job stays "running" with its committed progress, and `recover_stale_imports` resumes it later.
RETRY_DELAYS = (1, 2, 5, 10, 15, 30)
PROGRESS_FIELDS = ["rows_read", "rows_stored", "rows_duplicate", "rows_error", "progress", "last_row"]


class Superseded(Exception):
    """The job was taken from this run (it was thought dead and the job resumed elsewhere): it stops, writing
    nothing more."""


def _rows_done(job: ImportJob) -> str:
    """Exactly what of the file is imported, in Vietnamese: every row up to `last_row` (stored, already there, or in
    the error report), none after it. Empty when no batch was committed."""
    if not job.last_row:
        return ""
    return _(
        "Đã nhập xong đến hết dòng %(last)s của tệp (%(read)s dòng: %(stored)s sự kiện đã lưu, %(dup)s dòng trùng, "
        "%(err)s dòng lỗi); từ dòng %(next)s trở đi chưa được nhập."
    ) % {
        "last": number_format(job.last_row, force_grouping=True),
        "next": number_format(job.last_row + 1, force_grouping=True),
        "read": number_format(job.rows_read, force_grouping=True),
        "stored": number_format(job.rows_stored, force_grouping=True),
        "dup": number_format(job.rows_duplicate, force_grouping=True),
        "err": number_format(job.rows_error, force_grouping=True),
    }


def _with_rows_done(reason: str, job: ImportJob, advice: str) -> str:
    """The reason a job failed, what of the file it imported and, when it imported some, `advice`."""
    return " ".join((reason, _rows_done(job), advice)) if job.last_row else reason


def _failure_message(job: ImportJob, exc: Exception) -> str:
    """Why the file could not be read, in Vietnamese, and exactly what of it was stored: the rows before the
    failure are kept (importing the mended file again skips them as duplicates)."""
    if isinstance(exc, ValidationError):
        reason = "; ".join(exc.messages)
    elif isinstance(exc, zipfile.BadZipFile | InvalidFileException | KeyError) and job.filename.lower().endswith(
        ".xlsx"
    ):
        reason = _("Tệp XLSX bị hỏng hoặc không phải tệp Excel: mở tệp bằng Excel, lưu lại rồi tải lên lại.")
    elif isinstance(exc, csv.Error | pa.ArrowInvalid):
        reason = _("Tệp CSV có một dòng hoặc một ô quá dài, hoặc không đúng định dạng CSV (%(detail)s).") % {
            "detail": str(exc)[:200]
        }
    elif isinstance(exc, UnicodeError):
        reason = _("Không đọc được bảng mã của tệp (%(detail)s).") % {"detail": str(exc)[:200]}
    else:
        reason = _("Lỗi khi đọc tệp (%(detail)s).") % {"detail": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return _with_rows_done(reason, job, _("Sửa tệp rồi nhập lại: các dòng đã lưu được bỏ qua vì trùng."))


def _stale_before() -> dt.datetime:
    """A running job whose run last reported before this moment has stopped (settings DOSSIER_IMPORT_STALE_MINUTES,
    well above the time of one batch)."""
    return timezone.now() - dt.timedelta(minutes=settings.EISO.get("DOSSIER_IMPORT_STALE_MINUTES", 10))


def _claim(job_id: int) -> ImportJob | None:
    """Take a pending job for this run. `attempts` counts the runs and is this run's token: each of its writes
    checks it, so a run thought dead that wakes up writes nothing. None: not pending (finished, or held by a run)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("agency").filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.PENDING:
            return None
        now = timezone.now()
        job.status, job.attempts, job.heartbeat_at = ImportJob.Status.RUNNING, job.attempts + 1, now
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "attempts", "heartbeat_at", "started_at"])
    return job


def _still_held(job: ImportJob) -> None:
    """After a reconnection: the job's committed progress, if this run still holds it (else Superseded)."""
    attempts = job.attempts
    job.refresh_from_db(fields=[*PROGRESS_FIELDS, "status", "attempts"])
    if job.status != ImportJob.Status.RUNNING or job.attempts != attempts:
        raise Superseded


def _end(job: ImportJob, status: str, message: str) -> ImportJob:
    """End the job (done or failed) with its message and audit entry, if it is still held by the caller's run."""
    ended = {"status": status, "message": message, "finished_at": timezone.now()}
    if status == ImportJob.Status.DONE:
        ended["progress"] = 1.0
    with transaction.atomic():
        held = ImportJob.objects.filter(
            pk=job.pk, attempts=job.attempts, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
        )
        if not held.update(**ended):
            return ImportJob.objects.get(pk=job.pk)
        job.refresh_from_db()
        audit.record(
            job,
            AuditEntry.Action.EVENT,
            {"rows": job.rows_read, "stored": job.rows_stored, "errors": job.rows_error},
            comment=job.message[:300],
            actor=job.created_by,
        )
    return job


def run_import_job(job_id: int) -> ImportJob:
    """Run a pending import job: the file's rows after `last_row` (all of them on a first run), batch by batch, each
    batch committed with the job's progress. It ends done, or failed with a Vietnamese reason and what was stored.
    A lost database connection is retried in place (RETRY_DELAYS), resuming after the last committed batch; a run
    that dies leaves the job running, for `recover_stale_imports` to resume."""
    job = _claim(job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    for retries, delay in enumerate((*RETRY_DELAYS, None)):
        try:
            if retries:
                _still_held(job)
            _read_file(job)
        except Superseded:
            return ImportJob.objects.get(pk=job_id)
        except (OperationalError, InterfaceError):
            if delay is None or connection.in_atomic_block:  # an outer transaction cannot go on: no retry here
                raise
            logger.warning("import job %s lost the database; resuming in %s s", job_id, delay, exc_info=True)
            time.sleep(delay)
            close_old_connections()
            continue
        except Exception as exc:  # every failure ends the job (a job left "running" is polled for ever)
            job.refresh_from_db(fields=PROGRESS_FIELDS)
            if not isinstance(exc, ValidationError | UnicodeError | csv.Error | zipfile.BadZipFile):
                logger.exception("import job %s failed", job.pk)
            return _end(job, ImportJob.Status.FAILED, _failure_message(job, exc))
        message = _("Đã lưu %(stored)s sự kiện; %(dup)s dòng trùng (đã có); %(err)s dòng lỗi.") % {
            "stored": number_format(job.rows_stored, force_grouping=True),
            "dup": number_format(job.rows_duplicate, force_grouping=True),
            "err": number_format(job.rows_error, force_grouping=True),
        }
        if interruptions := job.attempts - 1 + retries:
            message += " " + _("Lượt nhập bị gián đoạn %(n)s lần và đã tiếp tục sau dòng đã nhập cuối cùng.") % {
                "n": interruptions
            }
        return _end(job, ImportJob.Status.DONE, message)
    raise AssertionError("unreachable")  # the last delay (None) re-raises


def _read_file(job: ImportJob) -> None:
    """The file's rows after `job.last_row` through the engine, in batches."""
    batch_size = settings.EISO.get("DOSSIER_IMPORT_BATCH", 5000)
    processor = EventProcessor(job.agency, DossierEvent.Source.IMPORT)
    with job.file.open("rb") as handle:
        raw = getattr(handle, "file", handle)
        reader = TableReader(raw, job.filename, EVENT_COLUMNS, required=REQUIRED_COLUMNS)
        for number, (numbers, columns) in enumerate(reader.batches(batch_size), start=1):
            if job.rows_read == 0 and reader.missing_columns():
                break
            start = bisect.bisect_right(numbers, job.last_row)  # rows up to last_row were committed by a run before
            if start < len(numbers):
                if start:
                    numbers, columns = numbers[start:], {key: values[start:] for key, values in columns.items()}
                _import_batch(job, processor, Batch(numbers, columns), reader.progress(), reader.labels)
            if number & (number - 1) == 0 and number.bit_length() % 2:  # batches 1, 4, 16, 64...: 4x as large
                bulk.refresh_statistics()
        if job.rows_read == 0 and reader.missing_columns():
            raise ValidationError(
                _("Tệp thiếu cột bắt buộc: %(cols)s.")
                % {"cols": ", ".join(f"“{KEY_HEADERS.get(key, key)}”" for key in reader.missing_columns())}
            )


@transaction.atomic
def recover_stale_imports() -> list[int]:
    """The import jobs left running by a run that stopped (its worker killed, the database lost for longer than the
    retries): running, and no batch committed for DOSSIER_IMPORT_STALE_MINUTES. A job with attempts left (settings
    DOSSIER_IMPORT_ATTEMPTS) is set pending again and its id returned, for the caller to enqueue in the same
    transaction (`tasks.recover_imports`): its run resumes after its last committed row. The others end failed,
    saying which rows were stored. Idempotent: a job set pending is not picked again, a failed one is finished."""
    stale = (
        ImportJob.objects.select_for_update()
        .filter(status=ImportJob.Status.RUNNING)
        .alias(seen=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(seen__lt=_stale_before())
        .order_by("pk")
    )
    resumed = []
    for job in stale:
        if job.attempts >= settings.EISO.get("DOSSIER_IMPORT_ATTEMPTS", 3):
            reason = _(
                "Lượt nhập bị gián đoạn %(n)s lần (tiến trình chạy nền dừng hoặc mất kết nối cơ sở dữ liệu) "
                "nên đã dừng."
            ) % {"n": job.attempts}
            advice = _("Tải tệp lên lại để nhập tiếp: các dòng đã lưu được bỏ qua vì trùng.")
            _end(job, ImportJob.Status.FAILED, _with_rows_done(reason, job, advice))
        else:
            job.status, job.heartbeat_at = ImportJob.Status.PENDING, timezone.now()
            job.save(update_fields=["status", "heartbeat_at"])
            resumed.append(job.pk)
            logger.warning("import job %s stopped after row %s; resuming it", job.pk, job.last_row)
    return resumed


IMPORT_HEADERS = [
    "Mã sự kiện",
    "Mã hồ sơ",
    "Loại sự kiện",
    "Thời điểm",
    "Bước",
    "Người giao",
    "Người nhận",
    "Đơn vị nhận",
    "Mã thủ tục",
    "Người nộp",
    "Địa chỉ",
    "Ghi chú",
]


# The import's keys under the headers the officials' files carry (for messages about columns).
KEY_HEADERS = dict(
    zip(
        [
            "event_id",
            "dossier_code",
            "event",
            "occurred_at",
            "step",
            "from_name",
            "to_name",
            "to_unit",
            "procedure_code",
            "applicant_name",
            "applicant_address",
            "note",
        ],
        IMPORT_HEADERS,
        strict=True,
    )
)


def agency_step_codes(agency: Agency) -> list[tuple[AdminProcedure, list[ProcessStep]]]:
    """[(procedure, [steps])] of the agency's processes: the step codes an import may name."""
    processes = (
        ProcessDefinition.objects.filter(agency=agency)
        .select_related("procedure")
        .prefetch_related("steps")
        .order_by("procedure__code")
    )
    return [(p.procedure, list(p.steps.all())) for p in processes]


def import_template_csv(agency: Agency) -> str:
    """The import's headers and one dossier worked through (receipt, hand-over, return) with the agency's first
    process, so that an official can fill it from the one-stop-shop export."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_HEADERS)
    processes = agency_step_codes(agency)
    if processes:
        procedure, steps = processes[0]
        codes = [s.code for s in steps] or ["receive"]
        writer.writerow(
            [
                "SK-0001",
                "HS-0001",
                "Tiếp nhận",
                "02/03/2026 08:30",
                codes[0],
                "",
                "Lê Thị Hoa",
                steps[0].responsible_unit if steps else "",
                procedure.code,
                "Nguyễn Văn Đông",
                "Phường 1",
                "",
            ]
        )
        if len(codes) > 1:
            writer.writerow(
                [
                    "SK-0002",
                    "HS-0001",
                    "Chuyển xử lý",
                    "02/03/2026 10:00",
                    codes[1],
                    "Lê Thị Hoa",
                    "Phạm Quốc Việt",
                    steps[1].responsible_unit,
                    "",
                    "",
                    "",
                    "",
                ]
            )
        writer.writerow(
            [
                "SK-0003",
                "HS-0001",
                "Trả kết quả",
                "09/03/2026 15:00",
                "",
                "Lê Thị Hoa",
                "Nguyễn Văn Đông",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    return out.getvalue()


def _import_batch(
    job: ImportJob, processor: EventProcessor, batch: Batch, progress: float, labels: dict[str, str] | None = None
) -> None:
    """One batch through the engine, committed with the job's progress (counts, `last_row`, heartbeat) in one
    transaction: what the job says was imported is what was. Its bad rows are kept with their number, reason and
    content, the content under the file's own column headers (`labels`: key -> header), as the official knows them."""
    with transaction.atomic():
        result = processor.process(batch)
        if result.errors:
            labels = labels or {}
            ImportRowError.objects.bulk_create(
                [
                    ImportRowError(
                        job=job,
                        row_number=number,
                        reason=reason[:500],
                        data="; ".join(f"{labels.get(k, k)}={v}" for k, v in row.items() if v not in ("", None))[:2000],
                    )
                    for number, reason, row in result.errors
                ]
            )
        held = ImportJob.objects.filter(pk=job.pk, attempts=job.attempts, status=ImportJob.Status.RUNNING)
        if not held.update(
            rows_read=F("rows_read") + len(batch),
            rows_stored=F("rows_stored") + result.stored,
            rows_duplicate=F("rows_duplicate") + result.duplicates,
            rows_error=F("rows_error") + len(result.errors),
            progress=progress,
            last_row=batch.numbers[-1],
            heartbeat_at=timezone.now(),
        ):
            raise Superseded  # rolls the batch back: the run that holds the job now imports these rows
    job.refresh_from_db(fields=PROGRESS_FIELDS)


def error_report(job: ImportJob, fmt: str) -> tuple[bytes | str, str]:
    """The rows an import refused, with their numbers and reasons, as (content, file name): CSV or XLSX."""
    header = [_("Dòng"), _("Lý do"), _("Nội dung dòng")]
    rows = job.row_errors.values_list("row_number", "reason", "data").iterator()
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Dòng lỗi"))
        sheet.append(header)
        for row in rows:
            sheet.append(safe_row(row))
        out = io.BytesIO()
        workbook.save(out)
        content = out.getvalue()
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(map(safe_row, rows))
        content = out.getvalue()
    return content, f"loi-nhap-{job.pk}.{fmt}"


def _digest(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def _refuse_same_file(agency: Agency, digest: str) -> None:
    """The same file uploaded again for the agency is refused, naming the job that has it, while that job is
    unfinished, or once it has stored or found every row (importing it again would change nothing). After a failed
    job, or one that refused rows (they may pass now, e.g. once a procedure is added), it is imported again: the
    rows stored before count as duplicates."""
    earlier = (
        ImportJob.objects.filter(agency=agency, content_hash=digest)
        .filter(
            Q(status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING])
            | Q(status=ImportJob.Status.DONE, rows_error=0)
        )
        .order_by("-created_at")
        .first()
    )
    if earlier is None:
        return
    if earlier.is_finished:
        message = _(
            "Tệp này đã được nhập đủ ở lượt nhập số %(id)s (tải lên lúc %(at)s): mọi dòng đã được lưu hoặc đã có, "
            "nhập lại không thay đổi gì."
        )
    else:
        message = _(
            "Tệp này đang được nhập ở lượt nhập số %(id)s (tải lên lúc %(at)s): xem tiến độ ở lượt nhập đó, "
            "không cần tải lên lại."
        )
    raise ValidationError({"file": message % {"id": earlier.pk, "at": moment_text(earlier.created_at)}})


def create_import_job(agency: Agency, uploaded: UploadedFile, user: User | None) -> ImportJob:
    """An import job for the uploaded export file (CSV or XLSX), not yet run: `tasks.start_import` enqueues it.
    The same file again is refused while it is being imported or once it was imported whole (`_refuse_same_file`)."""
    name = uploaded.name or ""
    if not name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise ValidationError({"file": _("Chỉ nhận tệp CSV hoặc XLSX.")})
    digest = _digest(uploaded)
    _refuse_same_file(agency, digest)
    job = ImportJob(agency=agency, file=uploaded, filename=name[:255], content_hash=digest, created_by=user)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:  # the same file uploaded at the same moment (a double click): the other upload has it
        job.file.delete(save=False)
        _refuse_same_file(agency, digest)
        raise
    return job
