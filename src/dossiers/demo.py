"""Demo dossiers: one year of the province's one-stop shops (settings.EISO['DEMO_DOSSIERS'], 200,000 by
default), with hand-over events generated with numpy and applied by the dossier engine's bulk path, exactly as an
import of the one-stop-shop software's export would be.

Patterns: the land field is slower and late far more often (delays mostly at the expert review of
the land registration office, as in the articles), delays grow around the lunar New Year, deadlines
come from the working-day calendar (holidays and Tết excluded).
"""

import time

import numpy as np
from django.conf import settings
from django.utils import timezone

from core.workdays import get_calendar
from organizations.models import Agency
from procedures.models import AdminProcedure, ProcessDefinition, ProcessStep

from . import bulk
from .engine import Batch, EventProcessor
from .models import DossierEvent
from .services import issue_warnings

BATCH = 60000  # events per engine batch (a dossier's events stay together: they are listed dossier by dossier)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Võ",
    "Phan",
    "Trương",
    "Bùi",
    "Đặng",
    "Đỗ",
    "Ngô",
    "Hồ",
    "Dương",
    "Đinh",
    "Lâm",
    "Thạch",
    "Kim",
    "Sơn",
]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thị Kim", "Hữu", "Đức", "Thị Mỹ", "Công"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Em",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Nhung",
    "Phúc",
    "Phương",
    "Quang",
    "Sang",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Trí",
    "Tuấn",
    "Út",
    "Vân",
    "Việt",
    "Xuân",
    "Yến",
    "Sóc",
    "Chăn",
    "Sa Rết",
]
STEP_CODES = ["receive", "transfer", "review", "approve", "return"]
TET_2026 = (np.datetime64("2026-02-05"), np.datetime64("2026-03-05"))


def _names(rng, n):
    f = np.array(FAMILY)[rng.integers(0, len(FAMILY), n)]
    m = np.array(MIDDLE)[rng.integers(0, len(MIDDLE), n)]
    g = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    return [f"{a} {b} {c}" for a, b, c in zip(f.tolist(), m.tolist(), g.tolist(), strict=True)]


