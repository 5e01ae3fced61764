import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.roles import Role
from core.tabular import encode_cp1258
from dossiers import services, tasks
from dossiers.models import Dossier, DossierEvent, ImportJob

pytestmark = pytest.mark.django_db

HEADER = (
    "Mã sự kiện,Mã hồ sơ,Loại sự kiện,Thời điểm,Bước,Người giao,Người nhận,Đơn vị nhận,Mã thủ tục,Người nộp,Ghi chú\n"
)
GOOD = [
    "E1,HS-1,Tiếp nhận,02/03/2026 08:30,receive,,Lê Thị Hoa,Bộ phận một cửa,1.004227,Nguyễn Văn Đông,\n",
    "E2,HS-1,Chuyển xử lý,02/03/2026 10:00,review,Lê Thị Hoa,Phạm Quốc Việt,Phòng Đăng ký đất đai,,,\n",
    "E3,HS-2,tiep nhan,02/03/2026 09:00,,,Lê Thị Hoa,,1.004227,Trần Thị Ánh,\n",
    "E4,HS-1,Trả kết quả,10/03/2026 15:00,,Phạm Quốc Việt,Nguyễn Văn Đông,,,,Đã trả\n",
]
BAD = [
    "E5,HS-3,Tiếp nhận,02/03/2026 09:00,,,,,9.999,Lê Văn Lạ,\n",  # unknown procedure
    "E6,HS-404,Chuyển xử lý,02/03/2026 09:00,review,,,,,,\n",  # unknown dossier
    "E7,HS-2,Chuyển xử lý,01/03/2026 09:00,review,,,,,,\n",  # before its receipt
    "E8,HS-2,Chuyển xử lý,03/03/2026 09:00,tham-dinh-lai,,,,,,\n",  # step not in the process
    "E9,HS-2,Chuyển xử lý,hôm qua,review,,,,,,\n",  # malformed time
]


def upload(agency, content, name="export.csv", user=None):
    return tasks.start_import(agency, SimpleUploadedFile(name, content), user)


def test_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(catalog, province):
    land = province["agencies"]["land"]
    job = upload(land, (HEADER + "".join(GOOD + BAD)).encode())
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 1.0
    assert (job.rows_read, job.rows_stored, job.rows_duplicate, job.rows_error) == (9, 4, 0, 5)
    errors = {e.row_number: e.reason for e in job.row_errors.all()}
    assert set(errors) == {6, 7, 8, 9, 10}
    assert "9.999" in errors[6] and "chưa được tiếp nhận" in errors[7] and "sai thứ tự" in errors[8]
    assert "tham-dinh-lai" in errors[9] and "không đúng định dạng" in errors[10]
    # The row's content under the file's own headers.
    assert job.row_errors.get(row_number=7).data == (
        "Mã sự kiện=E6; Mã hồ sơ=HS-404; Loại sự kiện=Chuyển xử lý; Thời điểm=02/03/2026 09:00; Bước=review"
    )
    assert Dossier.objects.get(code="HS-1").status == "returned"
    assert Dossier.objects.get(code="HS-1").applicant_name == "Nguyễn Văn Đông"
    again = upload(land, (HEADER + "".join(GOOD)).encode())
    again.refresh_from_db()
    assert (again.rows_stored, again.rows_duplicate, again.rows_error) == (0, 4, 0)
    assert DossierEvent.objects.count() == 4 and Dossier.objects.count() == 2


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16", "utf-16-le", "utf-8-sig"])
def test_import_reads_windows_1258_and_utf16(catalog, province, encoding):
    text = HEADER + "".join(GOOD)
    content = encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    job = upload(province["agencies"]["land"], content)
    job.refresh_from_db()
    assert job.rows_stored == 4, (job.message, list(job.row_errors.values_list("reason", flat=True)))
    assert Dossier.objects.get(code="HS-2").applicant_name == "Trần Thị Ánh"
    assert DossierEvent.objects.get(external_id="E2").to_unit == "Phòng Đăng ký đất đai"


def test_import_xlsx_with_small_batches(catalog, province, settings):
    settings.EISO = {**settings.EISO, "DOSSIER_IMPORT_BATCH": 2}
    wb = Workbook()
    ws = wb.active
    for line in [HEADER] + GOOD + BAD[:2]:
        ws.append(next(__import__("csv").reader([line.strip()])))
    out = io.BytesIO()
    wb.save(out)
    job = upload(province["agencies"]["land"], out.getvalue(), "export.xlsx")
    job.refresh_from_db()
    assert (job.rows_stored, job.rows_error) == (4, 2)
    assert sorted(job.row_errors.values_list("row_number", flat=True)) == [6, 7]


