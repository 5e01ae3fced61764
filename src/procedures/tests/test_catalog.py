import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from accounts.roles import Role
from core.tabular import encode_cp1258
from procedures import services
from procedures.models import AdminProcedure
from procedures.signals import procedure_changed

pytestmark = pytest.mark.django_db

HEADER = (
    "Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Thời hạn giải quyết,Phí lệ phí,Căn cứ pháp lý,Cơ quan thực hiện\n"
)
ROWS = (
    "1.001,Cấp giấy chứng nhận quyền sử dụng đất lần đầu,Đất đai,Cấp tỉnh,30,Lệ phí 100.000 đồng,"
    "Luật Đất đai 2024,SNNMT\n"
    '1.002,Đăng ký khai sinh,Hộ tịch,Cấp xã,"0,5",,Luật Hộ tịch 2014,XA1\n'
    "1.003,Thủ tục thời hạn âm,Đất đai,Cấp tỉnh,-3,,,\n"
    "1.004,Thủ tục thời hạn chữ,Đất đai,Cấp tỉnh,mười ngày,,,\n"
    "1.005,Thủ tục cơ quan lạ,Xây dựng,Cấp tỉnh,15,,,KHONGCO\n"
)


def test_import_catalog_keeps_good_rows_and_reports_bad_ones(province):
    result = services.import_catalog(province["province"], io.BytesIO((HEADER + ROWS).encode()), "tthc.csv")
    assert (result.created, result.updated) == (2, 0)
    errors = dict(result.errors)
    assert set(errors) == {4, 5, 6}
    assert "không được âm" in errors[4]
    assert "không phải là số" in errors[5]
    assert "KHONGCO" in errors[6]
    p = AdminProcedure.objects.get(code="1.002")
    assert str(p.processing_days) == "0.5" and p.field.name == "Hộ tịch" and p.level == "commune"
    assert list(AdminProcedure.objects.get(code="1.001").agencies.all()) == [province["agencies"]["land"]]
    again = services.import_catalog(province["province"], io.BytesIO((HEADER + ROWS).encode()), "tthc.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AdminProcedure.objects.count() == 2


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16", "utf-8-sig"])
def test_import_catalog_reads_vietnamese_encodings_and_normalises_to_nfc(province, encoding):
    text = HEADER + ROWS.splitlines(keepends=True)[0]
    data = encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    if encoding == "cp1258":
        assert data.decode("cp1258") != text  # really decomposed: normalisation is needed
    result = services.import_catalog(province["province"], io.BytesIO(data), "tthc.csv")
    assert result.created == 1, result.errors
    name = AdminProcedure.objects.get(code="1.001").name
    assert name == "Cấp giấy chứng nhận quyền sử dụng đất lần đầu"
    assert AdminProcedure.objects.get(code="1.001").field.name == "Đất đai"


def test_import_catalog_from_xlsx_and_missing_columns(province):
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết"])
    ws.append(["2.001", "Cấp giấy phép xây dựng", "Xây dựng", 15])
    out = io.BytesIO()
    wb.save(out)
    result = services.import_catalog(province["province"], io.BytesIO(out.getvalue()), "tthc.xlsx")
    assert result.created == 1
    with pytest.raises(ValidationError, match="thiếu cột"):
        services.import_catalog(province["province"], io.BytesIO(b"Ma,Ten\n1,2\n"), "x.csv")


def test_reimporting_a_changed_procedure_is_an_amendment(province):
    services.import_catalog(province["province"], io.BytesIO((HEADER + ROWS).encode()), "tthc.csv")
    received = []

    def listener(sender, procedure, reason, **kwargs):
        received.append((procedure.code, reason))

    procedure_changed.connect(listener)
    try:
        changed = ROWS.replace(",30,", ",25,")
        result = services.import_catalog(province["province"], io.BytesIO((HEADER + changed).encode()), "moi.csv")
    finally:
        procedure_changed.disconnect(listener)
    assert (result.updated, result.unchanged) == (1, 1)
    assert received == [("1.001", "Sửa đổi theo tệp “moi.csv” (dòng 2): thời hạn giải quyết (ngày làm việc).")]
    assert AdminProcedure.objects.get(code="1.001").status == AdminProcedure.Status.AMENDED


def test_amend_and_annul_send_procedure_changed(procedure):
    received = []

    def listener(sender, procedure, reason, **kwargs):
        received.append((sender, procedure.pk, reason))

    procedure_changed.connect(listener)
    try:
        services.change_status(
            procedure, AdminProcedure.Status.AMENDED, "Quyết định 123/QĐ-UBND sửa đổi", processing_days="8"
        )
        procedure.refresh_from_db()
        assert str(procedure.processing_days) == "8.0" and procedure.status == "amended"
        services.change_status(procedure, AdminProcedure.Status.ANNULLED, "Bãi bỏ theo Quyết định 456")
    finally:
        procedure_changed.disconnect(listener)
    assert received == [
        (AdminProcedure, procedure.pk, "Quyết định 123/QĐ-UBND sửa đổi"),
        (AdminProcedure, procedure.pk, "Bãi bỏ theo Quyết định 456"),
    ]
    with pytest.raises(ValidationError):
        services.change_status(procedure, AdminProcedure.Status.AMENDED, "lần nữa")


def test_change_status_requires_a_reason(procedure):
    with pytest.raises(ValidationError) as exc:
        services.change_status(procedure, AdminProcedure.Status.ANNULLED, "  ")
    assert "reason" in exc.value.message_dict


def steps(*days):
    codes = ["receive", "transfer", "review", "approve", "return"]
    return [
        {"code": codes[i], "name": f"Bước {i + 1}", "responsible_unit": "Phòng", "days": d} for i, d in enumerate(days)
    ]


def test_process_steps_must_add_up_to_the_statutory_time(procedure, province):
    land = province["agencies"]["land"]
    with pytest.raises(ValidationError, match="Tổng thời gian các bước là 9,5 ngày"):
        services.save_process(procedure, land, steps("0,5", "0,5", "6", "2", "0,5"))
    with pytest.raises(ValidationError, match="bội số của nửa ngày"):
        services.save_process(procedure, land, steps("0,25", "0,75", "7", "1,5", "0,5"))
    with pytest.raises(ValidationError, match="không phải là số"):
        services.save_process(procedure, land, steps("a", "0,5", "7", "1,5", "0,5"))
    with pytest.raises(ValidationError, match="không được âm"):
        services.save_process(procedure, land, steps("-1", "1,5", "7,5", "1,5", "0,5"))
    process = services.save_process(procedure, land, steps("0,5", "0,5", "7", "1,5", "0,5"))
    assert [s.code for s in process.steps.all()] == ["receive", "transfer", "review", "approve", "return"]
    assert process.total_days == 10
    # Redefining replaces the steps.
    process = services.save_process(procedure, land, steps("1", "1", "6", "1,5", "0,5"))
    assert process.steps.count() == 5 and process.steps.get(code="transfer").days == 1


def test_standard_allotment_adds_up():
    from decimal import Decimal

    for total in ["0.5", "1", "2", "3", "5", "10", "30"]:
        assert sum(services.standard_allotment(Decimal(total))) == Decimal(total)


# -- views ----------------------------------------------------------------------------------------
def test_oversight_imports_the_catalog_in_the_browserless_view(client_as, users, province):
    client = client_as(users[Role.OVERSIGHT])
    upload = io.BytesIO((HEADER + ROWS).encode())
    upload.name = "tthc.csv"
    response = client.post("/procedures/import/", {"file": upload})
    assert response.status_code == 200
    assert "2 thủ tục mới" in response.content.decode()
    assert "Dòng" in response.content.decode()
    assert client.get("/procedures/?q=khai sinh").content.decode().count("1.002") >= 1


def test_agency_staff_cannot_import_or_edit(client_as, users, procedure):
    client = client_as(users[Role.STAFF])
    assert client.get("/procedures/import/").status_code == 403
    assert client.get(f"/procedures/{procedure.pk}/edit/").status_code == 403
    assert client.get(f"/procedures/{procedure.pk}/").status_code == 200


def test_other_province_sees_nothing(client_as, users, procedure):
    client = client_as(users["other_staff"])
    assert client.get(f"/procedures/{procedure.pk}/").status_code == 403
    assert procedure.code not in client.get("/procedures/").content.decode()


def test_secretary_defines_the_process_in_the_view(client_as, users, procedure):
    client = client_as(users[Role.ISO_SECRETARY])
    page = client.get(f"/procedures/{procedure.pk}/process/")
    assert page.status_code == 200
    formset = page.context["formset"]
    data = {"form-TOTAL_FORMS": "5", "form-INITIAL_FORMS": "0"}
    for i, (code, days) in enumerate(
        [("receive", "0,5"), ("transfer", "0,5"), ("review", "6"), ("approve", "1,5"), ("return", "0,5")]
    ):
        data.update(
            {
                f"form-{i}-code": code,
                f"form-{i}-name": f"Bước {code}",
                f"form-{i}-responsible_unit": "Phòng",
                f"form-{i}-days": days,
            }
        )
    response = client.post(f"/procedures/{procedure.pk}/process/", data)
    assert response.status_code == 200
    assert "khác thời hạn giải quyết" in response.content.decode()
    data["form-2-days"] = "7"
    response = client.post(f"/procedures/{procedure.pk}/process/", data)
    assert response.status_code == 302
    assert procedure.processes.get().steps.count() == 5
    assert formset.initial_form_count() == 5  # standard steps offered for a new process
    # Staff may not define processes; another agency's secretary cannot touch this one.
    assert client_as(users[Role.STAFF]).get(f"/procedures/{procedure.pk}/process/").status_code == 403


def test_oversight_adds_a_procedure_and_a_duplicate_code_is_refused(client_as, users, province, land_field):
    client = client_as(users[Role.OVERSIGHT])
    data = {
        "code": "3.000111",
        "name": "Cấp giấy phép khai thác cát",
        "field": land_field.pk,
        "level": "provincial",
        "processing_days": "7,5",
        "agencies": [province["agencies"]["land"].pk],
    }
    response = client.post("/procedures/new/", data)
    assert response.status_code == 302
    procedure = AdminProcedure.objects.get(code="3.000111")
    assert str(procedure.processing_days) == "7.5" and procedure.agencies.count() == 1
    again = client.post("/procedures/new/", data)
    assert again.status_code == 200 and "đã có trong bộ thủ tục" in again.content.decode()
    assert client_as(users[Role.ISO_SECRETARY]).post("/procedures/new/", data).status_code == 403


def test_each_demo_procedure_cites_the_law_of_its_own_field():
    from procedures.demo import CATALOG, LEGAL_BASIS

    assert {field for field, *_rest in CATALOG} <= set(LEGAL_BASIS)
    assert "Đất đai" in LEGAL_BASIS["Đất đai"] and "Hộ tịch" in LEGAL_BASIS["Hộ tịch"]
    # no field cites another field's law
    laws = {
        field: {part.split(" số ")[0].strip() for part in basis.split(";") if part.strip().startswith("Luật")}
        for field, basis in LEGAL_BASIS.items()
    }
    assert "Luật Hộ tịch" not in laws["Đất đai"] and "Luật Đất đai" not in laws["Hộ tịch"]
