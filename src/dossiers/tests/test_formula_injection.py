"""Text a spreadsheet would run as a formula is stored as sent and neutralised in every CSV/XLSX export."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from dossiers import services
from dossiers.models import DossierEvent

from .conftest import T0, define, receive_row, row

pytestmark = pytest.mark.django_db
LINK = '=HYPERLINK("https://evil.example","Xem")'


def test_a_formula_pushed_as_a_unit_reaches_the_analytics_xlsx_as_text(catalog, province, users, client_as):
    land = province["agencies"]["land"]
    define(catalog["home"], land)
    services.push_event(land, receive_row("HS-F"))
    services.push_event(land, row("HS-F", "F-2", "transfer", T0 + dt.timedelta(hours=1), step="review", to_unit=LINK))
    services.push_event(land, row("HS-F", "F-3", "transfer", T0 + dt.timedelta(days=12), step="approve"))
    assert DossierEvent.objects.get(external_id="F-2").to_unit == LINK  # stored as sent
    export = client_as(users[Role.OVERSIGHT]).get("/dossiers/analytics.xlsx")
    sheet = load_workbook(io.BytesIO(export.content))["Điểm nghẽn"]
    cells = [c for r in sheet.iter_rows(min_row=2) for c in r if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [(c.value, c.data_type) for c in cells] == [("'" + LINK, "s")]


def test_every_formula_start_is_neutralised_and_the_rest_kept():
    from openpyxl import Workbook

    from core.xlsx import neutralise, number_row, safe_row

    starts = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    assert safe_row(starts) == ["'" + v for v in starts]
    assert safe_row(["Phòng Tư pháp", "", None, 5, "a=b"]) == ["Phòng Tư pháp", "", None, 5, "a=b"]
    sheet = Workbook(write_only=True).create_sheet()
    assert number_row(sheet, ["=1+1", 3])[0] == neutralise("=1+1") == "'=1+1"
