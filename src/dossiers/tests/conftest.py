import datetime as dt

import pytest
from django.utils import timezone

from procedures.tests.conftest import client_as  # noqa: F401

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))  # a Monday morning
STEPS = [
    ("receive", "0,5", "Bộ phận một cửa"),
    ("transfer", "0,5", "Bộ phận một cửa"),
    ("review", "7", "Phòng Đăng ký đất đai"),
    ("approve", "1,5", "Lãnh đạo Sở"),
    ("return", "0,5", "Bộ phận một cửa"),
]


def define(procedure, agency):
    from procedures.services import save_process

    return save_process(
        procedure, agency, [{"code": c, "name": f"Bước {c}", "responsible_unit": u, "days": d} for c, d, u in STEPS]
    )


@pytest.fixture
def catalog(province):
    from procedures.models import AdminProcedure, Field

    land = Field.objects.create(code="dat-dai", name="Đất đai")
    civil = Field.objects.create(code="ho-tich", name="Hộ tịch")
    home = AdminProcedure.objects.create(
        province=province["province"],
        code="1.004227",
        field=land,
        level="provincial",
        name="Đăng ký biến động quyền sử dụng đất",
        processing_days=10,
    )
    quick = AdminProcedure.objects.create(
        province=province["province"],
        code="1.001193",
        field=civil,
        level="commune",
        name="Đăng ký khai sinh",
        processing_days="0.5",
    )
    other = AdminProcedure.objects.create(
        province=province["other"],
        code="1.004227",
        field=land,
        level="provincial",
        name="Đăng ký biến động quyền sử dụng đất",
        processing_days=10,
    )
    define(home, province["agencies"]["land"])
    define(other, province["other_agencies"]["land"])
    from procedures.services import save_process

    save_process(
        quick,
        province["agencies"]["land"],
        [
            {"code": "receive", "name": "Tiếp nhận", "responsible_unit": "Một cửa", "days": "0"},
            {"code": "review", "name": "Xử lý", "responsible_unit": "Tư pháp", "days": "0,5"},
        ],
    )
    return {"home": home, "quick": quick, "other": other}


def receive_row(code="HS-001", at=T0, event_id=None, procedure="1.004227", **extra):
    return {
        "event_id": event_id or f"{code}-1",
        "dossier_code": code,
        "event": "receive",
        "occurred_at": at,
        "procedure_code": procedure,
        "applicant_name": "Trần Văn Bình",
        "to_name": "Lê Thị Một Cửa",
        **extra,
    }


def row(code, event_id, kind, at, **extra):
    return {"event_id": event_id, "dossier_code": code, "event": kind, "occurred_at": at, **extra}


@pytest.fixture
def dossier(catalog, province, users):
    """HS-001 of the land department, received on T0 and handed over late to the review step (held by staff)."""
    from accounts.roles import Role
    from dossiers import services
    from dossiers.models import Dossier

    land = province["agencies"]["land"]
    services.push_event(land, receive_row(to_username=users[Role.STAFF].username))
    services.push_event(
        land,
        row(
            "HS-001",
            "e2",
            "transfer",
            T0 + dt.timedelta(days=8),
            step="review",
            to_name="Phạm Quốc Việt",
            to_username="staff",
            to_unit="Phòng Đăng ký",
        ),
    )
    return Dossier.objects.get(code="HS-001")