def test_a_file_without_the_required_columns_fails_clearly(catalog, province):
    job = upload(province["agencies"]["land"], b"a,b\n1,2\n")
    job.refresh_from_db()
    assert job.status == "failed" and "thiếu cột" in job.message


def test_the_error_report_downloads_as_csv_and_xlsx(catalog, province, users, client_as):
    job = upload(province["agencies"]["land"], (HEADER + "".join(GOOD + BAD)).encode(), user=users[Role.ISO_SECRETARY])
    client = client_as(users[Role.ISO_SECRETARY])
    csv_text = client.get(f"/dossiers/imports/{job.pk}/errors.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Dòng,Lý do,Nội dung dòng" and "9.999" in csv_text
    xlsx = client.get(f"/dossiers/imports/{job.pk}/errors.xlsx").content
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert len(rows) == 6 and rows[1][0] == 6
    # Another agency's staff cannot read it.
    assert client_as(users["other_staff"]).get(f"/dossiers/imports/{job.pk}/errors.csv").status_code == 403


def test_upload_view_starts_the_job_and_shows_progress(catalog, users, client_as):
    client = client_as(users[Role.ISO_SECRETARY])
    response = client.post("/dossiers/imports/", {"file": SimpleUploadedFile("x.csv", (HEADER + GOOD[0]).encode())})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dossiers/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Hoàn thành" in page and "100%" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-progress"') and "hx-trigger" not in partial
    assert client_as(users[Role.STAFF]).get("/dossiers/imports/").status_code == 403


def test_a_larger_file_takes_the_set_based_path_and_stays_idempotent(catalog, province):
    lines = [HEADER]
    for i in range(150):
        lines.append(f"R{i},B-{i},receive,2026-03-02T08:{i % 60:02d},,,Lê Thị Hoa,,1.004227,Nguyễn Văn {i}\n")
        lines.append(f"T{i},B-{i},transfer,2026-03-03T09:00,review,,Chuyên viên,Phòng ĐK,,\n")
        lines.append(f"X{i},B-{i},return,2026-03-{10 + i % 10:02d}T15:00,,,,,,\n")
    content = "".join(lines).encode()
    job = upload(province["agencies"]["land"], content)
    job.refresh_from_db()
    assert (job.rows_stored, job.rows_error) == (450, 0)
    assert DossierEvent.objects.filter(completed_step="review", is_late=True).count() > 0
    # The same file again is refused (it was imported whole); run all the same, it stores nothing.
    with pytest.raises(ValidationError, match=f"đã được nhập đủ ở lượt nhập số {job.pk} "):
        upload(province["agencies"]["land"], content)
    again = ImportJob.objects.create(agency=province["agencies"]["land"], file=job.file.name, filename="again.csv")
    again = services.run_import_job(again.pk)
    assert (again.rows_stored, again.rows_duplicate) == (0, 450)
    assert DossierEvent.objects.count() == 450 and Dossier.objects.filter(status="returned").count() == 150
    from dossiers.models import MonthlyStat

    stat = MonthlyStat.objects.get()
    assert (stat.received, stat.completed, stat.on_time + stat.late) == (150, 150, 150)


def test_the_import_page_groups_thousands_and_says_when_errors_are_cut(catalog, province, users, client_as):
    """Counts as an official reads them (1.205, not 1205); only the first 100 bad rows are listed on the page, and
    the page says so (the downloadable report has them all)."""
    bad = [f"Z{i},HS-NONE-{i},Chuyển xử lý,02/03/2026 09:00,review,,,,,,\n" for i in range(1205)]
    job = upload(province["agencies"]["land"], (HEADER + "".join(GOOD + bad)).encode(), user=users[Role.ISO_SECRETARY])
    job.refresh_from_db()
    assert job.rows_error == 1205 and job.message == "Đã lưu 4 sự kiện; 0 dòng trùng (đã có); 1.205 dòng lỗi."
    page = client_as(users[Role.ISO_SECRETARY]).get(f"/dossiers/imports/{job.pk}/").content.decode()
    assert 'data-testid="rows-error">1.205<' in page and ">1.209<" in page
    assert "Hiển thị 100 dòng lỗi đầu tiên trong số 1.205" in page
    listing = client_as(users[Role.ISO_SECRETARY]).get("/dossiers/imports/").content.decode()
    assert '<td class="text-end">1.205</td>' in listing
    csv_text = client_as(users[Role.ISO_SECRETARY]).get(f"/dossiers/imports/{job.pk}/errors.csv").content
    assert len(csv_text.decode("utf-8-sig").splitlines()) == 1206
