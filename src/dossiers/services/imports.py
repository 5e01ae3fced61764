"""Bulk import of the one-stop-shop software's export files: the file's columns, the import job run in
batches by the engine, the downloadable template and the error report."""

import csv
import io
import logging
import zipfile

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import User
from core import audit
from core.models import AuditEntry
from core.tabular import TableReader
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
    if not job.rows_read:
        return reason
    return (
        reason
        + " "
        + _(
            "Đã đọc %(read)s dòng đầu (đến dòng %(last)s của tệp): %(stored)s sự kiện đã lưu, %(err)s dòng lỗi; "
            "các dòng sau chưa được nhập. Sửa tệp rồi nhập lại: các dòng đã lưu được bỏ qua vì trùng."
        )
        % {
            "read": number_format(job.rows_read, force_grouping=True),
            "last": number_format(job.rows_read + 1, force_grouping=True),
            "stored": number_format(job.rows_stored, force_grouping=True),
            "err": number_format(job.rows_error, force_grouping=True),
        }
    )


def run_import_job(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("agency").get(pk=job_id)
    if job.is_finished:
        return job
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    batch_size = settings.EISO.get("DOSSIER_IMPORT_BATCH", 5000)
    processor = EventProcessor(job.agency, DossierEvent.Source.IMPORT)
    try:
        with job.file.open("rb") as handle:
            raw = getattr(handle, "file", handle)
            reader = TableReader(raw, job.filename, EVENT_COLUMNS, required=REQUIRED_COLUMNS)
            for number, (numbers, columns) in enumerate(reader.batches(batch_size), start=1):
                if job.rows_read == 0 and reader.missing_columns():
                    break
                _import_batch(job, processor, Batch(numbers, columns), reader.progress(), reader.labels)
                if number & (number - 1) == 0 and number.bit_length() % 2:  # batches 1, 4, 16, 64...: 4x as large
                    bulk.refresh_statistics()
            if job.rows_read == 0 and reader.missing_columns():
                raise ValidationError(
                    _("Tệp thiếu cột bắt buộc: %(cols)s.")
                    % {"cols": ", ".join(f"“{KEY_HEADERS.get(key, key)}”" for key in reader.missing_columns())}
                )
    except Exception as exc:  # every failure ends the job (a job left "running" is polled for ever)
        job.refresh_from_db(fields=["rows_read", "rows_stored", "rows_duplicate", "rows_error", "progress"])
        job.status = ImportJob.Status.FAILED
        job.message = _failure_message(job, exc)
        if not isinstance(exc, ValidationError | UnicodeError | csv.Error | zipfile.BadZipFile):
            logger.exception("import job %s failed", job.pk)
    else:
        job.status = ImportJob.Status.DONE
        job.progress = 1.0
        job.message = _("Đã lưu %(stored)s sự kiện; %(dup)s dòng trùng (đã có); %(err)s dòng lỗi.") % {
            "stored": number_format(job.rows_stored, force_grouping=True),
            "dup": number_format(job.rows_duplicate, force_grouping=True),
            "err": number_format(job.rows_error, force_grouping=True),
        }
    job.finished_at = timezone.now()
    job.save()
    audit.record(
        job,
        AuditEntry.Action.EVENT,
        {"rows": job.rows_read, "stored": job.rows_stored, "errors": job.rows_error},
        comment=job.message[:300],
        actor=job.created_by,
    )
    return job


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
    """One batch through the engine; its bad rows are kept with their number, reason and content, the content
    under the file's own column headers (`labels`: key -> header), as the official knows them."""
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
    ImportJob.objects.filter(pk=job.pk).update(
        rows_read=F("rows_read") + len(batch),
        rows_stored=F("rows_stored") + result.stored,
        rows_duplicate=F("rows_duplicate") + result.duplicates,
        rows_error=F("rows_error") + len(result.errors),
        progress=progress,
    )
    job.refresh_from_db(fields=["rows_read", "rows_stored", "rows_duplicate", "rows_error", "progress"])


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


def create_import_job(agency: Agency, uploaded: UploadedFile, user: User) -> ImportJob:
    """An import job for the uploaded export file (CSV or XLSX), not yet run: `tasks.start_import` enqueues it."""
    name = uploaded.name or ""
    if not name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise ValidationError({"file": _("Chỉ nhận tệp CSV hoặc XLSX.")})
    return ImportJob.objects.create(agency=agency, file=uploaded, filename=name[:255], created_by=user)
