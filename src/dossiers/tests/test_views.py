import datetime as dt
import io
import time
import types

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.roles import Role
from core.text import search_key
from dossiers import services
from dossiers.models import ApologyLetter, Dossier, DossierWarning

from .conftest import T0, receive_row, row

pytestmark = pytest.mark.django_db


def pdf_text(content):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_staff_receives_and_moves_a_dossier_in_the_web(catalog, users, client_as):
    client = client_as(users[Role.STAFF])
    response = client.post(
        "/dossiers/receive/", {"procedure": catalog["home"].pk, "applicant_name": "Võ Thị Sáu", "code": "WEB-1"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    d = Dossier.objects.get(code="WEB-1")
    assert d.holder == users[Role.STAFF]
    # each step in the process's order (no step skipped), the holder handing over each time
    for step in ("transfer", "review", "approve", "return"):
        client.post(f"/dossiers/{d.pk}/action/transfer/", {"step": step, "to_user": users[Role.STAFF].pk})
    client.post(f"/dossiers/{d.pk}/action/return/", {})
    d.refresh_from_db()
    assert d.status == "returned" and d.events.count() == 6
    page = client.get(f"/dossiers/{d.pk}/").content.decode()
    assert "WEB-1" in page and "Trả kết quả" in page


def test_the_process_control_sheet_in_html_and_pdf(dossier, users, client_as):
    client = client_as(users[Role.STAFF])
    html = client.get(f"/dossiers/{dossier.pk}/control-sheet/").content.decode()
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in html and "Quá hạn" in html
    response = client.get(f"/dossiers/{dossier.pk}/control-sheet.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "HS-001" in text and "PHIẾU KIỂM SOÁT" in text


def test_a_control_sheet_pdf_is_made_once_per_content(dossier, users, client_as, monkeypatch):
    client = client_as(users[Role.STAFF])
    first = client.get(f"/dossiers/{dossier.pk}/control-sheet.pdf").content

    def no_weasyprint(*args, **kwargs):
        raise AssertionError("rendered again")

    with monkeypatch.context() as m:
        m.setattr("weasyprint.HTML", no_weasyprint)
        assert client_as(users[Role.AGENCY_HEAD]).get(f"/dossiers/{dossier.pk}/control-sheet.pdf").content == first
    land = dossier.agency
    services.push_event(land, row("HS-001", "e3", "return", T0 + dt.timedelta(days=20)))
    after = client.get(f"/dossiers/{dossier.pk}/control-sheet.pdf").content
    assert after != first  # the return changed the sheet: made afresh


def test_the_apology_letter_for_a_late_dossier(dossier, users, client_as):
    client = client_as(users[Role.STAFF])
    new_due = timezone.localtime(timezone.now() + dt.timedelta(days=5))
    response = client.post(
        f"/dossiers/{dossier.pk}/apology/",
        {
            "reason": "Phải xác minh nguồn gốc đất tại thực địa",
            "new_due_at": new_due.strftime("%d/%m/%Y %H:%M"),
            "signer_name": "Nguyễn Văn Giám Đốc",
            "signer_title": "Giám đốc",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    letter = ApologyLetter.objects.get()
    assert letter.number == "001/PXL"
    text = pdf_text(client.get(f"/dossiers/apology/{letter.pk}.pdf").content)
    for expected in (
        "HS-001",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Số: 001/PXL",
        "Nguyễn Văn Giám Đốc",
        "Sở Nông nghiệp và Môi trường",
    ):
        assert expected in text, expected
    # Returned after the apology (once signed at the leader's step): counted as late.
    services.web_event(dossier, users[Role.STAFF], "transfer", step="approve", to_username="staff", to_name="A")
    d = services.web_event(dossier, users[Role.STAFF], "return")
    assert d.is_late is True


def test_no_apology_before_the_due_date(catalog, province, users):
    land = province["agencies"]["land"]
    _, d = services.push_event(land, receive_row("FUT", at=timezone.now()))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="chưa quá hạn"):
        services.issue_apology(d, reason="x", new_due_at=timezone.now() + dt.timedelta(days=30), signer_name="A")


def test_early_warning_task_warns_the_holder_once(catalog, province, users):
    from dossiers.tasks import warn_due_dossiers

    land = province["agencies"]["land"]
    now = timezone.now()
    services.push_event(land, receive_row("SOON", at=now - dt.timedelta(days=30), to_username="staff"))
    d = Dossier.objects.get(code="SOON")
    Dossier.objects.filter(pk=d.pk).update(due_at=now + dt.timedelta(hours=2))
    services.push_event(land, receive_row("LATE", at=now - dt.timedelta(days=30), to_username="staff"))
    services.push_event(land, receive_row("FAR", at=now, to_username="staff"))
    result = warn_due_dossiers.enqueue()
    assert result.status == "SUCCESSFUL", result.errors
    warn_due_dossiers.enqueue()
    warnings = {w.dossier.code: w.kind for w in DossierWarning.objects.filter(user=users[Role.STAFF])}
    assert warnings == {"SOON": "due_soon", "LATE": "late"}
    assert DossierWarning.objects.count() == 2


def test_another_agency_gets_403_and_sees_nothing(dossier, users, client_as):
    other = client_as(users["other_staff"])
    assert other.get(f"/dossiers/{dossier.pk}/").status_code == 403
    assert other.get(f"/dossiers/{dossier.pk}/control-sheet.pdf").status_code == 403
    assert other.post(f"/dossiers/{dossier.pk}/action/return/").status_code == 403
    assert "HS-001" not in other.get("/dossiers/").content.decode()
    assert client_as(users["other_oversight"]).get(f"/dossiers/{dossier.pk}/").status_code == 403
    # Province roles of the same province read, but cannot act.
    viewer = client_as(users[Role.PROVINCIAL_VIEWER])
    assert viewer.get(f"/dossiers/{dossier.pk}/").status_code == 200
    assert viewer.post(f"/dossiers/{dossier.pk}/action/return/").status_code == 403


def test_analytics_by_field_and_bottlenecks_and_export(dossier, province, users, client_as):
    land = province["agencies"]["land"]
    services.push_event(land, row("HS-001", "e3", "return", T0 + dt.timedelta(days=20)))
    client = client_as(users[Role.OVERSIGHT])
    page = client.get("/dossiers/analytics/")
    assert page.status_code == 200
    assert page.context["totals"]["late"] == 1
    assert page.context["bottlenecks"][0]["late_step"] == "receive"
    assert page.context["bottlenecks"][0]["step_name"] == "Bước receive"  # the process's name for the step
    assert "chart.umd.js" in page.content.decode()
    workbook = load_workbook(io.BytesIO(client.get("/dossiers/analytics.xlsx").content))
    assert "Theo lĩnh vực" in workbook.sheetnames
    rows = list(workbook["Theo lĩnh vực"].iter_rows(values_only=True))
    assert rows[1][0] == "Đất đai" and rows[1][4] == 1
    assert list(workbook["Điểm nghẽn"].iter_rows(values_only=True))[1][0] == "Bước receive"
    assert client_as(users[Role.STAFF]).get("/dossiers/analytics/").status_code == 403
    assert client_as(users["other_oversight"]).get("/dossiers/analytics/").context["totals"]["completed"] == 0


def test_analytics_figures_are_kept_a_minute_per_scope_and_filter_and_dated(
    dossier, province, users, client_as, settings, monkeypatch
):
    """The figures are kept ANALYTICS_CACHE_SECONDS for the same scope and filters: an event in between shows on the
    page after that time (or at once under another filter), and the page says when its figures were computed."""
    settings.EISO = {**settings.EISO, "ANALYTICS_CACHE_SECONDS": 60}
    land = province["agencies"]["land"]
    oversight = client_as(users[Role.OVERSIGHT])
    first = oversight.get("/dossiers/analytics/?year=")
    assert first.context["totals"]["completed"] == 0
    computed = timezone.localtime(first.context["computed_at"]).strftime("%H:%M %d/%m/%Y")
    assert f"Số liệu tính lúc {computed}" in first.content.decode()
    assert "tính lại sau 60 giây" in first.content.decode()

    services.push_event(land, row("HS-001", "e3", "return", T0 + dt.timedelta(days=20)))
    kept = oversight.get("/dossiers/analytics/?year=")
    assert kept.context["totals"]["completed"] == 0  # as computed a moment ago
    assert kept.context["computed_at"] == first.context["computed_at"]
    # Another filter, or another scope, is computed afresh.
    by_field = oversight.get(f"/dossiers/analytics/?year=&field={dossier.procedure.field_id}")
    assert by_field.context["totals"]["late"] == 1
    assert client_as(users[Role.ISO_SECRETARY]).get("/dossiers/analytics/?year=").context["totals"]["late"] == 1
    later = time.time() + 61  # the cache's clock (LocMemCache reads time.time) a minute on
    monkeypatch.setattr("django.core.cache.backends.locmem.time", types.SimpleNamespace(time=lambda: later))
    fresh = oversight.get("/dossiers/analytics/?year=")
    assert fresh.context["totals"]["late"] == 1
    assert fresh.context["computed_at"] > first.context["computed_at"]


def test_bottlenecks_read_the_summary_in_the_users_scope_with_the_page_filters(catalog, province, users, client_as):
    from .conftest import define

    home, other = province["agencies"], province["other_agencies"]
    define(catalog["home"], home["commune_a"])
    units = {home["land"]: ("Phòng ĐK", 2), home["commune_a"]: ("Văn phòng xã", 1), other["land"]: ("Phòng AG", 1)}
    for agency, (unit, count) in units.items():
        for i in range(count):
            code = f"{agency.code}-{i}"
            services.push_event(agency, receive_row(code))
            services.push_event(
                agency, row(code, f"{code}-2", "transfer", T0 + dt.timedelta(hours=1), step="review", to_unit=unit)
            )
            # Review: 7 working days; handed on 12 days later (in March 2026).
            services.push_event(agency, row(code, f"{code}-3", "transfer", T0 + dt.timedelta(days=12), step="approve"))

    def table(user, query=""):
        page = client_as(user).get(f"/dossiers/analytics/{query}")
        return sorted((b["late_step"], b["late_unit"], b["n"]) for b in page.context["bottlenecks"])

    assert table(users[Role.ISO_SECRETARY]) == [("review", "Phòng ĐK", 2)]  # their agency only
    assert table(users[Role.ISO_SECRETARY], f"?agency={home['commune_a'].pk}") == []  # not another agency's
    assert table(users[Role.OVERSIGHT]) == [("review", "Phòng ĐK", 2), ("review", "Văn phòng xã", 1)]  # province
    assert table(users["other_oversight"]) == [("review", "Phòng AG", 1)]
    assert table(users[Role.OVERSIGHT], f"?agency={home['commune_a'].pk}") == [("review", "Văn phòng xã", 1)]
    assert table(users[Role.OVERSIGHT], f"?field={catalog['quick'].field_id}") == []
    assert table(users[Role.OVERSIGHT], "?year=2025") == []
    assert table(users[Role.OVERSIGHT], "?year=2026") == table(users[Role.OVERSIGHT])
    # The selects are the filter's form: the years of the summaries in scope, the agencies the user sees.
    form = client_as(users[Role.OVERSIGHT]).get("/dossiers/analytics/?year=2026").context["filter"].form
    assert [v for v, _label in form.fields["year"].widget.choices] == ["", 2026]
    assert 'value="2026" selected' in str(form["year"])
    agency_ids = {v for v, _label in form.fields["agency"].widget.choices}
    assert {home["land"].pk, home["commune_a"].pk} <= agency_ids and other["land"].pk not in agency_ids
    assert 'id="a-agency"' not in client_as(users[Role.ISO_SECRETARY]).get("/dossiers/analytics/").content.decode()
    export = client_as(users[Role.PROVINCIAL_VIEWER]).get("/dossiers/analytics.xlsx")
    workbook = load_workbook(io.BytesIO(export.content))
    assert sorted(list(workbook["Điểm nghẽn"].iter_rows(values_only=True))[1:]) == [
        ("Bước review", "Phòng ĐK", 2),
        ("Bước review", "Văn phòng xã", 1),
    ]


def test_dashboard_panels_for_each_role(dossier, users, client_as):
    assert "Hồ sơ tôi đang giữ" in client_as(users[Role.STAFF]).get("/").content.decode()
    assert "của cơ quan (12 tháng)" in client_as(users[Role.ISO_SECRETARY]).get("/").content.decode()
    assert "toàn tỉnh (12 tháng)" in client_as(users[Role.PROVINCIAL_VIEWER]).get("/").content.decode()


def test_tokens_are_issued_and_revoked_by_the_secretary(users, client_as):
    client = client_as(users[Role.ISO_SECRETARY])
    page = client.post("/dossiers/tokens/", {"name": "Một cửa điện tử"})
    raw = page.context["raw"]
    assert raw and raw in page.content.decode()
    from dossiers.models import IntegrationToken

    token = IntegrationToken.objects.get()
    assert raw not in str(token.secret_hash)
    client.post(f"/dossiers/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_as(users[Role.STAFF]).get("/dossiers/tokens/").status_code == 403


def test_the_warning_command_enqueues_the_task(catalog, province, users):
    from io import StringIO

    from django.core.management import call_command

    services.push_event(
        province["agencies"]["land"], receive_row("OLD", at=timezone.now() - dt.timedelta(days=40), to_username="staff")
    )
    out = StringIO()
    call_command("warn_dossiers", stdout=out)
    assert "SUCCESSFUL" in out.getvalue()
    assert DossierWarning.objects.get().kind == "late"


def test_the_field_chart_shows_the_fields_with_most_late_dossiers(province, users, client_as):
    """A province has dozens of fields: the chart takes the ten with the most late dossiers, the table all."""
    from dossiers.models import MonthlyStat
    from procedures.models import AdminProcedure, Field

    land = province["agencies"]["land"]
    for i in range(12):
        field = Field.objects.create(code=f"chart-{i}", name=f"Lĩnh vực {i:02d}")
        procedure = AdminProcedure.objects.create(
            province=land.province,
            code=f"9.{i:06d}",
            name=f"Thủ tục {i}",
            field=field,
            level="provincial",
            processing_days=5,
        )
        MonthlyStat.objects.create(
            agency=land,
            procedure=procedure,
            field=field,
            month=dt.date(2026, 3, 1),
            received=20,
            completed=20,
            on_time=20 - i,
            late=i,
        )
    page = client_as(users[Role.OVERSIGHT]).get("/dossiers/analytics/")
    chart = page.context["chart_data"]["field"]
    assert chart["labels"] == [f"Lĩnh vực {i:02d}" for i in range(11, 1, -1)] and chart["late"][0] == 11
    assert len(page.context["by_field"]) == 12
    assert "10 lĩnh vực nhiều hồ sơ trễ hạn nhất" in page.content.decode()


def test_dossier_search_ignores_diacritics_and_finds_procedures_and_fields(catalog, province, users, client_as):
    """ "tran van binh" finds Trần Văn Bình's dossier, "dang ky bien dong" the land-change procedure's dossiers; the
    field filter narrows to one field. Every search stays within the user's scope."""
    land = province["agencies"]["land"]
    services.push_event(land, receive_row("HS-LAND"))
    services.push_event(
        land, {**receive_row("HS-HOME", procedure="1.001193", event_id="h1"), "applicant_name": "Nguyễn Thị Ánh"}
    )
    visible = Dossier.objects.filter(agency=land)
    assert Dossier.objects.get(code="HS-LAND").applicant_key == "tran van binh"
    assert [d.code for d in services.search_dossiers(visible, "TRAN van binh")] == ["HS-LAND"]
    assert [d.code for d in services.search_dossiers(visible, "nguyen thi anh")] == ["HS-HOME"]
    assert [d.code for d in services.search_dossiers(visible, "Ánh")] == ["HS-HOME"]
    assert [d.code for d in services.search_dossiers(visible, "hs-la")] == ["HS-LAND"]
    assert [d.code for d in services.search_dossiers(visible, search_key(catalog["home"].name))] == ["HS-LAND"]
    assert [d.code for d in services.search_dossiers(visible, "1.001193")] == ["HS-HOME"]
    client = client_as(users[Role.STAFF])
    page = client.get("/dossiers/", {"q": "tran van binh"}).content.decode()
    assert "HS-LAND" in page and "HS-HOME" not in page
    field = Dossier.objects.get(code="HS-HOME").field
    page = client.get("/dossiers/", {"field": field.pk}).content.decode()
    assert "HS-HOME" in page and "HS-LAND" not in page
    assert "HS-LAND" not in client_as(users["other_staff"]).get("/dossiers/", {"q": "tran"}).content.decode()


def test_the_migration_fills_the_search_key_of_stored_dossiers(catalog, province):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    land = province["agencies"]["land"]
    for i in range(3):
        services.push_event(land, {**receive_row(f"HS-{i}", event_id=f"m{i}"), "applicant_name": f"Đặng Thị Ấn {i}"})
    Dossier.objects.update(applicant_key="")
    migration = importlib.import_module("dossiers.migrations.0007_dossier_applicant_key")
    migration.fill_applicant_keys(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))
    assert sorted(Dossier.objects.values_list("applicant_key", flat=True)) == [f"dang thi an {i}" for i in range(3)]
