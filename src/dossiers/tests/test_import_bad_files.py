"""Bad files end their import job: never "running" forever. Found by a new user: a cell over 128 KB, a 5 MB line
without a newline and a damaged XLSX left the job running (the reader's error escaped it)."""

import io

import pytest
from openpyxl import Workbook

from dossiers.models import Dossier, ImportJob

from .test_import import GOOD, HEADER, upload

pytestmark = pytest.mark.django_db


def finished(job):
    job.refresh_from_db()
    assert job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED), job.status
    assert job.finished_at is not None and job.message
    return job


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])  # Arrow's reader, then Python's
def test_a_huge_cell_is_a_bad_row_and_the_good_rows_are_kept(catalog, province, encoding):
    from core.tabular import encode_cp1258

    huge = "E9,HS-9,Tiếp nhận,02/03/2026 09:00,,,,,1.004227,Nguyễn Văn " + "A" * 200_000 + ",\n"
    text = HEADER + GOOD[0] + huge + GOOD[2]
    data = text.encode() if encoding == "utf-8" else encode_cp1258(text)
    job = finished(upload(province["agencies"]["land"], data))
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_read, job.rows_stored, job.rows_error) == (3, 2, 1)
    assert "quá dài" in job.row_errors.get(row_number=3).reason
    assert set(Dossier.objects.values_list("code", flat=True)) == {"HS-1", "HS-2"}


def test_a_long_line_without_a_newline_fails_the_job_with_a_clear_message(catalog, province):
    data = (HEADER + GOOD[0]).encode() + b"x" * 5_000_000
    job = finished(upload(province["agencies"]["land"], data))
    print(job.message)
    assert job.status == ImportJob.Status.FAILED and "quá dài" in job.message
    # What the message says was stored is what was stored.
    stored = Dossier.objects.filter(code="HS-1").exists()
    assert ("1 sự kiện đã lưu" in job.message) == stored and job.rows_stored == int(stored)


def test_a_failure_after_the_first_batches_says_which_rows_were_stored(catalog, province, settings):
    settings.EISO = {**settings.EISO, "DOSSIER_IMPORT_BATCH": 2}
    data = (HEADER + "".join(GOOD)).encode() + b"x" * 3_000_000
    job = finished(upload(province["agencies"]["land"], data))
    print(job.message)
    assert job.status == ImportJob.Status.FAILED
    assert (job.rows_read, job.rows_stored, job.last_row) == (4, 4, 5)
    assert "Đã nhập xong đến hết dòng 5 của tệp (4 dòng: 4 sự kiện đã lưu" in job.message
    assert "từ dòng 6 trở đi chưa được nhập" in job.message
    assert Dossier.objects.get(code="HS-1").status == "returned"


def test_a_damaged_xlsx_fails_the_job_in_vietnamese(catalog, province):
    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["Mã sự kiện", "Mã hồ sơ"])
    book.save(buffer)
    damaged = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    job = finished(upload(province["agencies"]["land"], damaged, name="export.xlsx"))
    assert job.status == ImportJob.Status.FAILED
    assert "XLSX" in job.message and "hỏng" in job.message


def test_an_event_dated_years_ahead_is_refused_and_a_little_clock_drift_is_not(catalog, province):
    import datetime as dt

    from django.utils import timezone

    soon = timezone.localtime() + dt.timedelta(minutes=20)  # within the tolerance (60 minutes)
    rows = [
        "E1,HS-1,Tiếp nhận,03/12/2030 08:30,receive,,Lê Thị Hoa,,1.004227,Nguyễn Văn Đông,\n",
        f"E2,HS-2,Tiếp nhận,{soon:%d/%m/%Y %H:%M},receive,,Lê Thị Hoa,,1.004227,Trần Thị Ánh,\n",
    ]
    job = finished(upload(province["agencies"]["land"], (HEADER + "".join(rows)).encode()))
    assert (job.rows_stored, job.rows_error) == (1, 1)
    assert "03/12/2030 08:30" in job.row_errors.get(row_number=2).reason
    assert "tương lai" in job.row_errors.get(row_number=2).reason
    assert list(Dossier.objects.values_list("code", flat=True)) == ["HS-2"]


def test_an_event_id_sent_again_with_other_content_is_a_conflict_naming_both(catalog, province):
    land = province["agencies"]["land"]
    finished(upload(land, (HEADER + GOOD[0] + GOOD[1]).encode()))
    changed = "E2,HS-1,Chuyển xử lý,02/03/2026 11:15,review,Lê Thị Hoa,Phạm Quốc Việt,Phòng Đăng ký đất đai,,,\n"
    job = finished(upload(land, (HEADER + GOOD[0] + changed).encode()))
    assert (job.rows_stored, job.rows_duplicate, job.rows_error) == (0, 1, 1)  # E1 the same: a duplicate
    reason = job.row_errors.get(row_number=3).reason
    assert "E2" in reason and "02/03/2026 10:00:00" in reason and "02/03/2026 11:15:00" in reason
    from django.utils import timezone

    from dossiers.models import DossierEvent

    kept = timezone.localtime(DossierEvent.objects.get(external_id="E2").occurred_at)
    assert f"{kept:%d/%m/%Y %H:%M}" == "02/03/2026 10:00"  # the stored version is kept


def test_an_xlsx_zip_bomb_fails_the_job_in_vietnamese_before_it_is_inflated(catalog, province):
    from core.tests.test_archives import xlsx_bomb

    rows = [HEADER.strip().split(","), GOOD[0].strip().split(",")]
    job = finished(upload(province["agencies"]["land"], xlsx_bomb(5, rows), name="export.xlsx"))
    assert job.status == ImportJob.Status.FAILED
    assert "xl/worksheets/sheet1.xml" in job.message and "100:1" in job.message and "bom nén" in job.message
    assert job.rows_read == 0 and not Dossier.objects.exists()