def load(ctx):
    started = time.monotonic()
    n = int(settings.EISO.get("DEMO_DOSSIERS", 200000))
    if n <= 0:
        return
    rng = np.random.default_rng(2026)
    cal = get_calendar()
    province = ctx["province"]

    # (agency, procedure) pairs with their five step allotments in half days.
    processes = list(
        ProcessDefinition.objects.filter(agency__province=province).values(
            "pk",
            "agency_id",
            "agency__code",
            "agency__name",
            "agency__kind__code",
            "procedure_id",
            "procedure__field_id",
            "procedure__field__name",
            "procedure__processing_days",
        )
    )
    steps = {}
    for s in ProcessStep.objects.filter(process__agency__province=province).values(
        "process_id", "code", "days", "responsible_unit"
    ):
        steps.setdefault(s["process_id"], {})[s["code"]] = (int(s["days"] * 2), s["responsible_unit"])
    processes = [p for p in processes if set(steps.get(p["pk"], {})) == set(STEP_CODES)]
    weights = np.array(
        [
            (60.0 if p["agency__code"] == "SNNMT-VPDKDD" else 25.0 if p["agency__code"] == "SNNMT" else 1.6)
            if p["procedure__field__name"] == "Đất đai"
            else (1.4 if p["procedure__field__name"] in ("Hộ tịch", "Chứng thực") else 0.4)
            if p["agency__kind__code"] == "commune_committee"
            else 6.0
            for p in processes
        ]
    )
    pick = rng.choice(len(processes), size=n, p=weights / weights.sum())
    allot = np.array([[steps[p["pk"]][c][0] for c in STEP_CODES] for p in processes], dtype=np.int64)[pick]
    total = np.array([int(p["procedure__processing_days"] * 2) for p in processes], dtype=np.int64)[pick]
    is_land = np.array([p["procedure__field__name"] == "Đất đai" for p in processes])[pick]

    # Receipt: a working day of the last twelve months, office hours.
    today = np.datetime64(timezone.localdate(), "D")
    days = cal.days[(cal.days >= today - np.timedelta64(365, "D")) & (cal.days < today)]
    received = days[rng.integers(0, len(days), n)].astype("datetime64[m]") + rng.integers(
        7 * 60 + 30, 16 * 60 + 30, n
    ).astype("timedelta64[m]")

    # Late or not: land far more often; everything worse around the lunar New Year.
    tet = (received >= TET_2026[0]) & (received < TET_2026[1])
    p_late = np.where(is_land, 0.22, 0.025) + np.where(tet, 0.12, 0.0)
    late = rng.random(n) < p_late
    actual = np.floor(allot * rng.uniform(0.45, 1.0, (n, 1))).astype(np.int64)
    bottleneck = rng.choice([1, 2, 3], size=n, p=[0.08, 0.77, 0.15])
    extra = np.where(late, total - actual.sum(axis=1) + rng.integers(1, np.maximum(2, total // 2 + 2)), 0)
    actual[np.arange(n), bottleneck] += extra
    cumulative = np.cumsum(actual, axis=1)
    bounds = np.empty((n, 5), dtype="datetime64[m]")
    for i in range(5):
        end = cal.add_working_days_bulk(received, cumulative[:, i])
        jitter = rng.integers(0, 90, n).astype("timedelta64[m]")
        bounds[:, i] = np.where(
            cumulative[:, i] > 0, end - jitter, received + rng.integers(5, 60, n).astype("timedelta64[m]")
        )
    bounds = np.maximum.accumulate(np.maximum(bounds, received[:, None]), axis=1)

    now_local = np.datetime64(timezone.localtime().replace(tzinfo=None), "m")
    completed = bounds[:, 4]
    open_ = completed > now_local
    refused = ~open_ & (rng.random(n) < 0.02)
    reached = bounds <= now_local
    current = np.minimum(np.argmax(~reached, axis=1), 4)

    # The events, as the one-stop-shop software would send them, go through the engine (the bulk path of the
    # imports): the dossiers, their holders, deadlines, late steps and the summaries are what the engine makes of
    # them. The demo accounts of their agency receive some of them: the staff member at the review, the head at
    # his approval step, so that their home pages hold real work.
    from accounts.roles import Role

    users = ctx.get("users") or {}
    accounts = {role: users.get(role) for role in (Role.STAFF, Role.AGENCY_HEAD)}
    applicants = _names(rng, n)
    officers = _names(rng, 400)
    one_stop = officers[:40]
    holder_pick = rng.integers(0, 400, n)
    units = [[steps[p["pk"]][c][1] for c in STEP_CODES] for p in processes]
    codes = {p["agency_id"]: p["agency__code"] for p in processes}
    proc_codes = dict(
        AdminProcedure.objects.filter(pk__in={p["procedure_id"] for p in processes}).values_list("pk", "code")
    )
    received_day = np.datetime_as_string(received, unit="D")
    t_received = np.datetime_as_string(received, unit="s").tolist()
    t_bounds = [np.datetime_as_string(bounds[:, i], unit="s").tolist() for i in range(5)]
    by_agency = {}
    for k in range(n):
        pk = int(pick[k])
        proc = processes[pk]
        agency_id = proc["agency_id"]
        code = f"{codes[agency_id]}-{received_day[k].replace('-', '')[2:]}-{k:06d}"
        u = units[pk]
        names = [
            one_stop[k % 40],
            one_stop[(k + 7) % 40],
            officers[40 + holder_pick[k] % 300],
            officers[340 + k % 60],
            one_stop[(k + 3) % 40],
        ]
        logins = [""] * 5
        staff, head = accounts[Role.STAFF], accounts[Role.AGENCY_HEAD]
        if staff is not None and agency_id == staff.agency_id and k % 3 == 0:
            names[2], logins[2] = staff.get_full_name(), staff.username
        if head is not None and agency_id == head.agency_id and k % 2 == 0:
            names[3], logins[3] = head.get_full_name(), head.username
        rows = by_agency.setdefault(agency_id, [])
        rows.append(
            (
                f"D{k}-0",
                code,
                "receive",
                t_received[k],
                "receive",
                "",
                names[0],
                logins[0],
                u[0],
                proc_codes[proc["procedure_id"]],
                applicants[k],
            )
        )
        last = 5 if not open_[k] else int(current[k])
        for i in range(last):
            kind = "transfer" if i < 4 else ("refuse" if refused[k] else "return")
            rows.append(
                (
                    f"D{k}-{i + 1}",
                    code,
                    kind,
                    t_bounds[i][k],
                    STEP_CODES[i + 1] if i < 4 else "",
                    names[i],
                    names[i + 1] if i < 4 else applicants[k],
                    logins[i + 1] if i < 4 else "",
                    u[i + 1] if i < 4 else "",
                    "",
                    "",
                )
            )
    keys = (
        "event_id",
        "dossier_code",
        "event",
        "occurred_at",
        "step",
        "from_name",
        "to_name",
        "to_username",
        "to_unit",
        "procedure_code",
        "applicant_name",
    )
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=by_agency)}
    events = 0
    for agency_id, rows in by_agency.items():
        processor = EventProcessor(agencies[agency_id], DossierEvent.Source.DEMO)
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            columns = dict(zip(keys, map(list, zip(*chunk, strict=True)), strict=True))
            result = processor.process(Batch(range(start + 1, start + len(chunk) + 1), columns))
            if result.errors:  # the demo is generated to be valid: an error is a bug of the generator
                raise RuntimeError(f"demo events refused by the engine: {result.errors[:3]}")
            events += result.stored
    bulk.refresh_statistics()
    warnings = issue_warnings()
    ctx["stdout"].write(f"    {n} dossiers, {events} events, {warnings} warnings in {time.monotonic() - started:.1f} s")
